"""The board as anyone sees it, signed in or not: the notices, and a form to suggest one.

A suggestion is not published: it waits in the regency's audit log for an
editor. The form carries the CSRF token and the core's spam-guard fields, and
the view checks both before writing anything.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    g,
    jsonify,
    redirect,
    render_template_string,
    request,
    url_for,
)
from smartcity.toolkit import ApiSpec, access, check_spam, record_audit, translations
from sqlalchemy import select

from .models import Notice

_ = translations("noticeboard").gettext

PAGE = """<h1>{{ heading }}</h1>
<ul>{% for title in titles %}<li>{{ title }}</li>{% endfor %}</ul>
{% if thanks %}<p class="thanks">{{ thanks }}</p>{% endif %}
<form method="post" action="{{ url_for('noticeboard_public.suggest') }}">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  {{ spam_fields() }}
  <input name="title" maxlength="200" required>
  <button type="submit">{{ send }}</button>
</form>"""


def pages() -> Blueprint:
    bp = Blueprint("noticeboard_public", __name__)

    @bp.get("/")
    def board() -> str:
        titles = g.db.scalars(select(Notice.title).order_by(Notice.id))
        return render_template_string(
            PAGE,
            heading=_("Public notices"),
            send=_("Suggest a notice"),
            thanks=_("Thank you: an editor will read your suggestion.")
            if request.args.get("sent")
            else "",
            titles=list(titles),
        )

    @bp.post("/suggestions")
    def suggest() -> Response:
        check_spam()
        title = request.form.get("title", "").strip()
        if not 0 < len(title) <= 200:
            return Response(_("A notice needs a title of at most 200 letters."), 422)
        record_audit(
            g.db,
            actor="public",
            action="noticeboard.suggest",
            entity="notice",
            after={"title": title},
        )
        return redirect(url_for("noticeboard_public.board", sent=1))

    return bp


def api() -> Blueprint:
    """Listed in the regency's one OpenAPI document, under ``/public/noticeboard``."""
    bp = Blueprint("noticeboard_public_api", __name__)
    spec = ApiSpec("Noticeboard public API", bp, default_access=access.PUBLIC)

    @spec.route("GET", "/notices", "The board's notices, for anyone")
    def notices() -> Response:
        titles = g.db.scalars(select(Notice.title).order_by(Notice.id))
        return jsonify(notices=list(titles))

    return bp
