"""Adoption figures for the console, read from ``platform.tenant_usage_daily``.

Everything here reads the collector's rows (see ``usage.collector``); nothing
touches a tenant schema, so a page about all regencies costs three queries.
A tenant's figures are "as of" the last day collected for it: its ``*`` row of
that day carries the 7- and 30-day distinct users; an app without a row that
day had nobody in 30 days.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.usage.collector import TENANT_TOTAL, WINDOW_DAYS
from smartcity.usage.models import TenantUsageDaily


@dataclass
class AppAdoption:
    app: str
    active_7d: int = 0
    active_30d: int = 0
    hits_30d: int = 0
    jobs_30d: int = 0
    last_active: date | None = None


@dataclass
class TenantAdoption:
    tenant_id: int
    as_of: date | None = None
    total: AppAdoption = field(default_factory=lambda: AppAdoption(TENANT_TOTAL))
    apps: dict[str, AppAdoption] = field(default_factory=dict)
    #: Active users per day over the window ending ``as_of`` (oldest first).
    daily: list[tuple[date, int]] = field(default_factory=list)

    def app(self, name: str) -> AppAdoption:
        return self.apps.get(name) or AppAdoption(name)


def adoption(session: Session, tenant_ids: list[int]) -> dict[int, TenantAdoption]:
    """The adoption of each tenant in ``tenant_ids`` (figures of zero when never collected)."""
    result = {tid: TenantAdoption(tid) for tid in tenant_ids}
    if not tenant_ids:
        return result
    usage = TenantUsageDaily
    as_of = dict(
        session.execute(
            select(usage.tenant_id, func.max(usage.day))
            .where(usage.tenant_id.in_(tenant_ids), usage.app == TENANT_TOTAL)
            .group_by(usage.tenant_id)
        ).all()
    )
    if as_of:
        earliest = min(as_of.values()) - timedelta(days=WINDOW_DAYS - 1)
        rows = session.scalars(
            select(usage)
            .where(usage.tenant_id.in_(list(as_of)), usage.day >= earliest)
            .order_by(usage.day)
        )
        for row in rows:
            _add(result[row.tenant_id], row, as_of[row.tenant_id])
    last_active = session.execute(
        select(usage.tenant_id, usage.app, func.max(usage.day))
        .where(usage.tenant_id.in_(tenant_ids), usage.active_users > 0)
        .group_by(usage.tenant_id, usage.app)
    )
    for tenant_id, app, day in last_active:
        figures = result[tenant_id]
        target = (
            figures.total if app == TENANT_TOTAL else figures.apps.setdefault(app, AppAdoption(app))
        )
        target.last_active = day
    for figures in result.values():
        figures.as_of = as_of.get(figures.tenant_id)
        figures.daily = _daily_series(figures.daily, figures.as_of)
    return result


def _add(figures: TenantAdoption, row: TenantUsageDaily, as_of: date) -> None:
    if row.day > as_of or row.day <= as_of - timedelta(days=WINDOW_DAYS):
        return
    target = (
        figures.total
        if row.app == TENANT_TOTAL
        else figures.apps.setdefault(row.app, AppAdoption(row.app))
    )
    target.hits_30d += row.hits
    target.jobs_30d += row.jobs
    if row.day == as_of:
        target.active_7d = row.active_users_7d
        target.active_30d = row.active_users_30d
    if row.app == TENANT_TOTAL:
        figures.daily.append((row.day, row.active_users))


def _daily_series(known: list[tuple[date, int]], as_of: date | None) -> list[tuple[date, int]]:
    """Every day of the window, with zero for the days not collected."""
    if as_of is None:
        return []
    by_day = defaultdict(int, known)
    first = as_of - timedelta(days=WINDOW_DAYS - 1)
    return [
        (first + timedelta(days=n), by_day[first + timedelta(days=n)]) for n in range(WINDOW_DAYS)
    ]
