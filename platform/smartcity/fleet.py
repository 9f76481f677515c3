"""``smartcity migrate``: the platform schema, then every tenant, safely.

The versions of every tenant are read in one query; tenants already at head are
skipped; the rest migrate with bounded parallelism after one canary. A tenant's
migration is one transaction under its own role, so a failure leaves its schema
as it was; that tenant goes into maintenance (its pages answer 503) and the
others go on. A failing canary stops the run: the same migration would most
likely break every tenant.
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from smartcity.apps import AppRegistry
from smartcity.config import Settings
from smartcity.db import db, tenant_bind
from smartcity.migrating import CORE_BRANCH, Migrations
from smartcity.tenancy.cache import announce_change
from smartcity.tenancy.models import Tenant, TenantMigration, TenantStatus
from smartcity.tenancy.names import quote_ident, role_name, schema_name

log = logging.getLogger(__name__)


@dataclass
class FleetReport:
    at_head: list[str] = field(default_factory=list)
    migrated: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    not_attempted: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.not_attempted


def tenant_versions(slugs: list[str]) -> dict[str, list[str]]:
    """Every tenant's recorded versions, in one round trip."""
    if not slugs:
        return {}
    parts = [
        f"SELECT {i} AS n, version_num FROM {quote_ident(schema_name(slug))}.alembic_version"  # noqa: S608 - quote_ident identifiers only; values are bound
        for i, slug in enumerate(slugs)
    ]
    versions: dict[str, list[str]] = {slug: [] for slug in slugs}
    with db.engine.connect() as conn:
        for n, version in conn.execute(text(" UNION ALL ".join(parts))):
            versions[slugs[n]].append(version)
        conn.rollback()
    return versions


def migrate_platform(migrations: Migrations) -> None:
    with db.engine.connect() as conn:
        migrations.upgrade_platform(conn)
        conn.commit()


def migrate_fleet(
    settings: Settings,
    registry: AppRegistry,
    *,
    canary: str | None = None,
    parallelism: int | None = None,
) -> FleetReport:
    migrations = Migrations(settings, registry)
    migrate_platform(migrations)
    with db.platform_transaction() as session:
        slugs = list(
            session.scalars(
                select(Tenant.slug)
                .where(Tenant.status != TenantStatus.ARCHIVED)
                .order_by(Tenant.id)
            )
        )
    report = FleetReport()
    pending: dict[str, list[str]] = {}
    for slug, versions in tenant_versions(slugs).items():
        behind = migrations.pending(versions)
        if behind:
            installed = {migrations.branch_of.get(v, "?") for v in versions} - {"?"}
            pending[slug] = [CORE_BRANCH, *sorted(installed - {CORE_BRANCH})]
        else:
            report.at_head.append(slug)
    if not pending:
        return report
    first = canary if canary in pending else next(iter(pending))
    error = migrate_one(settings, first, pending.pop(first))
    if error is not None:
        report.failed[first] = error
        report.not_attempted = list(pending)
        log.error("canary %s failed; %d tenants not attempted", first, len(pending))
        return report
    report.migrated.append(first)
    workers = max(1, parallelism or settings.MIGRATE_PARALLELISM)
    if workers == 1 or len(pending) <= 1:
        for slug, branches in pending.items():
            _collect(report, slug, migrate_one(settings, slug, branches))
        return report
    # Alembic's `op` and `context` are process-wide proxies, so parallel tenants
    # need processes, not threads.
    with ProcessPoolExecutor(
        max_workers=min(workers, len(pending)), mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        futures = {
            pool.submit(_migrate_in_worker, settings, slug, branches): slug
            for slug, branches in pending.items()
        }
        for future in as_completed(futures):
            _collect(report, futures[future], future.result())
    return report


def _collect(report: FleetReport, slug: str, error: str | None) -> None:
    if error is None:
        report.migrated.append(slug)
    else:
        report.failed[slug] = error


_worker_registry: AppRegistry | None = None


def _migrate_in_worker(settings: Settings, slug: str, branches: list[str]) -> str | None:
    global _worker_registry  # noqa: PLW0603 - one engine and registry per worker process
    if _worker_registry is None:
        db.configure(settings.app_database_url, 2)
        _worker_registry = AppRegistry.load(settings.APPS)
    return migrate_one(settings, slug, branches, _worker_registry)


def migrate_one(
    settings: Settings, slug: str, branches: list[str], registry: AppRegistry | None = None
) -> str | None:
    """Migrate one tenant in one transaction; record the outcome. Returns the error."""
    migrations = Migrations(settings, registry or AppRegistry.load(settings.APPS))
    schema, role = schema_name(slug), role_name(settings.role_prefix, slug)
    error: str | None = None
    try:
        with tenant_bind(db.engine, schema, role).connect() as conn:
            migrations.upgrade_tenant(conn, schema, branches)
            conn.commit()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}".strip()[:2000]
        log.warning("migration of tenant %s failed: %s", slug, error)
    versions = tenant_versions([slug])[slug]
    with db.platform_transaction() as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == slug).with_for_update())
        if tenant is None:
            return error
        session.execute(
            insert(TenantMigration)
            .values(
                tenant_id=tenant.id,
                status="failed" if error else "ok",
                versions=versions,
                error=error,
            )
            .on_conflict_do_update(
                index_elements=[TenantMigration.tenant_id],
                set_={
                    "status": "failed" if error else "ok",
                    "versions": versions,
                    "error": error,
                    "finished_at": text("now()"),
                },
            )
        )
        if error is not None or tenant.maintenance:
            tenant.maintenance = error is not None
            tenant.maintenance_reason = error and f"migration failed: {error[:500]}"
            announce_change(session, slug)
    return error
