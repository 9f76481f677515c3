"""Audit entries, written by services in the same transaction as the change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from smartcity.tenancy.models import PlatformAuditEntry
from smartcity.tenantcore.models import AuditEntry


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append to the tenant's audit log (``session`` is a tenant session)."""
    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            before=before,
            after=after,
        )
    )


def record_platform(
    session: Session, *, actor: str, action: str, tenant_id: int | None, **detail: Any
) -> None:
    """Append to the platform's audit log (``session`` is a platform session)."""
    session.add(PlatformAuditEntry(actor=actor, action=action, tenant_id=tenant_id, detail=detail))
