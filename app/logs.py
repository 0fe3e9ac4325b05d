"""JSON log lines for operators: one object per line, with the structured fields a
record carries in `extra={"fields": {...}}` at the top level."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# json.dumps given options builds an encoder per call: one line per request (issue 7).
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode


class JsonFormatter(logging.Formatter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every record gathers its caller's file and line and its thread's and process's
        # names, for formats that show them; a line here shows none, and gathering them
        # cost a sixth of each line (the logging HOWTO's "Optimization").
        logging._srcfile = None
        logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return _encode(line)


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """dictConfig for the server (uvicorn's own loggers included)."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            **{
                name: {"handlers": [], "level": level, "propagate": True}
                for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
            },
            # It logs every client mistake as an ERROR with the query text; memberhub.errors
            # already logs the unexpected ones with their request id.
            "strawberry.execution": {"level": "CRITICAL"},
        },
    }
