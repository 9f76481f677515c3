"""Every regency user's own account: forgotten password by e-mail, change of password.

A forgotten-password request answers the same whether or not the address has an
account (the page must not reveal who works where), and counts against the
sign-in throttle like a failed sign-in, so it cannot be used to flood a mailbox.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from smartcity import access
from smartcity.auth.throttle import form_email, note_failed_sign_in, throttled_sign_in
from smartcity.errors import InvalidInput, ServiceError
from smartcity.mail import send_after_commit
from smartcity.tenancy.resolver import current_tenant
from smartcity.tenantcore import users
from smartcity.tenantcore.models import User
from smartcity.tenantcore.password_links import issue_link_token, password_letter
from smartcity.web import form_status
from smartcity.web.access import blueprint, signed_in
from smartcity.web.forms import ChangePasswordForm, ForgotPasswordForm, attach_service_errors


@blueprint.route("/forgot-password", methods=["GET", "POST"])
@access.public  # a visitor who cannot sign in: the answer never says whether the address exists
@throttled_sign_in(form_email)
def forgot_password() -> str | tuple[str, int]:
    tenant = current_tenant()
    form = ForgotPasswordForm()
    sent = False
    if form.validate_on_submit():
        note_failed_sign_in()  # every request counts: a bound on the mail it can cause
        try:
            email = users.normalize_email(form.email.data)
        except InvalidInput:
            email = ""
        user = g.db.scalar(select(User).where(User.email == email, User.is_active.is_(True)))
        if user is not None:
            token = issue_link_token(g.db, tenant, user, purpose="reset", actor=user.email)
            link = url_for(".set_password_link", token=token, _external=True)
            send_after_commit(
                g.db,
                password_letter(
                    to=user.email, name=user.name, regency=tenant.name, link=link, purpose="reset"
                ),
            )
        sent = True
    page = render_template("tenant_web/forgot_password.html", form=form, sent=sent)
    # 200 when sent: the request boundary commits the link's audit entry, then mails it.
    return page, 200 if sent else form_status()


@blueprint.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password() -> Response | tuple[str, int]:
    if getattr(current_user, "is_support", False):
        abort(403)  # an operator in a support session changes nobody's password
    user = current_user.user
    form = ChangePasswordForm()
    refused: ServiceError | None = None
    if form.validate_on_submit():
        if users.authenticate(g.db, user.email, form.current.data) is None:
            form.current.errors = [_("This is not your current password.")]
        else:
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
                # Changing the password ends every session: sign in again with the new one.
                flash(_("Your password is changed. Sign in with the new one."), "success")
                return redirect(url_for(".login"), 303)
    page = render_template("tenant_web/change_password.html", form=form)
    if refused is not None:
        return page, refused.status
    return page, 422 if form.errors else 200
