"""User accounts of the regency: list, invite, roles, deactivation, password links.

Admins never choose or see a user's password. Inviting creates the account
with a random password nobody knows and shows the admin a one-time link
(``smartcity.tenantcore.password_links``) where the user picks their own; a reset
shows a fresh link the same way. The link is shown once: it travels from the
POST to the next page in the session, not in a URL the browser history keeps.
"""

from __future__ import annotations

import secrets

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import or_, select
from werkzeug.wrappers import Response

from smartcity.access import public
from smartcity.errors import ServiceError
from smartcity.mail import send_after_commit
from smartcity.state import platform_state
from smartcity.tenancy.resolver import current_tenant
from smartcity.tenantcore import users
from smartcity.tenantcore.models import User
from smartcity.tenantcore.password_links import (
    MAX_AGE,
    issue_link_token,
    password_letter,
    user_for_token,
)
from smartcity.web import (
    contains_pattern,
    form_status,
    page_number,
    paginate,
    sort_order,
)
from smartcity.web.access import USERS_MANAGE, actor, blueprint, permitted, principal_for
from smartcity.web.forms import (
    SetPasswordForm,
    UserEditForm,
    UserInviteForm,
    attach_service_errors,
    role_choices,
    role_details,
)

USERS_PER_PAGE = 25
LINK_KEY = "password_link"
#: The set-password token this browser exchanged its link for.
SET_PASSWORD_KEY = "set_password_token"  # noqa: S105 - a session key, not a secret
SORTS = {
    "name": (User.name, User.id),
    "email": (User.email,),
    "last_login": (User.last_login_at.nulls_first(), User.id),
}


@blueprint.get("/admin/users")
@permitted(USERS_MANAGE)
def user_list() -> str:
    q = request.args.get("q", "").strip()[:100]
    status = request.args.get("status", "")
    role = request.args.get("role", "")
    order = sort_order(SORTS, "name")
    columns = SORTS[order.key]
    query = select(User).order_by(*(c.desc() if order.descending else c for c in columns))
    if q:
        pattern = contains_pattern(q)
        query = query.where(or_(User.name.ilike(pattern), User.email.ilike(pattern)))
    if status in ("active", "inactive"):
        query = query.where(User.is_active.is_(status == "active"))
    roles = platform_state().registry.role_names(current_tenant().apps)
    if role in roles:
        query = query.where(User.roles.contains([role]))
    page = paginate(g.db, query, page_number(), USERS_PER_PAGE)
    return render_template(
        "tenant_web/users.html",
        page=page,
        q=q,
        status=status,
        role=role,
        roles=roles,
        role_info=role_details(platform_state().registry),
        sort=order,
    )


@blueprint.route("/admin/users/new", methods=["GET", "POST"])
@permitted(USERS_MANAGE)
def user_new() -> Response | tuple[str, int]:
    tenant = current_tenant()
    registry = platform_state().registry
    form = UserInviteForm()
    form.roles.choices = role_choices(registry, tenant.apps)
    if request.method == "GET":
        form.roles.data = ["member"]
    refused: ServiceError | None = None
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            user = users.create_user(
                g.db,
                email=form.email.data,
                name=form.name.data,
                # Nobody knows it, and it satisfies the password rules: the user
                # can sign in only after choosing their own through the link.
                password=secrets.token_urlsafe(32),
                roles=form.roles.data or [],
                allowed_roles=registry.role_names(tenant.apps),
                actor=actor(),
                role_conflicts=registry.role_conflicts(tenant.apps),
            )
            token = issue_link_token(g.db, tenant, user, purpose="invite", actor=actor())
        except ServiceError as exc:
            refused, problems = exc, attach_service_errors(form, exc)
        else:
            _hand_over(user, token, "invite")
            flash(_("User %(email)s was invited.", email=user.email), "success")
            return redirect(url_for(".user_link", user_id=user.id), 303)
    page = render_template(
        "tenant_web/user_form.html",
        form=form,
        role_info=role_details(registry),
        error=refused,
        problems=problems,
    )
    # A status >= 400 also makes the request boundary roll back whatever the
    # service flushed before refusing.
    return page, refused.status if refused else form_status()


@blueprint.route("/admin/users/<id:user_id>", methods=["GET", "POST"])
@permitted(USERS_MANAGE)
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
        if is_self and "admin" not in roles:
            # Refused here, not in the service: only the web knows who is asking,
            # and losing the last way in would need an operator to repair.
            form.roles.errors = [_("You cannot remove your own administrator access.")]
        else:
            try:
                users.update_user(
                    g.db,
                    user,
                    actor=actor(),
                    allowed_roles=[*allowed, *dormant],
                    name=form.name.data,
                    roles=roles,
                    role_conflicts=registry.role_conflicts(tenant.apps),
                )
            except ServiceError as exc:
                refused, problems = exc, attach_service_errors(form, exc)
            else:
                flash(_("User %(email)s was saved.", email=user.email), "success")
                return redirect(url_for(".user_edit", user_id=user.id), 303)
    page = render_template(
        "tenant_web/user_form.html",
        form=form,
        user=user,
        dormant=dormant,
        role_info=role_details(registry),
        is_self=is_self,
        error=refused,
        problems=problems,
    )
    return page, refused.status if refused else form_status()


