"""Health of each tenant, for the console: schema versions, maintenance, migrations, jobs.

Versions come from ``fleet.tenant_versions`` (one UNION ALL query for every
tenant asked about) compared with the heads by ``Migrations.pending``; the last
fleet migration's outcome from ``platform.tenant_migrations``. Both are cheap,
so the tenant list shows them for every row.

Jobs are read live from each tenant's ``jobs`` table, under the tenant's role
(the app's login role cannot read tenant tables without it), one short
transaction per tenant, only on the health page (one page of tenants) and a
tenant's own page. Why not the nightly aggregates: they count jobs *created*
per day, while health is about now — jobs failed in the last day, jobs waiting
too long — which a day-old roll-up cannot tell. One failing tenant (say, a schema
behind the jobs table) shows "unavailable" and the others still show.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from smartcity.db import db, tenant_bind
from smartcity.fleet import tenant_versions
from smartcity.jobs.models import Job
from smartcity.migrating import Migrations
from smartcity.tenancy.models import Tenant, TenantMigration, TenantStatus
from smartcity.tenancy.names import role_name, schema_name

log = logging.getLogger(__name__)

#: Jobs counted by status: those created in this window, plus any still waiting.
JOBS_WINDOW = timedelta(days=1)
#: A job queued or running for longer than this is reported as stuck.
STUCK_AFTER = timedelta(minutes=30)
WAITING = ("queued", "running")
FAILED = "failed"


@dataclass
class TenantHealth:
    tenant_id: int
    maintenance: bool = False
    maintenance_reason: str | None = None
    archived: bool = False
    versions: list[str] = field(default_factory=list)
    #: Migration branches whose recorded version is not their head.
    behind: list[str] = field(default_factory=list)
    versions_error: str | None = None
    migration: TenantMigration | None = None
    #: Jobs by status (see JOBS_WINDOW); None when not read or not readable.
    jobs: dict[str, int] | None = None
    oldest_waiting: datetime | None = None
    jobs_error: str | None = None

    @property
    def migration_failed(self) -> bool:
        return self.migration is not None and self.migration.status == "failed"

    @property
    def stuck(self) -> bool:
        return (
            self.oldest_waiting is not None
            and datetime.now(UTC) - self.oldest_waiting > STUCK_AFTER
        )

    @property
    def problems(self) -> list[str]:
        """Machine-readable reasons to look at this tenant, worst first."""
        if self.archived:
            return []
        found = []
        if self.maintenance:
            found.append("maintenance")
        if self.migration_failed:
            found.append("migration_failed")
        if self.behind or self.versions_error:
            found.append("behind")
        if self.jobs and self.jobs.get(FAILED):
            found.append("jobs_failed")
        if self.stuck:
            found.append("jobs_stuck")
        if self.jobs_error:
            found.append("jobs_unavailable")
        return found

    @property
    def level(self) -> str:
        """``ok``, ``warning`` or ``danger``: the colour of its badge."""
        problems = self.problems
        if {"maintenance", "migration_failed"} & set(problems):
            return "danger"
        return "warning" if problems else "ok"


def tenant_health(
    session: Session,
    tenants: list[Tenant],
    *,
    migrations: Migrations,
    role_prefix: str,
    with_jobs: bool = False,
) -> dict[int, TenantHealth]:
    """Health of ``tenants`` by id; ``with_jobs`` adds one transaction per tenant."""
    health = {
        t.id: TenantHealth(
            t.id,
            maintenance=t.maintenance,
            maintenance_reason=t.maintenance_reason,
            archived=t.status is TenantStatus.ARCHIVED,
        )
        for t in tenants
    }
    live = [t for t in tenants if t.status is not TenantStatus.ARCHIVED]
    ids = {t.slug: t.id for t in live}
    for slug, versions in _versions(list(ids)).items():
        if versions is None:
            health[ids[slug]].versions_error = "unreadable"
        else:
            health[ids[slug]].versions = sorted(versions)
            health[ids[slug]].behind = migrations.pending(versions)
    if health:
        for row in session.scalars(
            select(TenantMigration).where(TenantMigration.tenant_id.in_(list(health)))
        ):
            health[row.tenant_id].migration = row
    if with_jobs:
        for tenant in live:
            _read_jobs(health[tenant.id], tenant.slug, role_prefix)
    return health


def _versions(slugs: list[str]) -> dict[str, list[str] | None]:
    """Every tenant's versions in one query; if that fails, tenant by tenant."""
    try:
        return dict(tenant_versions(slugs))
    except SQLAlchemyError:
        log.warning("versions of %d tenants unreadable together; reading one by one", len(slugs))
    found: dict[str, list[str] | None] = {}
    for slug in slugs:
        try:
            found[slug] = tenant_versions([slug])[slug]
        except SQLAlchemyError:
            found[slug] = None
    return found


def _read_jobs(health: TenantHealth, slug: str, role_prefix: str) -> None:
    since = datetime.now(UTC) - JOBS_WINDOW
    session = db.session(
        bind=tenant_bind(db.engine, schema_name(slug), role_name(role_prefix, slug))
    )
    try:
        rows = session.execute(
            select(Job.status, func.count(), func.min(Job.created_at))
            .where((Job.created_at >= since) | Job.status.in_(WAITING))
            .group_by(Job.status)
        ).all()
    except SQLAlchemyError as exc:
        health.jobs_error = type(exc).__name__
        log.warning("jobs of tenant %s unreadable: %s", slug, exc)
        return
    finally:
        session.rollback()
        session.close()
    health.jobs = {status: count for status, count, _oldest in rows}
    waiting = [oldest for status, _count, oldest in rows if status in WAITING and oldest]
    health.oldest_waiting = min(waiting) if waiting else None
