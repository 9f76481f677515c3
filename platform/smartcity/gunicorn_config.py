"""How gunicorn serves the platform: one file for `dev.py up`, docker-compose and the benches.

``gunicorn --config python:smartcity.gunicorn_config smartcity.wsgi:app``

Threaded workers (``gthread``) keep a client's connection open between calls:
the mobile app's check-ins at 7:30 and a browser's page loads reuse theirs,
where sync workers close every connection after its answer, so each call paid
a TCP connect as well (measured ~1.5x the server CPU per check-in, see
bench/README.md). The threads of a worker share its database pool
(``SMARTCITY_DB_POOL_SIZE``, 10 by default, more than the threads).

Each value can be set from the environment, as container platforms expect:
``PORT``, ``WEB_CONCURRENCY`` (processes, 2), ``WEB_THREADS`` (threads per
process, 4), ``WEB_TIMEOUT`` (seconds, 60), ``WEB_ACCESS_LOG`` (``-`` for
standard output, the default; empty for none).
"""

from __future__ import annotations

import os


def _number(name: str, default: int, low: int, high: int) -> int:
    """A whole number from the environment, refused at start-up if it is not one in range."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise SystemExit(f"{name} must be {low} to {high}, not {value}")
    return value


bind = f"0.0.0.0:{_number('PORT', 8000, 1, 65535)}"
workers = _number("WEB_CONCURRENCY", 2, 1, 64)
worker_class = "gthread"
threads = _number("WEB_THREADS", 4, 1, 64)
timeout = _number("WEB_TIMEOUT", 60, 5, 3600)
#: Seconds an idle kept-alive connection waits for its next request.
keepalive = 5
accesslog = os.environ.get("WEB_ACCESS_LOG", "-") or None
# One-time tokens (invitation, reset, support hand-over) stay out of the access log.
logger_class = "smartcity.gunicorn_logging.RedactingLogger"
