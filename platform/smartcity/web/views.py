"""The tenant's own pages: home, sign-in, and the regency admin's console.

Registered at the tenant root; on the platform host ``TenantPathMiddleware``
moves ``/t/<slug>`` into the script root, so every ``url_for`` here already
points into the right tenant. Views parse, authorize, call a service and render;
the request boundary in ``smartcity.app`` commits (status < 400) or rolls back.

The admin pages live in one module per subject, all on the ``tenant_web``
blueprint (see ``smartcity.web.access``); importing them here registers them.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select
from sqlalchemy.orm import defer
from werkzeug.wrappers import Response

from smartcity.access import public
from smartcity.auth.principal import TenantPrincipal
from smartcity.auth.sessions import end_sessions
from smartcity.auth.throttle import form_email, note_failed_sign_in, throttled_sign_in
from smartcity.state import platform_state
from smartcity.tenancy.resolver import current_tenant
from smartcity.tenantcore import users
from smartcity.tenantcore.models import AuditEntry, OrgUnit, RosterImport, Staff, User
from smartcity.web import account as _account
from smartcity.web import apps as _apps
from smartcity.web import audit as _audit
from smartcity.web import calendar as _calendar
from smartcity.web import jobs as _jobs  # noqa: F401 - registers the job pages
from smartcity.web import notices as _notices  # noqa: F401 - registers the notice pages
from smartcity.web import orgunits as _orgunits
from smartcity.web import roster as _roster
from smartcity.web import safe_next
from smartcity.web import settings as _settings
from smartcity.web import staff as _staff
from smartcity.web import unit_import as _unit_import
from smartcity.web import users as _users
from smartcity.web.access import (
    TENANT_MANAGE,
    USERS_MANAGE,
    blueprint,
    permitted,
    principal_for,
    signed_in,
)
from smartcity.web.forms import LoginForm

__all__ = ["blueprint"]
# Imported for their routes; named so the import is plainly deliberate.
ADMIN_PAGES = (
    _account,
    _apps,
    _audit,
    _calendar,
    _orgunits,
    _roster,
    _settings,
    _staff,
    _unit_import,
    _users,
)


@blueprint.get("/")
@signed_in
def home() -> str:
    tenant = current_tenant()
    registry = platform_state().registry
    apps = [manifest for manifest in registry if manifest.name in tenant.apps]
    return render_template("tenant_web/home.html", apps=apps)


@blueprint.route("/login", methods=["GET", "POST"])
@public
@throttled_sign_in(form_email)
def login() -> str | Response | tuple[str, int]:
    tenant = current_tenant()
    next_path = safe_next(request.args.get("next"))
    if isinstance(current_user, TenantPrincipal):
        return redirect(request.script_root + next_path if next_path else url_for(".home"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = users.authenticate(g.db, form.email.data, form.password.data)
        if user is not None:
            login_user(principal_for(user, tenant))
            return redirect(request.script_root + next_path if next_path else url_for(".home"))
        # One message whatever was wrong, so the form does not reveal which
        # addresses have accounts.
        failed = True
        note_failed_sign_in()
    return render_template("tenant_web/login.html", form=form, failed=failed)


@blueprint.post("/logout")
@public
def logout() -> Response:
    end_sessions(current_user)  # a copy of the cookie no longer signs anyone in
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for(".login"))


@blueprint.get("/admin/")
@permitted(TENANT_MANAGE, USERS_MANAGE)
def admin_home() -> str:
    """The admin's start page: how much there is of each thing, and what changed last."""

    def count(model: type[User | OrgUnit | Staff]) -> int:
        return int(g.db.scalar(select(func.count()).select_from(model).where(model.is_active)) or 0)

    last_import = g.db.scalar(
        select(RosterImport)
        .options(defer(RosterImport.content))
        .order_by(RosterImport.created_at.desc(), RosterImport.id.desc())
        .limit(1)
    )
    recent = list(
        g.db.scalars(
            select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(8)
        )
    )
    return render_template(
        "tenant_web/admin_home.html",
        counts={"users": count(User), "units": count(OrgUnit), "staff": count(Staff)},
        app_count=len(current_tenant().apps),
        last_import=last_import,
        recent=recent,
        words=_audit.vocabulary(),
    )
