"""The tenant's side of support sessions: entering, ending, and the admins' record.

Served on the tenant's addresses (``/t/<slug>/support/...`` or its own host).
The operator arrives from the console with a hand-over token (see
``support.grants``) and gets this tenant's session cookie; the regency's admins
see every support session, past and active, on ``/admin/support``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from smartcity.access import public
from smartcity.db import db
from smartcity.state import platform_state
from smartcity.support import grants
from smartcity.support.principal import SUPPORT_ROLE, SupportPrincipal, principal_for
from smartcity.tenancy.lifecycle import get_tenant
from smartcity.tenancy.resolver import current_tenant
from smartcity.tenantcore.models import AuditEntry
from smartcity.web import install_template_globals
from smartcity.web.access import TENANT_MANAGE, USERS_MANAGE, permitted
from smartcity.web.forms import confirmed, flash_unconfirmed

SESSIONS_SHOWN = 50

blueprint = Blueprint("support_web", __name__)
blueprint.record_once(install_template_globals)


@blueprint.get("/support/enter")
@public
def enter() -> Response:
    """Redeem a hand-over token from the console and sign in as the support principal."""
    tenant = current_tenant()
    token = request.args.get("token", "")[:1000]
    secret = platform_state().settings.SECRET_KEY
    # Its own transaction, committed at once: the token is spent whatever follows.
    with db.platform_transaction() as session:
        grant = grants.redeem_handover(session, token, tenant.id, secret) if token else None
    if grant is None:
        abort(403, _("This support link is not valid: it has expired or was already used."))
    registry = platform_state().registry
    principal = principal_for(grant, tenant, registry.permissions([SUPPORT_ROLE], tenant.apps))
    logout_user()  # whoever was signed in here before, the session is now the operator's
    login_user(principal)  # every page now shows the support banner
    return redirect(url_for("tenant_web.home"), 303)


@blueprint.post("/support/end")
@public
def end() -> Response:
    """The operator ends their own support session from inside the tenant."""
    tenant = current_tenant()
    if not isinstance(current_user, SupportPrincipal):
        return redirect(url_for("tenant_web.home"), 303)
    if not confirmed():
        flash_unconfirmed()
        return redirect(url_for("tenant_web.home"), 303)
    with db.platform_transaction() as session:
        row = get_tenant(session, tenant.slug)
        grant = grants.get_grant(session, row, current_user.grant_id)
        grants.end_support(
            session,
            row,
            grant,
            actor=current_user.label,
            role_prefix=platform_state().settings.role_prefix,
        )
    logout_user()
    flash(_("The support session has ended."), "info")
    return redirect(url_for("tenant_web.login"), 303)


@dataclass(frozen=True)
class SupportSessionRecord:
    """One support session as the tenant's own audit log tells it."""

    grant_id: str
    operator: str
    operator_name: str
    reason: str
    started_at: datetime
    expires_at: datetime | None
    ended_at: datetime | None
    actions: int

    @property
    def is_active(self) -> bool:
        now = datetime.now(UTC)
        return self.ended_at is None and self.expires_at is not None and self.expires_at > now


@blueprint.get("/admin/support")
@permitted(TENANT_MANAGE, USERS_MANAGE)
def sessions() -> str:
    """Every support session of this regency, newest first, from its own audit log.

    The tenant's log is the record the regency owns (it travels with an export),
    so this page needs nothing from ``platform``.
    """
    records = support_sessions(g.db)
    return render_template("support/sessions.html", records=records)


def support_sessions(session: Any, limit: int = SESSIONS_SHOWN) -> list[SupportSessionRecord]:
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == grants.AUDIT_ENTITY)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit * 2)
    ).all()
    starts = [e for e in entries if e.action == "support.start"][:limit]
    ends = {e.entity_id: e for e in entries if e.action == "support.end"}
    records = []
    for start in starts:
        detail = start.after or {}
        ended = ends.get(start.entity_id)
        expires = _parse_time(detail.get("expires_at"))
        until = (ended.at if ended else None) or expires or datetime.now(UTC)
        actor = grants.actor_label(str(detail.get("operator", "")))
        actions = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.actor == actor,
                AuditEntry.at >= start.at,
                AuditEntry.at <= until,
            )
        )
        records.append(
            SupportSessionRecord(
                grant_id=start.entity_id or "",
                operator=str(detail.get("operator", "")),
                operator_name=str(detail.get("operator_name", "")),
                reason=str(detail.get("reason", "")),
                started_at=start.at,
                expires_at=expires,
                ended_at=ended.at if ended else None,
                actions=int(actions or 0),
            )
        )
    return records


def _parse_time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
