"""Dropping archived tenants after the retention period, never without an export.

A tenant's schema and role are dropped only when all of these hold:
it is archived (and not yet purged); it was archived ``ARCHIVE_RETENTION_DAYS``
ago or more; and an export taken at or after the moment it was archived still
exists on disk with the sha256 recorded when it was written. The platform row
and the export rows stay: they are the record of what was dropped and where its
data went (``smartcity tenants import`` restores that export as a new tenant).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.offboarding.export import file_digest
from smartcity.offboarding.models import TenantExport
from smartcity.tenancy import roles
from smartcity.tenancy.cache import announce_change
from smartcity.tenancy.models import Tenant, TenantStatus
from smartcity.tenantcore import audit


@dataclass
class PurgeDecision:
    """Whether one tenant may be purged now, and why (or why not)."""

    slug: str
    reasons: list[str] = field(default_factory=list)  # why not; empty means it may go
    export: TenantExport | None = None

    @property
    def allowed(self) -> bool:
        return not self.reasons and self.export is not None


def verified_export(
    session: Session, tenant: Tenant, since: datetime
) -> tuple[TenantExport | None, list[str]]:
    """The newest export taken at or after ``since`` whose file is intact, or the problems."""
    exports = session.scalars(
        select(TenantExport)
        .where(TenantExport.tenant_id == tenant.id, TenantExport.created_at >= since)
        .order_by(TenantExport.created_at.desc(), TenantExport.id.desc())
    ).all()
    if not exports:
        return None, [
            f"no export taken since it was archived on {since:%Y-%m-%d %H:%M} UTC: run "
            f"`smartcity tenants export {tenant.slug}` first"
        ]
    problems = []
    for export in exports:
        path = Path(export.path)
        if not path.is_file():
            problems.append(f"export {export.path} is missing")
            continue
        with path.open("rb") as file:
            sha256, size = file_digest(file)
        if (sha256, size) != (export.sha256, export.size):
            problems.append(f"export {export.path} no longer matches its recorded sha256")
            continue
        return export, []
    return None, problems


def decide(
    session: Session, tenant: Tenant, *, retention_days: int, now: datetime
) -> PurgeDecision:
    decision = PurgeDecision(tenant.slug)
    if tenant.purged_at is not None:
        decision.reasons.append(f"already purged on {tenant.purged_at:%Y-%m-%d}")
        return decision
    if tenant.status is not TenantStatus.ARCHIVED:
        decision.reasons.append(f"it is {tenant.status.value}; only archived tenants are purged")
        return decision
    if tenant.archived_at is None:
        decision.reasons.append(
            "it has no archive date: archive it with `smartcity tenants archive`"
        )
        return decision
    keep_until = tenant.archived_at + timedelta(days=retention_days)
    if now < keep_until:
        decision.reasons.append(
            f"archived on {tenant.archived_at:%Y-%m-%d}: kept until {keep_until:%Y-%m-%d} "
            f"(ARCHIVE_RETENTION_DAYS={retention_days})"
        )
    decision.export, problems = verified_export(session, tenant, tenant.archived_at)
    decision.reasons.extend(problems)
    return decision


def plan(
    session: Session, *, retention_days: int, slugs: list[str] | None = None
) -> list[PurgeDecision]:
    """A decision for each archived, unpurged tenant (or for each tenant named)."""
    query = select(Tenant).order_by(Tenant.slug)
    if slugs:
        query = query.where(Tenant.slug.in_(slugs))
    else:
        query = query.where(Tenant.status == TenantStatus.ARCHIVED, Tenant.purged_at.is_(None))
    now = session.scalar(select(func.now()))
    assert now is not None  # noqa: S101 - now() is never NULL
    decisions = [
        decide(session, t, retention_days=retention_days, now=now) for t in session.scalars(query)
    ]
    found = {d.slug for d in decisions}
    decisions += [PurgeDecision(s, [f"no tenant '{s}'"]) for s in slugs or () if s not in found]
    return decisions


def purge_tenant(
    session: Session, slug: str, *, retention_days: int, role_prefix: str, actor: str
) -> PurgeDecision:
    """Decide again under the row lock, then drop the schema and role in this transaction."""
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug).with_for_update())
    if tenant is None:
        return PurgeDecision(slug, [f"no tenant '{slug}'"])
    now = session.scalar(select(func.now()))
    assert now is not None  # noqa: S101
    decision = decide(session, tenant, retention_days=retention_days, now=now)
    if not decision.allowed:
        return decision
    export = decision.export
    assert export is not None  # noqa: S101 - allowed implies an export
    roles.drop_tenant(session, role_prefix, slug)
    tenant.purged_at = now
    audit.record_platform(
        session,
        actor=actor,
        action="tenant.purge",
        tenant_id=tenant.id,
        slug=slug,
        export_id=export.id,
        export_path=export.path,
        export_sha256=export.sha256,
    )
    announce_change(session, slug)
    session.flush()
    return decision
