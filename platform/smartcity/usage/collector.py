"""The nightly roll-up: each tenant's activity and jobs into ``platform.tenant_usage_daily``.

For every active tenant and one day, the collector reads the tenant's
``activity`` (under the tenant's role, inside a platform transaction, see
``tenancy.scope.as_tenant``) and writes one row per app plus one for the
tenant as a whole (``app = "*"``: a user of two apps counts once):

- ``active_users``: distinct users that day;
- ``active_users_7d`` / ``active_users_30d``: distinct users over the 7 and 30
  days ending that day. Distinct counts cannot be added up from daily ones (the
  same people come back every day), so they are computed here, from the raw
  rows, and stored with the day: the console reads one row per tenant and app
  instead of keeping a set of users per tenant;
- ``hits``: requests that day; ``jobs``: jobs created that day (a job's app is
  the part of its ``kind`` before the first dot, when that names an app).

A row is written for every app used within the 30 days, and the ``*`` row
always, so figures that fell to zero are written as zero rather than left at
their last non-zero value. Collecting a day again replaces its rows: the job is
idempotent and can be re-run or back-filled (``smartcity usage collect``). Each
tenant is its own transaction; one failing tenant is reported and the others go on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, distinct, func, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from smartcity.db import db
from smartcity.jobs.models import Job
from smartcity.state import platform_state
from smartcity.tenancy.models import Tenant, TenantStatus
from smartcity.tenancy.names import role_name, schema_name
from smartcity.tenancy.scope import as_tenant
from smartcity.tenantcore.models import Activity
from smartcity.tenantcore.settings import timezone_for_region
from smartcity.usage.activity import CORE_APP
from smartcity.usage.models import TenantUsageDaily

log = logging.getLogger(__name__)

#: The ``app`` of the row that counts the tenant as a whole.
TENANT_TOTAL = "*"
WINDOW_DAYS = 30
#: Bandung's zone decides which day "yesterday" is; every regency lies at or
#: east of it, so its yesterday is over as well.
OPERATORS_ZONE = ZoneInfo("Asia/Jakarta")


@dataclass
class CollectReport:
    day: date
    tenants: int = 0
    rows: int = 0
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass
class Figures:
    active_users: int = 0
    active_users_7d: int = 0
    active_users_30d: int = 0
    hits: int = 0
    jobs: int = 0


def yesterday() -> date:
    return datetime.now(OPERATORS_ZONE).date() - timedelta(days=1)


def collect(day: date | None = None) -> CollectReport:
    """Roll up ``day`` (default: yesterday) for every active tenant; commits per tenant.

    A plain function for the CLI and for a nightly Celery beat task (inside
    the app context, which both have).
    """
    state = platform_state()
    day = day or yesterday()
    with db.platform_transaction() as session:
        tenants = session.execute(
            select(Tenant.id, Tenant.slug, Tenant.region_code)
            .where(Tenant.status == TenantStatus.ACTIVE)
            .order_by(Tenant.id)
        ).all()
    report = CollectReport(day)
    for tenant_id, slug, region_code in tenants:
        try:
            with db.platform_transaction() as session:
                report.rows += collect_tenant(
                    session,
                    tenant_id,
                    slug,
                    region_code,
                    day,
                    app_names=state.registry.names,
                    role_prefix=state.settings.role_prefix,
                )
        except SQLAlchemyError as exc:
            report.failed[slug] = f"{type(exc).__name__}: {exc}".strip()[:500]
            log.warning("usage of tenant %s on %s not collected: %s", slug, day, exc)
        else:
            report.tenants += 1
    return report


def collect_tenant(
    session: Session,
    tenant_id: int,
    slug: str,
    region_code: str,
    day: date,
    *,
    app_names: Iterable[str],
    role_prefix: str,
) -> int:
    """Replace one tenant's rows for ``day``; returns how many were written."""
    figures = {TENANT_TOTAL: Figures()}
    users = distinct(Activity.user_id)
    # Per app, and for all apps together (ROLLUP's row, whose app is NULL), in one scan.
    activity = (
        select(
            Activity.app,
            func.count(users).filter(Activity.day == day),
            func.count(users).filter(Activity.day > day - timedelta(days=7)),
            func.count(users),
            func.coalesce(func.sum(Activity.hits).filter(Activity.day == day), 0),
        )
        .where(Activity.day > day - timedelta(days=WINDOW_DAYS), Activity.day <= day)
        .group_by(func.rollup(Activity.app))
    )
    with as_tenant(session.connection(), schema_name(slug), role_name(role_prefix, slug)) as ts:
        for app, users_day, users_7d, users_30d, hits in ts.execute(activity):
            figures[TENANT_TOTAL if app is None else app] = Figures(
                users_day, users_7d, users_30d, int(hits)
            )
        zone = ZoneInfo(timezone_for_region(region_code))
        start = datetime.combine(day, time(), zone)
        jobs = ts.execute(
            select(Job.kind, func.count())
            .where(Job.created_at >= start, Job.created_at < start + timedelta(days=1))
            .group_by(Job.kind)
        ).all()
    known = set(app_names)
    for kind, count in jobs:
        prefix = kind.split(".", 1)[0]
        app = prefix if prefix in known else CORE_APP
        figures.setdefault(app, Figures()).jobs += count
        figures[TENANT_TOTAL].jobs += count
    session.execute(
        delete(TenantUsageDaily).where(
            TenantUsageDaily.tenant_id == tenant_id, TenantUsageDaily.day == day
        )
    )
    now = datetime.now(UTC)
    session.execute(
        insert(TenantUsageDaily),
        [
            {
                "tenant_id": tenant_id,
                "day": day,
                "app": app,
                "active_users": f.active_users,
                "active_users_7d": f.active_users_7d,
                "active_users_30d": f.active_users_30d,
                "hits": f.hits,
                "jobs": f.jobs,
                "collected_at": now,
            }
            for app, f in figures.items()
        ],
    )
    return len(figures)
