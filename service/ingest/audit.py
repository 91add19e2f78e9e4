"""The audit trail of changes made through the API: one JSON line per upload or delete, in a
file under the data dir and in the log. Keys are named by their key id, never by value."""

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from service.logs import get_logger, request_id_var

_log = get_logger("audit")


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, action: str, key_id: str, outcome: str, **details: Any) -> dict[str, Any]:
        """Append ``{"time", "action", "key_id", "outcome", "request_id", ...details}``,
        flushed to disk before returning."""
        entry = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                 "action": action, "key_id": key_id, "outcome": outcome,
                 "request_id": request_id_var.get(), **details}
        line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
        _log.info("%s %s by %s", action, outcome, key_id, extra={"audit": entry})
        return entry

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text("utf-8").splitlines() if line]
