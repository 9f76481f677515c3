"""The tenant cache's listener (LISTEN for tenant changes) gives up for good once its
cache is closed, rather than reconnecting every 30 s to a database that is gone:
what a test worker that outlives its session, or a retired app, needs."""

from __future__ import annotations

import threading
from typing import Any

from smartcity.db import db
from smartcity.tenancy.cache import TenantCache
from sqlalchemy.engine import make_url

from tests.conftest import ADMIN_URL


def _listeners() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "tenant-cache-listener"}


def test_a_closed_cache_stops_listening(app: Any) -> None:
    gone = make_url(ADMIN_URL).set(database="sc_no_such_database", drivername="postgresql")
    before = _listeners()
    cache = TenantCache(db.engine, "sc_x", 60.0, gone.render_as_string(hide_password=False))
    cache._ensure_listener()
    (listener,) = _listeners() - before
    listener.join(timeout=0.5)
    assert listener.is_alive()  # it keeps trying while the cache is open...
    cache.close()
    listener.join(timeout=5)
    assert not listener.is_alive()  # ...and leaves once it is closed
