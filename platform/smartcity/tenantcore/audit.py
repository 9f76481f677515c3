"""Audit entries, written by services in the same transaction as the change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from smartcity.tenancy.models import PlatformAuditEntry
from smartcity.tenancy.names import quote_ident
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


def append_only_ddl(schema: str) -> list[str]:
    """Statements that make ``<schema>.audit_log`` refuse UPDATE, DELETE and TRUNCATE."""
    s = quote_ident(schema)
    return [
        f"CREATE FUNCTION {s}.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
        f"CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON {s}.audit_log "
        f"FOR EACH ROW EXECUTE FUNCTION {s}.audit_log_append_only()",
        f"CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON {s}.audit_log "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {s}.audit_log_append_only()",
    ]


def drop_append_only_ddl(schema: str) -> list[str]:
    s = quote_ident(schema)
    return [
        f"DROP TRIGGER IF EXISTS audit_log_no_truncate ON {s}.audit_log",
        f"DROP TRIGGER IF EXISTS audit_log_no_change ON {s}.audit_log",
        f"DROP FUNCTION IF EXISTS {s}.audit_log_append_only()",
    ]
