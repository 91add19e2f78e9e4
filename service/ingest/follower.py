"""A replica's thread that follows the changes other replicas publish on a shared graph.

Every ``interval_s`` it asks the graph for the change marker (one small read); when it moved,
the documents changed since are synced into this replica's indexes (``Library.follow_changes``).
An upload through another replica is therefore searchable here about ``interval_s`` plus the
sync of that document later. While the graph cannot be reached it logs once and keeps asking.
"""

import threading

from graph.errors import GraphUnavailableError
from service.ingest.library import Library
from service.logs import get_logger

_log = get_logger("follower")
DEFAULT_INTERVAL_S = 1.0


class ChangeFollower:
    def __init__(self, library: Library, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        self._library = library
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="policykg-follower", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        unavailable = False
        while not self._stop.wait(self._interval_s):
            try:
                synced = self._library.follow_changes()
            except GraphUnavailableError as exc:
                if not unavailable:
                    _log.warning("cannot follow changes: %s (retrying)", exc)
                unavailable = True
                continue
            except Exception:
                _log.exception("following changes failed (retrying)")
                continue
            if unavailable:
                _log.info("the graph answers again; following changes")
                unavailable = False
            if synced:
                _log.info("synced %d document(s) changed by another replica "
                          "(generation %d)", synced, self._library.generation)