@blueprint.post("/admin/users/<id:user_id>/active")
@permitted(USERS_MANAGE)
def user_set_active(user_id: int) -> Response:
    """Deactivate (signs the user out everywhere) or reactivate an account."""
    user = users.get_user(g.db, user_id)
    active = request.form.get("active") == "1"
    if user.id == current_user.user.id and not active:
        flash(_("You cannot deactivate your own account."), "danger")
        return redirect(url_for(".user_edit", user_id=user.id), 303)
    users.update_user(g.db, user, actor=actor(), allowed_roles=user.roles, is_active=active)
    if active:
        flash(_("%(email)s can sign in again.", email=user.email), "success")
    else:
        flash(
            _("%(email)s is deactivated and signed out; their records stay.", email=user.email),
            "success",
        )
    return redirect(url_for(".user_edit", user_id=user.id), 303)


@blueprint.post("/admin/users/<id:user_id>/password-link")
@permitted(USERS_MANAGE)
def user_reset_password(user_id: int) -> Response:
    """A new link for the user to choose a password; the current one works until then."""
    user = users.get_user(g.db, user_id)
    if not user.is_active:
        flash(_("Reactivate the account before resetting its password."), "warning")
        return redirect(url_for(".user_edit", user_id=user.id), 303)
    token = issue_link_token(g.db, current_tenant(), user, purpose="reset", actor=actor())
    _hand_over(user, token, "reset")
    return redirect(url_for(".user_link", user_id=user.id), 303)


@blueprint.get("/admin/users/<id:user_id>/password-link")
@permitted(USERS_MANAGE)
def user_link(user_id: int) -> str:
    """Shows a link made by the previous POST, once; a reload shows it no more."""
    user = users.get_user(g.db, user_id)
    handed = session.get(LINK_KEY)
    link = purpose = None
    if isinstance(handed, dict) and handed.get("user_id") == user.id:
        session.pop(LINK_KEY)
        link = url_for(".set_password_link", token=handed["token"], _external=True)
        purpose = handed.get("purpose")
    return render_template(
        "tenant_web/user_link.html",
        user=user,
        link=link,
        purpose=purpose,
        valid_days=MAX_AGE // 86400,
    )


def _hand_over(user: User, token: str, purpose: str) -> None:
    """E-mail the link (after the commit) and show it once to the admin as well."""
    session[LINK_KEY] = {"user_id": user.id, "token": token, "purpose": purpose}
    link = url_for(".set_password_link", token=token, _external=True)
    send_after_commit(
        g.db,
        password_letter(
            to=user.email, name=user.name, regency=current_tenant().name, link=link, purpose=purpose
        ),
    )


# --------------------------------------------------------------------------- the invitee


@blueprint.get("/set-password/<token>")
@public
def set_password_link(token: str) -> Response | tuple[str, int]:
    """Exchange the link for this browser's session, then show a URL without the token.

    The token would otherwise stay in the address bar, the history, every log
    line and the Referer of each request the page makes; after the exchange it
    lives only in this browser's signed session cookie.
    """
    if user_for_token(g.db, current_tenant(), token) is None:
        # Used, superseded, expired or forged: all the same to the visitor.
        return render_template("tenant_web/set_password_invalid.html"), 410
    session[SET_PASSWORD_KEY] = token
    return redirect(url_for(".set_password"), 303)


@blueprint.route("/set-password", methods=["GET", "POST"])
@public
def set_password() -> Response | tuple[str, int]:
    """Where an invited (or reset) user chooses a password; no sign-in needed."""
    tenant = current_tenant()
    token = session.get(SET_PASSWORD_KEY)
    user = user_for_token(g.db, tenant, token) if isinstance(token, str) else None
    if user is None:
        session.pop(SET_PASSWORD_KEY, None)
        return render_template("tenant_web/set_password_invalid.html"), 410
    form = SetPasswordForm()
    refused: ServiceError | None = None
    if form.validate_on_submit():
        try:
            users.update_user(
                g.db,
                user,
                actor=user.email,
                allowed_roles=user.roles,
                password=form.password.data,
            )
        except ServiceError as exc:
            refused = exc
            attach_service_errors(form, exc)
        else:
            session.pop(SET_PASSWORD_KEY, None)
            login_user(principal_for(user, tenant))
            flash(_("Your password is set."), "success")
            return redirect(url_for(".home"), 303)
    page = render_template(
        "tenant_web/set_password.html",
        form=form,
        user=user,
        lang_page=url_for(".set_password"),
    )
    return page, refused.status if refused else form_status()
