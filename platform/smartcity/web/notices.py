"""Every regency user's own notices (see ``smartcity.notices``), and how they get them.

A user sees only their own: another user's notice id answers 404, as a notice
that does not exist does.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func
from werkzeug.wrappers import Response

from smartcity import notices
from smartcity.tenantcore.models import User
from smartcity.web.access import blueprint, signed_in


def _own_user() -> User:
    user = getattr(current_user, "user", None)
    if getattr(current_user, "is_support", False) or user is None:
        abort(403)  # an operator in a support session has no notices of their own
    return user  # type: ignore[no-any-return]


@blueprint.get("/notices")
@signed_in
def notice_list() -> str:
    user = _own_user()
    rows = notices.own_notices(g.db, user.id)
    return render_template(
        "tenant_web/notices.html",
        rows=[(n, *notices.text_of(n)) for n in rows],
        me=user,
        locales=notices.LOCALES,
    )


@blueprint.get("/notices/<id:notice_id>")
@signed_in
def notice_detail(notice_id: int) -> str:
    user = _own_user()
    notice = notices.own_notice(g.db, user.id, notice_id)
    if notice is None:
        abort(404)
    if notice.read_at is None:
        notice.read_at = func.now()
    subject, body = notices.text_of(notice)
    return render_template("tenant_web/notice.html", notice=notice, subject=subject, body=body)


@blueprint.post("/notices/preferences")
@signed_in
def notice_preferences() -> Response | tuple[str, int]:
    user = _own_user()
    # CSRFProtect has checked the token; an unknown language is refused (400).
    locale = request.form.get("locale") or None
    notices.set_preferences(user, locale=locale, muted=request.form.get("mail") != "on")
    flash(_("Your notice preferences are saved."), "success")
    return redirect(url_for(".notice_list"), 303)
