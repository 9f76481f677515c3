"""The tenant's own pages: home, sign-in, and user management for its admins.

Registered at the tenant root; on the platform host ``TenantPathMiddleware``
moves ``/t/<slug>`` into the script root, so every ``url_for`` here already
points into the right tenant. Views parse, authorize, call a service and render;
the request boundary in ``smartcity.app`` commits (status < 400) or rolls back.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import or_, select
from werkzeug.wrappers import Response

from smartcity.auth.principal import TenantPrincipal
from smartcity.errors import ServiceError
from smartcity.extensions import limiter
from smartcity.state import platform_state
from smartcity.tenancy.cache import TenantInfo
from smartcity.tenancy.resolver import ENVIRON_KEY, current_tenant
from smartcity.tenantcore import users
from smartcity.tenantcore.models import User
from smartcity.web import (
    contains_pattern,
    current_path,
    form_status,
    install_template_globals,
    login_rate_limit,
    page_number,
    paginate,
    safe_next,
)
from smartcity.web.forms import (
    LoginForm,
    UserCreateForm,
    UserEditForm,
    attach_service_errors,
    role_choices,
)

P = ParamSpec("P")
R = TypeVar("R")
USERS_PER_PAGE = 25

blueprint = Blueprint("tenant_web", __name__)
blueprint.record_once(install_template_globals)


# --------------------------------------------------------------------------- access


def tenant_login_key() -> str:
    """Throttle sign-in per tenant and client address.

    Flask-Limiter checks before the request's tenant is resolved, so the
    tenant comes from the reference the WSGI middleware left in the environ.
    """
    ref = request.environ.get(ENVIRON_KEY) or ("", "")
    return f"tenant-login:{ref[0]}:{ref[1]}:{request.remote_addr or '-'}"


def signed_in(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Send an anonymous visitor to this tenant's sign-in page, and back afterwards."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if not isinstance(current_user, TenantPrincipal):
            return redirect(url_for("tenant_web.login", next=current_path()))
        return view(*args, **kwargs)

    return wrapper


def permitted(permission: str) -> Callable[[Callable[P, R]], Callable[P, R | Response]]:
    """Signed in and holding ``permission`` in this tenant, else 403."""

    def decorate(view: Callable[P, R]) -> Callable[P, R | Response]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | Response:
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        return signed_in(wrapper)

    return decorate


def principal_for(user: User, tenant: TenantInfo) -> TenantPrincipal:
    """Permissions count only the apps enabled for this tenant right now."""
    perms = platform_state().registry.permissions(user.roles, tenant.apps)
    return TenantPrincipal(user, tenant, perms)


# --------------------------------------------------------------------------- pages


@blueprint.get("/")
@signed_in
def home() -> str:
    tenant = current_tenant()
    registry = platform_state().registry
    apps = [manifest for manifest in registry if manifest.name in tenant.apps]
    return render_template("tenant_web/home.html", apps=apps)


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(login_rate_limit, methods=["POST"], key_func=tenant_login_key)
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
    return render_template("tenant_web/login.html", form=form, failed=failed)


@blueprint.post("/logout")
def logout() -> Response:
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for(".login"))


# --------------------------------------------------------------------------- users


@blueprint.get("/admin/users")
@permitted("users.manage")
def user_list() -> str:
    q = request.args.get("q", "").strip()[:100]
    query = select(User).order_by(User.name, User.id)
    if q:
        pattern = contains_pattern(q)
        query = query.where(or_(User.name.ilike(pattern), User.email.ilike(pattern)))
    page = paginate(g.db, query, page_number(), USERS_PER_PAGE)
    return render_template("tenant_web/users.html", page=page, q=q)


@blueprint.route("/admin/users/new", methods=["GET", "POST"])
@permitted("users.manage")
def user_new() -> Response | tuple[str, int]:
    tenant = current_tenant()
    registry = platform_state().registry
    form = UserCreateForm()
    form.roles.choices = role_choices(registry, tenant.apps)
    refused: ServiceError | None = None
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            user = users.create_user(
                g.db,
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                roles=form.roles.data or [],
                allowed_roles=registry.role_names(tenant.apps),
                actor=current_user.label,
            )
        except ServiceError as exc:
            refused, problems = exc, attach_service_errors(form, exc)
        else:
            flash(_("User %(email)s was created.", email=user.email), "success")
            return redirect(url_for(".user_list"), 303)
    page = render_template("tenant_web/user_form.html", form=form, error=refused, problems=problems)
    # A status >= 400 also makes the request boundary roll back whatever the
    # service flushed before refusing.
    return page, refused.status if refused else form_status()


@blueprint.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@permitted("users.manage")
def user_edit(user_id: int) -> Response | tuple[str, int]:
    tenant = current_tenant()
    registry = platform_state().registry
    user = users.get_user(g.db, user_id)  # NotFound -> 404 page: other tenants' ids do not exist
    allowed = registry.role_names(tenant.apps)
    # Roles of a disabled app are kept (re-enabling the app gives them back),
    # shown read-only, and not offered.
    dormant = sorted(set(user.roles) - set(allowed))
    form = UserEditForm(obj=None if request.method == "POST" else user)
    form.roles.choices = role_choices(registry, tenant.apps)
    if request.method == "GET":
        form.roles.data = [r for r in user.roles if r in allowed]
    is_self = user.id == current_user.user.id
    refused: ServiceError | None = None
    problems: list[str] = []
    if form.validate_on_submit():
        roles = [*(form.roles.data or []), *dormant]
        if is_self and (not form.is_active.data or "admin" not in roles):
            # Refused here, not in the service: only the web knows who is asking,
            # and losing the last way in would need an operator to repair.
            form.roles.errors = [_("You cannot remove your own administrator access.")]
        else:
            try:
                users.update_user(
                    g.db,
                    user,
                    actor=current_user.label,
                    allowed_roles=[*allowed, *dormant],
                    name=form.name.data,
                    roles=roles,
                    is_active=form.is_active.data,
                    password=form.new_password.data or None,
                )
            except ServiceError as exc:
                refused = exc
                problems = attach_service_errors(form, exc, {"password": "new_password"})
            else:
                if is_self:
                    # A new password bumps the credential version, which would end
                    # this session on the next request: sign in again with the new one.
                    login_user(principal_for(user, tenant))
                flash(_("User %(email)s was saved.", email=user.email), "success")
                return redirect(url_for(".user_list"), 303)
    page = render_template(
        "tenant_web/user_form.html",
        form=form,
        user=user,
        dormant=dormant,
        error=refused,
        problems=problems,
    )
    return page, refused.status if refused else form_status()
