"""Support grants: an operator enters a tenant for a limited time, audited on both sides.

An operator starts a session from the console with a reason and a duration (at
most four hours). The grant lives in ``platform``; the start and the end are
written to the platform's audit log and to the tenant's own, so the regency's
admins see who came in, why and until when. Inside the tenant the operator acts
as a :class:`~smartcity.support.principal.SupportPrincipal` whose identity names
the grant: every request checks the grant again, so ending it or letting it
expire shuts the door at once.

Crossing from the console (``/platform/``, its own cookie) to the tenant
(``/t/<slug>/`` or its own host, another cookie) uses a hand-over token: signed,
valid for a minute, naming the grant, the tenant and a nonce stored in the
grant. Redeeming it clears the nonce, so the token works once, and issuing a
new one voids any older one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from smartcity.auth.models import Operator
from smartcity.errors import Conflict, InvalidInput, Message, NotFound
from smartcity.support.models import SupportGrant
from smartcity.tenancy.models import Tenant, TenantStatus
from smartcity.tenancy.names import role_name, schema_name
from smartcity.tenancy.scope import as_tenant
from smartcity.tenantcore import audit

MAX_MINUTES = 240
MAX_REASON = 500
HANDOVER_SALT = "smartcity.support-handover"
#: A hand-over token is used by the redirect right after it is issued.
HANDOVER_SECONDS = 60
#: The entity name of support sessions in the tenant's audit log.
AUDIT_ENTITY = "support_session"


def actor_label(operator_email: str) -> str:
    """How the tenant's audit log names what an operator did in a support session."""
    return f"support:{operator_email}"


@dataclass(frozen=True)
class ActiveGrant:
    """A grant that may be used right now, with what the support principal needs."""

    grant_id: int
    tenant_id: int
    operator_id: int
    operator_email: str
    operator_name: str
    expires_at: datetime


def start_support(
    session: Session,
    tenant: Tenant,
    operator: Operator,
    *,
    reason: str,
    minutes: int,
    role_prefix: str,
) -> SupportGrant:
    """Open a support session; audited in the platform's and the tenant's log."""
    reason = reason.strip()
    problems: dict[str, str] = {}
    if not reason or len(reason) > MAX_REASON:
        problems["reason"] = Message("required, at most %(count)s characters", count=MAX_REASON)
    if not 1 <= minutes <= MAX_MINUTES:
        problems["minutes"] = Message("between 1 and %(count)s minutes", count=MAX_MINUTES)
    if problems:
        raise InvalidInput("the support session cannot start as asked", problems)
    if tenant.status is not TenantStatus.ACTIVE or tenant.maintenance:
        raise Conflict(
            "only an active regency that is not under maintenance can be entered",
            {"status": tenant.status.value},
        )
    expires_at = datetime.now(UTC) + timedelta(minutes=minutes)
    grant = SupportGrant(
        operator_id=operator.id, tenant_id=tenant.id, reason=reason, expires_at=expires_at
    )
    session.add(grant)
    session.flush()
    actor = f"operator:{operator.email}"
    detail = {
        "grant": grant.id,
        "operator": operator.email,
        "operator_name": operator.name,
        "reason": reason,
        "expires_at": expires_at.isoformat(),
    }
    audit.record_platform(
        session, actor=actor, action="support.start", tenant_id=tenant.id, **detail
    )
    schema, role = schema_name(tenant.slug), role_name(role_prefix, tenant.slug)
    with as_tenant(session.connection(), schema, role) as tenant_session:
        audit.record(
            tenant_session,
            actor=actor,
            action="support.start",
            entity=AUDIT_ENTITY,
            entity_id=grant.id,
            after=detail,
        )
    return grant


def get_grant(session: Session, tenant: Tenant, grant_id: int) -> SupportGrant:
    """The tenant's grant ``grant_id``; another tenant's grant does not exist here."""
    grant = session.scalar(
        select(SupportGrant).where(SupportGrant.id == grant_id, SupportGrant.tenant_id == tenant.id)
    )
    if grant is None:
        raise NotFound(
            Message("no support session %(grant_id)s for this regency", grant_id=grant_id)
        )
    return grant


