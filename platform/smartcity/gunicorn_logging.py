"""gunicorn's access log without one-time tokens (``--logger-class`` on the command line).

The default access log prints the request line, the path, the query string and
the Referer, so invitation and reset links and support hand-over tokens were
written in full. This logger blanks them out of every value a format can use.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

from smartcity.logconfig import redact_url


class RedactingLogger(Logger):  # type: ignore[misc]
    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta
    ) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {k: redact_url(v) if isinstance(v, str) else v for k, v in atoms.items()}
