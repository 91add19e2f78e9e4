"""Structured JSON logs, one object a line, each with the request id of the request that
wrote it (``request_id_var``, set by ``service.api.request_context``)."""

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

LOGGER = "policykg"
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id", ...extra fields}``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        entry.update({k: v for k, v in record.__dict__.items()
                      if k not in _RESERVED and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO", stream: IO[str] | None = None) -> logging.Logger:
    """JSON lines on stderr for the ``policykg`` loggers; calling it again only sets the level."""
    logger = logging.getLogger(LOGGER)
    logger.setLevel(level.upper())
    if not any(getattr(h, "_policykg", False) for h in logger.handlers):
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler._policykg = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.propagate = False  # uvicorn's plain-text root handler would print it twice
    return logger


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(f"{LOGGER}.{name}")
