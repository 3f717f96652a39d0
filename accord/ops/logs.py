"""Log formats: readable text by default, one JSON object a line with ACCORD_LOG_FORMAT=json.

Every record made while a request is handled carries its ``request_id`` (the
``X-Request-ID`` the proxy sent, when sane, else a new one; echoed on the response), so the
lines of one request can be found across the log. The request line itself
(``accord.request``, ACCORD_LOG_REQUESTS=1) adds the route name, method, status and duration.
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

#: Extra attributes the JSON format copies when a record has them.
_FIELDS = ("route", "method", "status", "duration_ms")


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, request fields."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "")
        if request_id:
            body["request_id"] = request_id
        for name in _FIELDS:
            if hasattr(record, name):
                body[name] = getattr(record, name)
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False, default=str)


def logging_config(*, fmt: str, level: str, requests: bool) -> dict[str, object]:
    """The LOGGING setting: ``fmt`` is ``text`` (the default) or ``json``."""
    if fmt not in {"text", "json"}:
        raise ValueError(f"ACCORD_LOG_FORMAT must be text or json, not {fmt!r}.")
    formatter = (
        {"()": "accord.ops.logs.JsonFormatter"}
        if fmt == "json"
        else {"format": "%(message)s"}  # as before: the message alone
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "accord.ops.logs.RequestIdFilter"}},
        "formatters": {"accord": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "accord",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"accord.request": {"level": "INFO" if requests else "WARNING"}},
    }
