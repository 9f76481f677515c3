from __future__ import annotations

from flask import Blueprint, Response, abort, g, jsonify
from pydantic import BaseModel, Field
from smartcity.toolkit import ApiSpec, access, capability, query_int, query_year, require_user
from sqlalchemy import select

from .models import Notice

POST = access.permission("noticeboard.post")


def web() -> Blueprint:
    bp = Blueprint("noticeboard", __name__)

    @bp.get("/")
    @access.signed_in
    def index() -> str:
        titles = g.db.scalars(select(Notice.title).order_by(Notice.id))
        return "<ul>" + "".join(f"<li>{t}</li>" for t in titles) + "</ul>"

    return bp


class NoticeIn(BaseModel):
    title: str = Field(max_length=200)


class NoticeOut(BaseModel):
    id: int
    title: str


class NoticeList(BaseModel):
    notices: list[NoticeOut]


def api() -> Blueprint:
    bp = Blueprint("noticeboard_api", __name__)
    spec = ApiSpec("Noticeboard API", bp, default_access=access.SIGNED_IN)

    @spec.route("GET", "/notices", "Every notice", response=NoticeList)
    def notices() -> Response:
        rows = g.db.scalars(select(Notice).order_by(Notice.id))
        return jsonify(notices=[{"id": n.id, "title": n.title} for n in rows])

    @spec.route(
        "POST",
        "/notices",
        "Post a notice",
        access=POST,
        body=NoticeIn,
        response=NoticeOut,
        status=201,
    )
    def post_notice(body: NoticeIn) -> tuple[Response, int]:
        require_user()
        notice = Notice(title=body.title)
        g.db.add(notice)
        g.db.flush()
        return jsonify(id=notice.id, title=notice.title), 201

    @spec.route("GET", "/budget", "e-Budgeting's figures, when it is enabled here")
    def budget() -> Response | tuple[Response, int]:
        """Reads e-Budgeting's figures through the core; says so when it is absent."""
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

    @spec.route("GET", "/indicators", "e-Budgeting's indicators, when it is enabled here")
    def indicators() -> Response | tuple[Response, int]:
        """Reads an OPD's performance indicators through the core, as SAKIP would."""
        year, unit = query_year(), query_int("org_unit_id")
        if year is None or unit is None:
            return jsonify(error={"code": "invalid", "message": "year, org_unit_id"}), 400
        provide = capability("noticeboard", "ebudgeting.indicators")
        if provide is None:
            return jsonify(available=False, indicators=[])
        rows = provide(year=year, org_unit_id=unit)
        return jsonify(
            available=True,
            indicators=[
                {
                    "id": r.id,
                    "kind": r.kind,
                    "code": r.code,
                    "indicator": r.indicator,
                    "target": str(r.target),
                    "unit": r.unit,
                }
                for r in rows
            ],
        )

    @spec.route("GET", "/notices/<id:notice_id>", "One notice", response=NoticeOut, errors=(404,))
    def get_notice(notice_id: int) -> Response:
        notice = g.db.get(Notice, notice_id)
        if notice is None:
            abort(404)
        return jsonify(id=notice.id, title=notice.title)

    return bp
