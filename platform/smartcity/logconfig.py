"""Structured logs: one JSON object a line, carrying the request id and the tenant."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

from flask import g, has_request_context

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

#: Where one-time tokens travel in URLs: set-password links (in the path) and
#: support hand-overs (``?token=``, or a bare query string). Whoever reads a log
#: must not be able to use them.
_TOKEN_IN_URL = re.compile(r"(/set-password/|(?:^|[?&;])token=)[^/?&;#\s\"]+", re.IGNORECASE)
REDACTED = "[redacted]"


def redact_url(text: str) -> str:
    """``text`` (a path, a URL or a request line) with its one-time tokens blanked out."""
    return _TOKEN_IN_URL.sub(rf"\g<1>{REDACTED}", text)


class ContextFilter(logging.Filter):
    """Adds ``request_id`` and ``tenant`` to every record made during a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-")
            tenant = g.get("tenant")
            record.tenant = tenant.slug if tenant is not None else "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(
            {
                k: v
                for k, v in record.__dict__.items()
                if k not in _STANDARD and not k.startswith("_")
            }
        )
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str, as_json: bool) -> None:
    """Called by process entry points (web, worker, CLI), never at import time."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    handler.setFormatter(
        JsonFormatter() if as_json else logging.Formatter("%(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
