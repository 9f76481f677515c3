from __future__ import annotations

from flask import Blueprint, Response, abort, g, jsonify, request
from flask_login import current_user
from smartcity.toolkit import capability, query_int, query_year, require_user
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

    @bp.get("/budget")
    def budget() -> Response | tuple[Response, int]:
        """Reads e-Budgeting's figures through the core; says so when it is absent."""
        require_user()
        year, unit = query_year(), query_int("org_unit_id")
        if year is None or unit is None:
            return jsonify(error={"code": "invalid", "message": "year, org_unit_id"}), 400
        sub_activities = capability("noticeboard", "ebudgeting.sub_activities")
        if sub_activities is None:
            return jsonify(available=False, sub_activities=[])
        rows = sub_activities(year=year, org_unit_id=unit)
        return jsonify(
            available=True,
            sub_activities=[
                {"code": r.code, "budget": str(r.budget), "realization": str(r.realization)}
                for r in rows
            ],
        )

    @bp.get("/notices/<id:notice_id>")
    def get_notice(notice_id: int) -> Response:
        require_user()
        notice = g.db.get(Notice, notice_id)
        if notice is None:
            abort(404)
        return jsonify(id=notice.id, title=notice.title)

    return bp
