"""Recording who uses which app, day by day: the raw material of adoption figures.

Every authenticated tenant request counts for (user, app, day) in the tenant's
``activity`` table, written in the request's own session so it commits (or
not) with the request. A busy user must not cost a write per request, so each
process remembers the keys it has written (a bounded LRU): the first request of
a key writes its row, the next ones only count in memory, and every
``FLUSH_EVERY`` of them are added in one write. Hits are therefore a slight
undercount (what a process had not flushed when it stopped); active users,
which need only the first write, are exact.

The app of a request is the app whose blueprint serves it, else ``core``. The
day is the tenant's local day (WIB, WITA or WIT from its region code), the day
its people would name.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any, cast
from zoneinfo import ZoneInfo

from flask import g, request
from sqlalchemy import Table, bindparam, event
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from smartcity.auth.principal import TenantPrincipal
from smartcity.db import is_outer_commit
from smartcity.state import platform_state
from smartcity.tenancy.cache import TenantInfo
from smartcity.tenantcore.models import Activity
from smartcity.tenantcore.settings import timezone_for_region

log = logging.getLogger(__name__)

CORE_APP = "core"
FLUSH_EVERY = 25
CAPACITY = 50_000
_WRITTEN = "smartcity.activity.written"

Key = tuple[int, int, str, date]  # tenant id, user id, app, day


class ActivityLedger:
    """Which (tenant, user, app, day) this process has written, and hits not yet written."""

    def __init__(self, capacity: int = CAPACITY, flush_every: int = FLUSH_EVERY) -> None:
        self.capacity = capacity
        self.flush_every = flush_every
        self._unwritten: OrderedDict[Key, int] = OrderedDict()
        self._lock = threading.Lock()

    def hits_to_write(self, key: Key) -> int:
        """How many hits this request should write for ``key`` (0: none, count in memory).

        A new key writes at once but is remembered only after its commit (see
        :meth:`written`): should the request roll back, the next one tries again.
        """
        with self._lock:
            pending = self._unwritten.get(key)
            if pending is None:
                return 1
            self._unwritten.move_to_end(key)
            pending += 1
            if pending < self.flush_every:
                self._unwritten[key] = pending
                return 0
            # Claimed now, so concurrent requests do not add the same hits twice;
            # lost if this request's transaction fails, which only undercounts.
            self._unwritten[key] = 0
            return pending

    def written(self, key: Key) -> None:
        with self._lock:
            self._unwritten.setdefault(key, 0)
            self._unwritten.move_to_end(key)
            while len(self._unwritten) > self.capacity:
                self._unwritten.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._unwritten.clear()


ledger = ActivityLedger()


@lru_cache(maxsize=64)
def _zone(region_code: str) -> ZoneInfo:
    return ZoneInfo(timezone_for_region(region_code))


def local_day(tenant: TenantInfo, now: datetime | None = None) -> date:
    return (
        (now or datetime.now(_zone(tenant.region_code)))
        .astimezone(_zone(tenant.region_code))
        .date()
    )


def request_app() -> str:
    """The app that serves this request, ``core`` for the platform's own pages."""
    top = request.blueprints[-1] if request.blueprints else ""
    return platform_state().blueprint_app.get(top, CORE_APP)


def request_principal() -> Any:
    """Whoever this request authenticated, without loading anyone new.

    An API request keeps its bearer principal in ``g.api_principal``; a page
    keeps the session's user where Flask-Login put it once loaded.
    """
    return g.get("api_principal") or g.get("_login_user")


def record_activity(session: Session) -> None:
    """Count this request for its user, app and day (``session``: the tenant's request session).

    Support sessions do not count: Bandung's operators are not the regency's users.
    """
    tenant: TenantInfo | None = g.get("tenant")
    principal = request_principal()
    if (
        tenant is None
        or not isinstance(principal, TenantPrincipal)
        or getattr(principal, "is_support", False)
        or principal.user.id is None
    ):
        return
    key: Key = (tenant.id, principal.user.id, request_app(), local_day(tenant))
    hits = ledger.hits_to_write(key)
    if hits == 0:
        return
    try:
        # A savepoint: should the write fail, the request's own work still commits.
        # On the session's connection (Core), not through the ORM: no object of the
        # session changes here, and the ORM's savepoint and bulk-insert machinery
        # cost ~1 ms of CPU, which every person's first request of the day pays
        # (each check-in of a morning peak).
        connection = session.connection()
        with connection.begin_nested():
            connection.execute(
                _upsert_statement(),
                {"user_id": key[1], "app": key[2], "day": key[3], "hits": hits},
            )
    except SQLAlchemyError as exc:
        log.warning("activity not recorded for tenant %s: %s", tenant.slug, exc)
        return
    session.info.setdefault(_WRITTEN, []).append(key)


@cache
def _upsert_statement() -> Any:
    """Built once, on the table (Core): in the morning every person's first request
    of the day writes."""
    table = cast(Table, Activity.__table__)
    statement = insert(table).values(
        user_id=bindparam("user_id"),
        app=bindparam("app"),
        day=bindparam("day"),
        hits=bindparam("hits"),
    )
    return statement.on_conflict_do_update(
        index_elements=[table.c.user_id, table.c.app, table.c.day],
        set_={"hits": table.c.hits + statement.excluded.hits},
    )


@event.listens_for(Session, "after_commit")
def _remember_written(session: Session) -> None:
    """For every session, registered once (a listener added to each writing session
    cost ~0.1 ms a request). A later savepoint's release fires after_commit too;
    only the COMMIT counts."""
    if _WRITTEN in session.info and is_outer_commit(session):
        for key in session.info.pop(_WRITTEN, ()):
            ledger.written(key)
