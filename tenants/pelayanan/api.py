"""``<tenant>/api/v1/pelayanan``: the coordinator's and the OPDs' work as JSON.

Every operation is declared once with ``ApiSpec``. Views build the
:class:`~.access.Actor` and call a service; the request boundary commits. An
OPD user reaches only the dispatches to their OPDs: another OPD's complaint or
dispatch answers 404, as if it did not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from pydantic import BaseModel, Field
from smartcity.toolkit import ApiSpec, DbId, access, require_user
from sqlalchemy import select

from . import complaints, config, duplicates, public, standards
from .access import COORDINATE, ESCALATIONS, SETTINGS, VIEW, Actor, actor_for
from .models import Attachment, Complaint, Dispatch, Event, Service

blueprint = Blueprint("pelayanan_api", __name__)
spec = ApiSpec("Public services API", blueprint, default_access=access.permission(VIEW))
PAGE = 100


def api() -> Blueprint:
    return blueprint


def _actor() -> Actor:
    return actor_for(g.db, require_user())


def staff_view(actor: Actor, complaint: Complaint) -> dict[str, Any]:
    """The complaint as staff see it; the reporter only where ``reporter_visible``."""
    shown = complaints.reporter_visible(actor, complaint)
    dispatches = g.db.scalars(
        select(Dispatch).where(Dispatch.complaint_id == complaint.id).order_by(Dispatch.id)
    )
    files = g.db.execute(
        select(Attachment.id, Attachment.filename, Attachment.content_type, Attachment.size).where(
            Attachment.complaint_id == complaint.id
        )
    )
    return {
        "id": complaint.id,
        "classification": complaint.classification,
        "category": complaint.category,
        "title": complaint.title,
        "body": complaint.body,
        "kecamatan_code": complaint.kecamatan_code,
        "kelurahan": complaint.kelurahan,
        "latitude": str(complaint.latitude) if complaint.latitude is not None else None,
        "longitude": str(complaint.longitude) if complaint.longitude is not None else None,
        "anonymous": complaint.anonymous,
        "confidential": complaint.confidential,
        "reporter_name": complaint.reporter_name if shown else None,
        "reporter_contact": complaint.reporter_contact if shown else None,
        "status": complaint.status,
        "status_note": complaint.status_note,
        "submitted_at": complaint.submitted_at.isoformat(),
        "verify_due": complaint.verify_due.isoformat(),
        "close_due": complaint.close_due.isoformat() if complaint.close_due else None,
        "rating": complaint.rating,
        "escalated": complaint.escalated_at is not None,
        "duplicate_of_id": complaint.duplicate_of_id,
        "dispatches": [
            {
                "id": d.id,
                "org_unit_id": d.org_unit_id,
                "status": d.status,
                "due": d.due.isoformat(),
                "instruction": d.instruction,
                "response": d.response,
                "escalated": d.escalated_at is not None,
            }
            for d in dispatches
            # An OPD sees its own dispatch, and of the others only that they exist.
            if actor.unit_ids is None or actor.sees_unit(d.org_unit_id)
        ],
        "attachments": [
            {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in files
        ],
    }


def visible(actor: Actor, status: str | None = None, limit: int = PAGE) -> list[Complaint]:
    stmt = select(Complaint).order_by(Complaint.submitted_at.desc()).limit(limit)
    if status:
        stmt = stmt.where(Complaint.status == status)
    if actor.unit_ids is not None:
        stmt = stmt.where(
            Complaint.id.in_(
                select(Dispatch.complaint_id).where(Dispatch.org_unit_id.in_(actor.unit_ids))
            )
        )
    return list(g.db.scalars(stmt))


class DecisionIn(BaseModel):
    decision: str = Field(max_length=10)
    note: str | None = Field(None, max_length=complaints.MAX_TEXT)


class DuplicateIn(BaseModel):
    original_id: DbId


class DispatchIn(BaseModel):
    org_unit_ids: list[DbId] = Field(min_length=1, max_length=20)
    instruction: str | None = Field(None, max_length=complaints.MAX_TEXT)


class RespondIn(BaseModel):
    response: str = Field(max_length=complaints.MAX_TEXT)
    final: bool = False


class ServiceIn(BaseModel):
    org_unit_id: DbId
    name: str = Field(max_length=200)
    components: dict[str, str] = Field(default_factory=dict, max_length=len(standards.COMPONENTS))
    promised_days: int | None = Field(None, ge=1, le=365)


class ServicePatch(BaseModel):
    components: dict[str, str] = Field(default_factory=dict, max_length=len(standards.COMPONENTS))
    promised_days: int | None = Field(None, ge=1, le=365)


class ConsultIn(BaseModel):
    opens: date
    closes: date


class ConsultRecordIn(BaseModel):
    held_on: date
    place: str = Field(max_length=200)
    participants: int = Field(ge=0, le=100_000)
    summary: str = Field(max_length=standards.MAX_TEXT)


class ApproveIn(BaseModel):
    response: str = Field(max_length=standards.MAX_TEXT)


class SettingsIn(BaseModel):
    verify_days: int | None = None
    respond_days: int | None = None
    close_after_days: int | None = None
    escalate_before_days: int | None = None
    max_attachments: int | None = None
    max_attachment_kb: int | None = None
    survey_answers_per_day: int | None = None


@spec.route("GET", "/complaints", "Complaints the caller may see (?status=)")
def list_complaints() -> Response:
    actor = _actor()
    status = request.args.get("status") or None
    rows = visible(actor, status if status in complaints.STATUSES else None)
    return jsonify(complaints=[staff_view(actor, c) for c in rows])


@spec.route("GET", "/complaints/<id:complaint_id>", "One complaint", errors=(404,))
def get_complaint(complaint_id: int) -> Response:
    actor = _actor()
    return jsonify(staff_view(actor, complaints.get(g.db, actor, complaint_id)))


@spec.route(
    "POST",
    "/complaints/<id:complaint_id>/decision",
    "Verify, hold, decline or archive a complaint",
    body=DecisionIn,
    errors=(403, 404, 409, 422),
)
def decide(body: DecisionIn, complaint_id: int) -> Response:
    actor = _actor()
    complaint = complaints.get(g.db, actor, complaint_id)
    complaints.decide(g.db, actor, complaint, body.decision, body.note)
    return jsonify(staff_view(actor, complaint))


@spec.route(
    "POST",
    "/complaints/<id:complaint_id>/dispatch",
    "Dispatch a complaint to OPDs",
    body=DispatchIn,
    errors=(403, 404, 409, 422),
)
def dispatch(body: DispatchIn, complaint_id: int) -> Response:
    actor = _actor()
    complaint = complaints.get(g.db, actor, complaint_id)
    complaints.dispatch(g.db, actor, complaint, body.org_unit_ids, body.instruction)
    return jsonify(staff_view(actor, complaint))


@spec.route(
    "GET",
    "/complaints/<id:complaint_id>/duplicates",
    "Likely duplicates of a complaint, with their score (0-100)",
    access=access.permission(COORDINATE),
    errors=(404,),
)
def list_duplicates(complaint_id: int) -> Response:
    actor = _actor()
    complaint = complaints.get(g.db, actor, complaint_id)
    return jsonify(
        duplicates=[
            {
                "id": c.complaint.id,
                "title": c.complaint.title,
                "status": c.complaint.status,
                "submitted_at": c.complaint.submitted_at.isoformat(),
                "score": c.score,
                "text": c.text,
                "place": c.place,
                "distance_m": c.distance_m,
            }
            for c in duplicates.suggest(g.db, actor, complaint)
        ]
    )


@spec.route(
    "POST",
    "/complaints/<id:complaint_id>/duplicate",
    "Mark a complaint as a duplicate of another (archives it)",
    access=access.permission(COORDINATE),
    body=DuplicateIn,
    errors=(404, 409, 422),
)
def mark_duplicate(body: DuplicateIn, complaint_id: int) -> Response:
    actor = _actor()
    complaint = complaints.get(g.db, actor, complaint_id)
    duplicates.mark(g.db, actor, complaint, body.original_id)
    return jsonify(staff_view(actor, complaint))


@spec.route(
    "GET",
    "/complaints/<id:complaint_id>/attachments/<id:attachment_id>",
    "An attachment's file",
    errors=(404,),
)
def attachment(complaint_id: int, attachment_id: int) -> Response:
    actor = _actor()
    complaint = complaints.get(g.db, actor, complaint_id)
    row = g.db.get(Attachment, attachment_id)
    if row is None or row.complaint_id != complaint.id:
        return jsonify(error={"code": "not_found", "message": "no such attachment"}), 404  # type: ignore[return-value]
    response = Response(row.content, mimetype=row.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{row.filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@spec.route(
    "POST",
    "/dispatches/<id:dispatch_id>/respond",
    "The OPD's progress note or final answer",
    body=RespondIn,
    errors=(403, 404, 409, 422),
)
def respond(body: RespondIn, dispatch_id: int) -> Response:
    actor = _actor()
    row = complaints.dispatch_for(g.db, actor, dispatch_id)
    complaints.respond(g.db, actor, row, body.response, final=body.final)
    return jsonify(staff_view(actor, g.db.get_one(Complaint, row.complaint_id)))


@spec.route(
    "GET",
    "/escalations",
    "Escalated complaints and dispatches the caller answers for",
    access=access.permission(ESCALATIONS),
)
def escalations() -> Response:
    actor = _actor()
    stmt = (
        select(Event.complaint_id, Event.org_unit_id, Event.note, Event.at)
        .where(Event.action == "escalated")
        .order_by(Event.at.desc())
        .limit(PAGE)
    )
    if actor.unit_ids is not None:
        stmt = stmt.where(Event.org_unit_id.in_(actor.unit_ids))
    return jsonify(
        escalations=[
            {"complaint_id": c, "org_unit_id": u, "due": n, "at": a.isoformat()}
            for c, u, n, a in g.db.execute(stmt)
        ]
    )


@spec.route(
    "GET", "/settings", "The complaint deadlines, attachment limits and the survey's daily quota"
)
def get_settings() -> Response:
    return jsonify(config.rules(g.db).__dict__)


@spec.route(
    "PUT",
    "/settings",
    "Change the complaint deadlines, attachment limits and the survey's daily quota",
    access=access.permission(SETTINGS),
    body=SettingsIn,
    errors=(422,),
)
def put_settings(body: SettingsIn) -> Response:
    actor = _actor()
    changes = body.model_dump(exclude_none=True)
    return jsonify(config.update(g.db, changes, actor=actor.label).__dict__)


# --------------------------------------------------------------------------- standards


def service_json(service: Service) -> dict[str, Any]:
    return {
        "id": service.id,
        "org_unit_id": service.org_unit_id,
        "name": service.name,
        "status": service.status,
        "promised_days": service.promised_days,
        "components": service.components,
        "missing": standards.missing(service),
        "consultation": {
            "opens": _iso(service.consult_opens),
            "closes": _iso(service.consult_closes),
            "held_on": _iso(service.consult_held_on),
            "place": service.consult_place,
            "participants": service.consult_participants,
            "summary": service.consult_summary,
            "response": service.consult_response,
        },
    }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


@spec.route("GET", "/services", "Service standards the caller may see")
def list_services() -> Response:
    actor = _actor()
    stmt = select(Service).order_by(Service.org_unit_id, Service.name).limit(500)
    if actor.unit_ids is not None:
        stmt = stmt.where(Service.org_unit_id.in_(actor.unit_ids))
    return jsonify(services=[service_json(s) for s in g.db.scalars(stmt)])


@spec.route(
    "POST",
    "/services",
    "Draft a service standard",
    body=ServiceIn,
    status=201,
    errors=(403, 409, 422),
)
def create_service(body: ServiceIn) -> tuple[Response, int]:
    actor = _actor()
    service = standards.create(
        g.db,
        actor,
        org_unit_id=body.org_unit_id,
        name=body.name,
        components=body.components,
        promised_days=body.promised_days,
    )
    return jsonify(service_json(service)), 201


@spec.route(
    "PATCH",
    "/services/<id:service_id>",
    "Change a standard (back to draft)",
    body=ServicePatch,
    errors=(403, 404, 422),
)
def update_service(body: ServicePatch, service_id: int) -> Response:
    actor = _actor()
    service = standards.get(g.db, actor, service_id)
    standards.update(
        g.db, actor, service, components=body.components, promised_days=body.promised_days
    )
    return jsonify(service_json(service))


@spec.route(
    "POST",
    "/services/<id:service_id>/consultation",
    "Put a complete draft to public consultation (opening and closing day)",
    body=ConsultIn,
    errors=(403, 404, 409, 422),
)
def consult_service(body: ConsultIn, service_id: int) -> Response:
    actor = _actor()
    service = standards.get(g.db, actor, service_id)
    standards.consult(g.db, actor, service, opens=body.opens, closes=body.closes)
    return jsonify(service_json(service))


@spec.route(
    "PUT",
    "/services/<id:service_id>/consultation/record",
    "Record the consultation forum: date, place or medium, participants, summary",
    body=ConsultRecordIn,
    errors=(403, 404, 409, 422),
)
def record_consultation(body: ConsultRecordIn, service_id: int) -> Response:
    actor = _actor()
    service = standards.get(g.db, actor, service_id)
    standards.record_consultation(
        g.db,
        actor,
        service,
        held_on=body.held_on,
        place=body.place,
        participants=body.participants,
        summary=body.summary,
    )
    return jsonify(service_json(service))


@spec.route(
    "GET",
    "/services/<id:service_id>/comments",
    "Citizens' comments on a standard's public consultation, with counts",
    errors=(404,),
)
def consultation_comments(service_id: int) -> Response:
    service = standards.get(g.db, _actor(), service_id)
    found = standards.comments(g.db, service)
    return jsonify(
        count=len(found),
        named=sum(1 for c in found if c.name),
        anonymous=sum(1 for c in found if not c.name),
        comments=[
            {"id": c.id, "name": c.name, "body": c.body, "at": c.submitted_at.isoformat()}
            for c in found
        ],
    )


@spec.route(
    "POST",
    "/services/<id:service_id>/approve",
    "Approve a standard whose public consultation closed, saying how comments were answered",
    body=ApproveIn,
    errors=(403, 404, 409, 422),
)
def approve_service(body: ApproveIn, service_id: int) -> Response:
    actor = _actor()
    service = standards.get(g.db, actor, service_id)
    return jsonify(service_json(standards.approve(g.db, actor, service, body.response)))


@spec.route(
    "GET",
    "/services/<id:service_id>/performance",
    "A service beside its standard: complaints and SKM (?period=2026, 2026-S1 or 2026-Q3; "
    "the current year by default)",
    errors=(404, 422),
)
def service_performance(service_id: int) -> Response:
    service = standards.get(g.db, _actor(), service_id)
    return jsonify(public.performance_json(service.id, public.chosen_period()))


@spec.route(
    "POST",
    "/services/<id:service_id>/publish",
    "Publish an approved standard",
    errors=(403, 404, 409),
)
def publish_service(service_id: int) -> Response:
    actor = _actor()
    return jsonify(
        service_json(standards.publish(g.db, actor, standards.get(g.db, actor, service_id)))
    )
