from __future__ import annotations

from flask import Blueprint, Response, abort, g, jsonify, request
from flask_login import current_user
from smartcity.api.auth import require_user
from sqlalchemy import select

from .models import Notice


def web() -> Blueprint:
    bp = Blueprint("noticeboard", __name__)

    @bp.get("/")
    def index() -> str:
        if not current_user.is_authenticated:
            abort(401)
        titles = g.db.scalars(select(Notice.title).order_by(Notice.id))
        return "<ul>" + "".join(f"<li>{t}</li>" for t in titles) + "</ul>"

    return bp


def api() -> Blueprint:
    bp = Blueprint("noticeboard_api", __name__)

    @bp.get("/notices")
    def notices() -> Response:
        require_user()
        rows = g.db.scalars(select(Notice).order_by(Notice.id))
        return jsonify(notices=[{"id": n.id, "title": n.title} for n in rows])

    @bp.post("/notices")
    def post_notice() -> tuple[Response, int]:
        require_user("noticeboard.post")
        notice = Notice(title=str((request.get_json(silent=True) or {}).get("title", "")))
        g.db.add(notice)
        g.db.flush()
        return jsonify(id=notice.id, title=notice.title), 201

    @bp.get("/notices/<id:notice_id>")
    def get_notice(notice_id: int) -> Response:
        require_user()
        notice = g.db.get(Notice, notice_id)
        if notice is None:
            abort(404)
        return jsonify(id=notice.id, title=notice.title)

    return bp
