"""The operator inside a tenant during a support session.

A :class:`SupportPrincipal` is a :class:`TenantPrincipal`, so every tenant page
and permission check treats it as the regency's administrator; its ``user`` is
a stand-in that is never saved (the operator has no account in the tenant), and
its ``label`` (the actor of every audit entry) is ``support:<operator email>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import g, request
from sqlalchemy.orm import Session

from smartcity.auth.principal import TenantPrincipal
from smartcity.db import db
from smartcity.state import platform_state
from smartcity.support.grants import ActiveGrant, active_grant, actor_label
from smartcity.tenancy.cache import TenantInfo
from smartcity.tenantcore import audit
from smartcity.tenantcore.models import User

#: The prefix of a support session's identity (``s:<tenant>:<grant>:<operator>``).
SUPPORT_PREFIX = "s"
#: The tenant role whose permissions a support session has.
SUPPORT_ROLE = "admin"


@dataclass(frozen=True)
class SupportPrincipal(TenantPrincipal):
    grant_id: int
    operator_id: int
    operator_email: str
    operator_name: str
    expires_at: datetime

    is_support = True

    @property
    def label(self) -> str:
        return actor_label(self.operator_email)

    def get_id(self) -> str:
        return support_identity(self.tenant.id, self.grant_id, self.operator_id)


def support_identity(tenant_id: int, grant_id: int, operator_id: int) -> str:
    return f"{SUPPORT_PREFIX}:{tenant_id}:{grant_id}:{operator_id}"


def parse_support_identity(identity: str) -> tuple[int, int, int] | None:
    """``s:<tenant>:<grant>:<operator>`` -> the three ids, else None."""
    parts = identity.split(":")
    if len(parts) != 4 or parts[0] != SUPPORT_PREFIX:
        return None
    try:
        return int(parts[1]), int(parts[2]), int(parts[3])
    except ValueError:
        return None


def load_support_principal(identity: str, tenant: TenantInfo) -> SupportPrincipal | None:
    """The support principal an identity names in this tenant, while its grant is open.

    The grant is checked in ``platform`` on every request of the session, so
    ending it or letting it expire takes effect at once. The request's own
    session runs under the tenant's role, which cannot read ``platform``; this
    short platform transaction can. Only support sessions pay for it.
    """
    ids = parse_support_identity(identity)
    if ids is None or ids[0] != tenant.id:
        return None
    session = db.session()
    try:
        grant = active_grant(session, *ids)
    finally:
        session.rollback()
        session.close()
    if grant is None:
        return None
    permissions = platform_state().registry.permissions([SUPPORT_ROLE], tenant.apps)
    principal = principal_for(grant, tenant, permissions)
    # Kept for record_support_request, even if the request signs the operator out.
    g.support_principal = principal
    return principal


def principal_for(
    grant: ActiveGrant, tenant: TenantInfo, permissions: frozenset[str]
) -> SupportPrincipal:
    # A transient user for the pages that show or compare ``current_user.user``;
    # it is never added to a session.
    stand_in = User(
        id=None,
        email=actor_label(grant.operator_email),
        name=grant.operator_name,
        password_hash="",
        roles=[SUPPORT_ROLE],
        is_active=True,
        credential_version=0,
    )
    return SupportPrincipal(
        user=stand_in,
        tenant=tenant,
        permissions=permissions,
        grant_id=grant.grant_id,
        operator_id=grant.operator_id,
        operator_email=grant.operator_email,
        operator_name=grant.operator_name,
        expires_at=grant.expires_at,
    )


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def record_support_request(session: Session) -> None:
    """Audit every change a support session makes, in the tenant's log.

    Services already audit their own changes with the support principal as
    actor; this entry also covers what no service audits, with the address,
    so the regency sees each thing the operator did.
    """
    principal = g.get("support_principal")
    if not isinstance(principal, SupportPrincipal) or request.method in SAFE_METHODS:
        return
    audit.record(
        session,
        actor=principal.label,
        action="support.request",
        entity="request",
        entity_id=principal.grant_id,
        after={"method": request.method, "path": request.script_root + request.path},
    )
