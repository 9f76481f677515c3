"""Operator sign-in (password, then the TOTP code once enrolled) and two-factor enrolment.

With a second factor, a correct password does not sign in: it leaves a
"pending" note in the console's session cookie (operator id, credential version,
time) and asks for the code on a second page. The note lasts five minutes. Wrong
codes are counted on the server per operator (``smartcity.auth.throttle``): a
count kept in the cookie was reset by replaying an older cookie. Codes are also
throttled per address with the same limit as passwords.
"""

from __future__ import annotations

import time

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from smartcity.access import public
from smartcity.auth import totp
from smartcity.auth.models import Operator
from smartcity.auth.principal import OperatorPrincipal
from smartcity.auth.sessions import end_sessions
from smartcity.auth.throttle import (
    TOTP_LOCK_MINUTES,
    clear_wrong_codes,
    count_wrong_code,
    form_email,
    note_failed_sign_in,
    second_factor_locked,
    throttled_sign_in,
)
from smartcity.console.blueprint import blueprint, operator_only, signed_in_operator
from smartcity.console.forms import CodeForm, OperatorLoginForm
from smartcity.errors import Conflict, ServiceError
from smartcity.operators import (
    authenticate_operator,
    check_second_factor,
    confirm_totp,
    disable_totp,
    record_sign_in,
    requires_second_factor,
    start_totp_enrolment,
)
from smartcity.web import form_status, safe_next
from smartcity.web.forms import attach_service_errors

PENDING_KEY = "console_2fa_pending"
PENDING_SECONDS = 300


def _after_sign_in(next_path: str | None) -> Response:
    return redirect(request.script_root + next_path if next_path else url_for(".tenant_list"))


@blueprint.route("/login", methods=["GET", "POST"])
@public
@throttled_sign_in(form_email)
def login() -> str | Response:
    next_path = safe_next(request.args.get("next"))
    if isinstance(current_user, OperatorPrincipal):
        return _after_sign_in(next_path)
    form = OperatorLoginForm()
    failed = False
    if form.validate_on_submit():
        operator = authenticate_operator(g.db, form.email.data, form.password.data)
        if operator is not None and requires_second_factor(operator):
            session[PENDING_KEY] = {
                "id": operator.id,
                "v": operator.credential_version,
                "at": int(time.time()),
                "next": next_path,
            }
            return redirect(url_for(".login_code"), 303)
        if operator is not None:
            record_sign_in(operator)
            login_user(OperatorPrincipal(operator))
            return _after_sign_in(next_path)
        failed = True
        note_failed_sign_in()
    return render_template("console/login.html", form=form, failed=failed)


def _pending_operator() -> tuple[Operator, dict[str, object]] | None:
    """The operator whose password was accepted and whose code is awaited, if any."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    try:
        fresh = time.time() - int(pending["at"]) < PENDING_SECONDS
        operator = g.db.get(Operator, int(pending["id"])) if fresh else None
    except (KeyError, TypeError, ValueError):
        operator = None
    if (
        operator is None
        or not operator.is_active
        or operator.credential_version != pending.get("v")
        or not requires_second_factor(operator)
    ):
        session.pop(PENDING_KEY, None)
        return None
    return operator, pending


def _pending_account() -> str:
    """The code page throttles per operator awaiting a code (the cookie names them)."""
    pending = session.get(PENDING_KEY)
    return f"operator-{pending.get('id')}" if isinstance(pending, dict) else "-"


@blueprint.route("/login/code", methods=["GET", "POST"])
@public
@throttled_sign_in(_pending_account)
def login_code() -> str | Response | tuple[str, int]:
    found = _pending_operator()
    if found is None:
        flash(_("Please sign in again."), "warning")
        return redirect(url_for(".login"), 303)
    operator, pending = found
    form = CodeForm()
    failed = locked = False
    if form.validate_on_submit():
        if second_factor_locked(operator.id):
            locked = True
        elif check_second_factor(g.db, operator, form.code.data):
            clear_wrong_codes(operator.id)
            session.pop(PENDING_KEY, None)
            record_sign_in(operator)
            login_user(OperatorPrincipal(operator))
            next_path = pending.get("next")
            return _after_sign_in(next_path if isinstance(next_path, str) else None)
        else:
            count_wrong_code(operator.id)
            note_failed_sign_in()
            failed = True
    page = render_template(
        "console/login_code.html",
        form=form,
        failed=failed,
        locked=locked,
        lock_minutes=TOTP_LOCK_MINUTES,
    )
    return page, 429 if locked else form_status()


@blueprint.post("/logout")
@public
def logout() -> Response:
    end_sessions(current_user)  # a copy of the cookie no longer signs anyone in
    logout_user()
    session.pop(PENDING_KEY, None)
    flash(_("You have signed out."), "info")
    return redirect(url_for(".login"))


# --------------------------------------------------------------------------- 2FA


@blueprint.get("/account/security")
@operator_only
def security() -> str:
    return _security_page(CodeForm())[0]


def _security_page(form: CodeForm, *, status: int = 200) -> tuple[str, int]:
    operator = signed_in_operator().operator
    enrolling = operator.totp_secret is not None and not requires_second_factor(operator)
    uri = (
        totp.provisioning_uri(operator.totp_secret, operator.email)
        if enrolling and operator.totp_secret
        else None
    )
    page = render_template(
        "console/security.html",
        operator=operator,
        enabled=requires_second_factor(operator),
        enrolling=enrolling,
        secret=operator.totp_secret if enrolling else None,
        uri=uri,
        # segno writes the SVG itself from the URI: no user input reaches it unescaped.
        qr=Markup(totp.qr_svg(uri)) if uri else None,  # noqa: S704
        form=form,
        lang_page=url_for(".security"),
    )
    return page, status


@blueprint.post("/account/security/start")
@operator_only
def security_start() -> Response:
    try:
        start_totp_enrolment(g.db, signed_in_operator().operator)
    except Conflict:
        flash(_("Two-factor sign-in is already on."), "info")
    return redirect(url_for(".security"), 303)


@blueprint.post("/account/security/confirm")
@operator_only
def security_confirm() -> Response | tuple[str, int]:
    principal = signed_in_operator()
    form = CodeForm()
    if not form.validate_on_submit():
        return _security_page(form, status=422)
    try:
        confirm_totp(g.db, principal.operator, form.code.data, actor=principal.label)
    except ServiceError as exc:
        attach_service_errors(form, exc)
        return _security_page(form, status=exc.status)
    # The credential version moved on: sign in again under the new one.
    login_user(OperatorPrincipal(principal.operator))
    flash(_("Two-factor sign-in is on: every sign-in now asks for a code."), "success")
    return redirect(url_for(".security"), 303)


@blueprint.post("/account/security/disable")
@operator_only
def security_disable() -> Response | tuple[str, int]:
    principal = signed_in_operator()
    form = CodeForm()
    if not form.validate_on_submit():
        return _security_page(form, status=422)
    try:
        disable_totp(g.db, principal.operator, form.code.data, actor=principal.label)
    except ServiceError as exc:
        attach_service_errors(form, exc)
        return _security_page(form, status=exc.status)
    flash(_("Two-factor sign-in is off."), "warning")
    return redirect(url_for(".security"), 303)
