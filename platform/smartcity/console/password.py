"""Operators' passwords: forgotten (a link by e-mail) and changed.

A reset link is an itsdangerous token salted with the operator's
``credential_version``, like the regencies' set-password links: setting a
password bumps the version, so the link works once, and expires after a day.
The link is exchanged for the session on first use, so the token leaves the
address bar and the logs (as on the regency side).
"""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, session, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.wrappers import Response

from smartcity import access
from smartcity.auth.models import Operator
from smartcity.auth.throttle import form_email, note_failed_sign_in, throttled_sign_in
from smartcity.console.blueprint import blueprint, operator_only, signed_in_operator
from smartcity.errors import InvalidInput, ServiceError
from smartcity.mail import Letter, send_after_commit, site_url
from smartcity.operators import authenticate_operator, change_operator_password
from smartcity.tenantcore.audit import record_platform
from smartcity.tenantcore.users import normalize_email
from smartcity.web import form_status
from smartcity.web.forms import ChangePasswordForm, ForgotPasswordForm, SetPasswordForm

RESET_MAX_AGE = 24 * 3600
_RESET_KEY = "operator_reset_token"


def _serializer(operator_id: int, version: int) -> URLSafeTimedSerializer:
    salt = f"smartcity.operator-reset:{operator_id}:{version}"
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _operator_for(token: str) -> Operator | None:
    _valid, payload = URLSafeTimedSerializer("-").loads_unsafe(token)
    if type(payload) is not int:
        return None
    operator: Operator | None = g.db.get(Operator, payload)
    if operator is None or not operator.is_active:
        return None
    try:
        _serializer(operator.id, operator.credential_version).loads(token, max_age=RESET_MAX_AGE)
    except BadSignature:
        return None
    return operator


@blueprint.route("/forgot-password", methods=["GET", "POST"])
@access.public  # a visitor who cannot sign in: the answer never says whether the address exists
@throttled_sign_in(form_email)
def forgot_password() -> tuple[str, int]:
    form = ForgotPasswordForm()
    sent = False
    if form.validate_on_submit():
        note_failed_sign_in()  # every request counts: a bound on the mail it can cause
        try:
            email = normalize_email(form.email.data)
        except InvalidInput:
            email = ""
        operator = g.db.scalar(
            select(Operator).where(Operator.email == email, Operator.is_active.is_(True))
        )
        if operator is not None:
            token = _serializer(operator.id, operator.credential_version).dumps(operator.id)
            record_platform(
                g.db, actor=email, action="operator.password_link", tenant_id=None, email=email
            )
            link = f"{site_url()}{url_for('.reset_password_link', token=token)}"
            send_after_commit(g.db, _reset_letter(operator, link))
        sent = True
    page = render_template("console/forgot_password.html", form=form, sent=sent)
    return page, 200 if sent else form_status()


def _reset_letter(operator: Operator, link: str) -> Letter:
    body = (
        f"Yth. {operator.name},\n\nAda permintaan mengatur ulang kata sandi konsol operator."
        f"\nPilih kata sandi baru melalui tautan ini (berlaku 24 jam, sekali pakai):\n\n{link}\n\n"
        "Jika bukan Anda yang meminta, abaikan surel ini.\n\n---\n\n"
        f"Dear {operator.name},\n\nA reset of your operator console password was asked for."
        f"\nChoose a new password with this link (valid 24 hours, once):\n\n{link}\n\n"
        "If you did not ask for it, ignore this e-mail.\n"
    )
    return Letter(
        to=operator.email,
        subject="Atur ulang kata sandi konsol / Reset your console password",
        body=body,
    )


@blueprint.get("/reset-password/<token>")
@access.public  # the link's token is the credential
def reset_password_link(token: str) -> Response | tuple[str, int]:
    if _operator_for(token) is None:
        return render_template("console/reset_invalid.html"), 410
    session[_RESET_KEY] = token
    return redirect(url_for(".reset_password"), 303)


@blueprint.route("/reset-password", methods=["GET", "POST"])
@access.public  # the token exchanged into the session is the credential
def reset_password() -> Response | tuple[str, int]:
    token = session.get(_RESET_KEY)
    operator = _operator_for(token) if isinstance(token, str) else None
    if operator is None:
        session.pop(_RESET_KEY, None)
        return render_template("console/reset_invalid.html"), 410
    form = SetPasswordForm()
    refused: ServiceError | None = None
    if form.validate_on_submit():
        try:
            change_operator_password(g.db, operator, form.password.data, actor=operator.email)
        except ServiceError as exc:
            refused = exc
            form.password.errors = [str(exc.fields.get("password", exc.message))]
        else:
            session.pop(_RESET_KEY, None)
            flash(_("Your password is set. Sign in with it."), "success")
            return redirect(url_for(".login"), 303)
    page = render_template("console/reset_password.html", form=form, operator=operator)
    return page, refused.status if refused else form_status()


@blueprint.route("/account/password", methods=["GET", "POST"])
@operator_only
def change_password() -> Response | tuple[str, int]:
    operator = signed_in_operator().operator
    form = ChangePasswordForm()
    refused: ServiceError | None = None
    if form.validate_on_submit():
        if authenticate_operator(g.db, operator.email, form.current.data) is None:
            form.current.errors = [_("This is not your current password.")]
        else:
            try:
                change_operator_password(g.db, operator, form.password.data, actor=operator.email)
            except ServiceError as exc:
                refused = exc
                form.password.errors = [str(exc.fields.get("password", exc.message))]
            else:
                flash(_("Your password is changed. Sign in with the new one."), "success")
                return redirect(url_for(".login"), 303)
    page = render_template("tenant_web/change_password.html", form=form)
    if refused is not None:
        return page, refused.status
    return page, 422 if form.errors else 200