def is_open(grant: SupportGrant, now: datetime | None = None) -> bool:
    return grant.ended_at is None and grant.expires_at > (now or datetime.now(UTC))


def end_support(
    session: Session, tenant: Tenant, grant: SupportGrant, *, actor: str, role_prefix: str
) -> bool:
    """End the session now, on both logs; False when it had already ended or expired."""
    if not is_open(grant):
        return False
    grant.ended_at = datetime.now(UTC)
    grant.handover_nonce = None
    session.flush()
    audit.record_platform(
        session, actor=actor, action="support.end", tenant_id=tenant.id, grant=grant.id
    )
    schema, role = schema_name(tenant.slug), role_name(role_prefix, tenant.slug)
    with as_tenant(session.connection(), schema, role) as tenant_session:
        audit.record(
            tenant_session,
            actor=actor,
            action="support.end",
            entity=AUDIT_ENTITY,
            entity_id=grant.id,
            after={"ended_at": grant.ended_at.isoformat()},
        )
    return True


def recent_grants(session: Session, tenant: Tenant, limit: int = 10) -> list[SupportGrant]:
    return list(
        session.scalars(
            select(SupportGrant)
            .where(SupportGrant.tenant_id == tenant.id)
            .order_by(SupportGrant.created_at.desc(), SupportGrant.id.desc())
            .limit(limit)
        )
    )


# --------------------------------------------------------------------------- hand-over


def issue_handover(session: Session, grant: SupportGrant, operator: Operator, secret: str) -> str:
    """A one-time token that lets the grant's operator into the tenant."""
    if grant.operator_id != operator.id:
        raise Conflict(
            "only the operator who started a support session can enter with it",
            {"grant": Message("another operator's")},
        )
    if not is_open(grant):
        raise Conflict("this support session has ended", {"grant": "ended"})
    grant.handover_nonce = secrets.token_urlsafe(24)
    session.flush()
    payload = {
        "g": grant.id,
        "t": grant.tenant_id,
        "o": operator.id,
        "n": grant.handover_nonce,
    }
    return URLSafeTimedSerializer(secret, salt=HANDOVER_SALT).dumps(payload)


def redeem_handover(
    session: Session, token: str, tenant_id: int, secret: str
) -> ActiveGrant | None:
    """The grant a hand-over token opens in tenant ``tenant_id``, once; else None.

    ``session`` is a platform session whose transaction the caller commits
    straight away: the token must be spent even if the page after it fails.
    """
    try:
        payload = URLSafeTimedSerializer(secret, salt=HANDOVER_SALT).loads(
            token, max_age=HANDOVER_SECONDS
        )
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(payload, dict) or payload.get("t") != tenant_id:
        return None
    try:
        grant_id, operator_id, nonce = int(payload["g"]), int(payload["o"]), str(payload["n"])
    except (KeyError, TypeError, ValueError):
        return None
    spent = session.execute(
        update(SupportGrant)
        .where(
            SupportGrant.id == grant_id,
            SupportGrant.tenant_id == tenant_id,
            SupportGrant.operator_id == operator_id,
            SupportGrant.handover_nonce == nonce,
            SupportGrant.ended_at.is_(None),
            SupportGrant.expires_at > func.now(),
        )
        .values(handover_nonce=None)
        .returning(SupportGrant.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    return None if spent is None else active_grant(session, tenant_id, grant_id, operator_id)


def active_grant(
    session: Session, tenant_id: int, grant_id: int, operator_id: int
) -> ActiveGrant | None:
    """The grant as the support principal sees it, if it is usable right now.

    Compared with the database's clock, like the redemption above, so every web
    replica agrees on when a grant expires.
    """
    row = session.execute(
        select(SupportGrant.expires_at, Operator.email, Operator.name)
        .join(Operator, Operator.id == SupportGrant.operator_id)
        .where(
            SupportGrant.id == grant_id,
            SupportGrant.tenant_id == tenant_id,
            SupportGrant.operator_id == operator_id,
            SupportGrant.ended_at.is_(None),
            SupportGrant.expires_at > func.now(),
            Operator.is_active.is_(True),
        )
    ).first()
    if row is None:
        return None
    expires_at, email, name = row
    return ActiveGrant(grant_id, tenant_id, operator_id, email, name, expires_at)
