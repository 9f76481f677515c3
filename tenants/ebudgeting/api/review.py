"""TAPD review: steps on one plan or a whole OPD, the history and the notes."""

from __future__ import annotations

from flask import Response, g, jsonify

from tenants.ebudgeting import (
    planning,
    review,
    years,
)
from tenants.ebudgeting.api.common import (
    caller,
    detail_of,
    event_out,
    json_response,
    spec,
    sub_out,
)
from tenants.ebudgeting.schemas import (
    NoteList,
    NoteOut,
    OpdReviewIn,
    ReviewIn,
    ReviewResult,
    SubActivityDetail,
)

# --------------------------------------------------------------------------- review


@spec.route(
    "POST",
    "/sub-activities/<id:sub_activity_id>/review",
    "Submit (OPD head), return with notes (TAPD), lock or reopen (TAPD chair)",
    body=ReviewIn,
    response=SubActivityDetail,
    errors=(403, 404, 409),
)
def review_sub_activity(body: ReviewIn, sub_activity_id: int) -> tuple[Response, int]:
    actor = caller()
    sub = review.transition(g.db, sub_activity_id, body.action, note=body.note, actor=actor)
    return json_response(detail_of(sub, actor))


@spec.route(
    "POST",
    "/years/<year:year>/opds/<id:org_unit_id>/review",
    "Submit or lock every sub-activity of an OPD",
    body=OpdReviewIn,
    response=ReviewResult,
    errors=(403, 404, 409),
)
def review_opd(body: OpdReviewIn, year: int, org_unit_id: int) -> tuple[Response, int]:
    actor = caller()
    fiscal_year = years.get_year(g.db, year)
    subs = review.transition_opd(
        g.db, fiscal_year, org_unit_id, body.action, note=body.note, actor=actor
    )
    return json_response(
        ReviewResult.model_validate({"sub_activities": [sub_out(s, year=year) for s in subs]})
    )


@spec.route(
    "GET",
    "/sub-activities/<id:sub_activity_id>/reviews",
    "The review history, newest first",
    errors=(404,),
)
def list_reviews(sub_activity_id: int) -> Response:
    sub = planning.get_sub_activity(g.db, sub_activity_id, caller())
    return jsonify(
        reviews=[event_out(e).model_dump(mode="json") for e in review.history(g.db, sub)]
    )


@spec.route(
    "GET",
    "/years/<year:year>/notes",
    "TAPD's notes on plans returned to the caller's OPDs",
    response=NoteList,
    errors=(404,),
)
def list_notes(year: int) -> tuple[Response, int]:
    actor = caller()
    fiscal_year = years.get_year(g.db, year)
    notes = review.open_notes(g.db, fiscal_year, actor)
    return json_response(
        NoteList(
            notes=[
                NoteOut(
                    sub_activity_id=sub.id,
                    sub_kegiatan_code=sub.sub_kegiatan_code,
                    org_unit_id=sub.org_unit_id,
                    note=event.note,
                    actor=event.actor,
                    at=event.at,
                )
                for sub, event in notes
            ]
        )
    )
