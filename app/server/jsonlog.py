"""JSON-lines logging on stdout, so CloudWatch Logs Insights can filter on fields."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

_logger = logging.getLogger("server")


class JsonFormatter(logging.Formatter):
    """One JSON object per record; extra fields come from `extra={"fields": {...}}`."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC)
        entry: dict[str, Any] = {
            "ts": ts.isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


# Passed to uvicorn so its own startup/access/error lines share the format.
LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": JsonFormatter}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        }
    },
    "loggers": {
        name: {"handlers": ["stdout"], "level": "INFO", "propagate": False} for name in ("uvicorn", "server")
    },
}


def log(event: str, **fields: Any) -> None:
    """Log a lifecycle event; `event` becomes the `message` field."""
    _logger.info(event, extra={"fields": fields})
