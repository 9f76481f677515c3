"""``<tenant>/api/v1/ekinerja``: the mobile app's check-ins, absences, work logs and TPP.

Every operation is declared once with ``ApiSpec`` (route, access rule, body,
OpenAPI entry). Views build the :class:`Actor` and call a service; the request
boundary commits. A retried punch (same ``idempotency_key``) answers 200 with the
first punch instead of 201 with a new one.
"""

from __future__ import annotations

import base64
import binascii
import io
from datetime import date, datetime, time
from typing import Annotated, Any

from flask import Blueprint, Response, g, jsonify, request, send_file
from pydantic import AfterValidator, BaseModel, Field
from smartcity.toolkit import (
    ApiSpec,
    DbId,
    Forbidden,
    InvalidInput,
    NotFound,
    ServiceError,
    access,
    query_int,
    require_user,
)

from . import absences, attendance, objections, periods, photos, rulesets, runs, setup, worklogs
from . import settings as ekn_settings
from .access import APPROVE, REGENCY, SELF, UNIT, VIEW_ALL, Actor, actor_for, own_staff_id
from .evidence import MAX_IMAGE_BYTES, Evidence, clean_name
from .messages import NOT_YOURS, M
from .models import Absence, Device, WorkLog
from .people import is_supervisor_of, link_account, staff_or_404
from .periods import FIRST_YEAR, LAST_YEAR, parse_day

blueprint = Blueprint("ekinerja_api", __name__)
spec = ApiSpec("e-Kinerja API", blueprint, default_access=access.permission(SELF))


def api() -> Blueprint:
    return blueprint


def _actor() -> Actor:
    return actor_for(g.db, require_user())


def _today() -> date:
    return datetime.now(attendance.zone(g.db)).date()


#: The longest evidence file in base64 (the largest photo accepted, 4 characters per 3 bytes).
EVIDENCE_BASE64 = (MAX_IMAGE_BYTES + 2) // 3 * 4


def evidence_in(name: str | None, data: str | None) -> Evidence | None:
    """An evidence file sent in base64 (``evidence_base64``), or None if none was sent."""
    if not data:
        return None
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidInput(
            M("the evidence is not valid base64"), {"evidence_base64": "base64"}
        ) from error
    return Evidence(name or "bukti", raw)


def file_response(data: bytes, media_type: str | None, name: str | None) -> Response:
    """An evidence file as a download: never shown inline, never sniffed, never cached.

    The name is cleaned again here: rows kept before names were cleaned may hold a
    line break, which no header can carry, or an extension other than their type's.
    """
    response = send_file(
        io.BytesIO(data),
        mimetype=media_type or "application/octet-stream",
        as_attachment=True,
        download_name=clean_name(name or "", media_type),
        etag=False,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --------------------------------------------------------------------------- schemas


def _phone_id(value: str | None) -> str | None:
    """A phone id as the tie and the shared-phone check compare it: without the
    spaces around it, and blank as none (``"  "`` would tie an account to nothing)."""
    cleaned = value.strip() if value is not None else ""
    return cleaned or None


#: The id a phone sends for itself.
PhoneId = Annotated[str | None, AfterValidator(_phone_id)]


class EknPunchBody(BaseModel):
    kind: str = Field(pattern="^(in|out)$")
    idempotency_key: str = Field(min_length=1, max_length=80)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    accuracy_m: float | None = Field(None, ge=0, le=100_000)
    device_id: PhoneId = Field(
        None,
        max_length=120,
        description=(
            "the phone's own id: the account's first phone punch ties it to the account "
            "(device_binding); another person punching from it that day flags both"
        ),
    )
    device_time: datetime | None = None
    mock_location: bool = False

    def as_punch(self) -> attendance.PunchIn:
        return attendance.PunchIn(**self.model_dump(exclude={"selfie_base64"}))


class EknCheckinBody(EknPunchBody):
    """A punch from the mobile app, with an optional selfie (JPEG or PNG, base64)."""

    selfie_base64: str | None = Field(None, max_length=2_800_000)


class EknPunchOut(BaseModel):
    id: int
    kind: str
    at: datetime
    day: date
    source: str
    flags: list[str] = Field(
        description=(
            "outside_geofence, no_geofence, mock_location, impossible_jump, low_accuracy, "
            "clock_skew, shared_device (another person punched from this phone that day), "
            "other_device (not the phone the account is tied to), no_device_id, "
            "offline: any but offline makes the punch wait for the supervisor"
        )
    )
    review: str
    created: bool
    selfie: bool = False


class EknBatchIn(BaseModel):
    punches: list[EknPunchBody] = Field(min_length=1, max_length=200)


class EknBatchItem(BaseModel):
    idempotency_key: str
    status: int
    punch: EknPunchOut | None = None
    error: dict[str, Any] | None = None


class EknBatchOut(BaseModel):
    results: list[EknBatchItem]


class EknDayOut(BaseModel):
    day: date
    check_in: datetime | None
    check_out: datetime | None
    pending: int


class EknDaysOut(BaseModel):
    days: list[EknDayOut]


class EknReviewIn(BaseModel):
    punch_ids: list[DbId] = Field(min_length=1, max_length=200)
    accept: bool


class EknAbsenceIn(BaseModel):
    kind: str = Field(max_length=12)
    start_day: date
    end_day: date
    reason: str = Field(max_length=2000)
    evidence_name: str | None = Field(None, max_length=255)
    evidence_base64: str | None = Field(None, max_length=EVIDENCE_BASE64)


class EknAbsenceOut(BaseModel):
    id: int
    staff_id: int
    kind: str
    start_day: date
    end_day: date
    status: str
    has_evidence: bool
    decision_note: str | None


class EknAbsenceList(BaseModel):
    absences: list[EknAbsenceOut]
    more: bool = Field(
        description=(
            "older requests remain: ask again with before and before_id, the start_day "
            "and id of the last one here"
        )
    )


class EknAbsenceWaiting(EknAbsenceOut):
    """A request waiting for the caller's decision, with who asked and why."""

    staff_name: str
    nip: str = Field(description="the requester's NIP (civil servant number)")
    reason: str
    evidence_name: str | None


class EknAbsenceQueue(BaseModel):
    absences: list[EknAbsenceWaiting]
    more: bool = Field(
        description="more requests wait behind these (the earliest days come first): "
        "decide these to see the rest"
    )


class EknDecisionIn(BaseModel):
    approve: bool
    note: str = Field("", max_length=2000)


class EknWorkLogIn(BaseModel):
    day: date
    duty_id: DbId
    start: time
    end: time
    quantity: int = Field(ge=1, le=1000)
    output: str = Field(max_length=2000)
    evidence_url: str | None = Field(None, max_length=500)
    evidence_name: str | None = Field(None, max_length=255)
    evidence_base64: str | None = Field(None, max_length=EVIDENCE_BASE64)


class EknEvidenceIn(BaseModel):
    """An evidence file: PDF (2 MB), or a PNG or JPEG photo (8 MB, kept without EXIF)."""

    evidence_name: str | None = Field(None, max_length=255)
    evidence_base64: str = Field(min_length=1, max_length=EVIDENCE_BASE64)


class EknWorkLogOut(BaseModel):
    id: int
    staff_id: int
    day: date
    duty_id: int
    minutes: int
    status: str
    note: str | None
    evidence_url: str | None = None
    has_evidence: bool = False


class EknWorkLogList(BaseModel):
    work_logs: list[EknWorkLogOut]


class EknBulkDecisionIn(BaseModel):
    log_ids: list[DbId] = Field(min_length=1, max_length=200)
    approve: bool
    note: str = Field("", max_length=2000)


class EknDutyIn(BaseModel):
    org_unit_id: DbId
    name: str = Field(max_length=300)
    standard_minutes: int = Field(ge=1, le=1440)
    output_unit: str = Field(max_length=60)


class EknIdOut(BaseModel):
    id: int


class EknAccountIn(BaseModel):
    user_id: DbId
    staff_id: DbId


class EknOfficeIn(BaseModel):
    org_unit_id: DbId
    name: str = Field(max_length=200)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    radius_m: int = Field(ge=10, le=5000)
    polygon: list[list[float]] | None = Field(None, max_length=100)


def _wall_clock(value: time) -> time:
    """Office hours and shifts are wall-clock times in the regency's own zone: a time
    with an offset (``08:00+07:00``) is refused, as mixing one with a plain time
    cannot be compared."""
    if value.tzinfo is not None:
        raise ValueError("a time of day without a time zone (the regency's zone applies)")
    return value


#: A time of day as office hours and shifts have it (no offset).
WallClock = Annotated[time, AfterValidator(_wall_clock)]


class EknHoursIn(BaseModel):
    org_unit_id: DbId | None = None
    name: str = Field(max_length=200)
    weekdays: list[int] = Field(min_length=1, max_length=7)
    start: WallClock
    end: WallClock
    valid_from: date | None = None
    valid_to: date | None = None


class EknShiftIn(BaseModel):
    staff_id: DbId
    day: date
    start: WallClock
    end: WallClock


class EknRuleSetIn(BaseModel):
    name: str = Field(max_length=200)
    effective_from: date
    status: str = Field(pattern="^(draft|active)$")
    rules: dict[str, Any] = Field(default_factory=dict)


class EknSettingsOut(BaseModel):
    settings: dict[str, Any]


class EknLineOut(BaseModel):
    id: int
    day: date | None
    component: str
    rule: str
    percent: str
    amount: int
    minutes: int | None
    record: str | None


class EknStatementObjection(BaseModel):
    """An objection to the statement and what its decision changed (net before, after)."""

    id: int
    status: str
    line_day: date | None
    line_rule: str | None
    decision_note: str | None
    net_before: int | None
    net_after: int | None


class EknStatementOut(BaseModel):
    #: A new one each time the statement is recalculated (its lines too): sent back
    #: with an objection, it says which figures were objected to.
    statement_id: int
    year: int
    month: int
    staff_id: int
    rule_set: str
    rule_set_id: int
    as_of: date
    locked: bool
    base: int
    performance_part: int
    discipline_part: int
    performance_deduction: int
    discipline_deduction: int
    #: Disciplinary sanctions and the other per-person deductions (LHKPN, TPTGR).
    sanction_deduction: int
    net: int
    approved_minutes: int
    lines: list[EknLineOut]
    objections: list[EknStatementObjection] = []


class EknMonthOut(BaseModel):
    year: int
    month: int
    locked: bool


# --------------------------------------------------------------------------- converters


def punch_out(punch: attendance.PunchRecord, created: bool) -> EknPunchOut:
    return EknPunchOut(
        id=punch.id,
        kind=punch.kind,
        at=punch.at,
        day=punch.day,
        source=punch.source,
        flags=list(punch.flags),
        review=punch.review,
        created=created,
    )


def absence_out(a: Absence) -> EknAbsenceOut:
    return EknAbsenceOut(
        id=a.id,
        staff_id=a.staff_id,
        kind=a.kind,
        start_day=a.start_day,
        end_day=a.end_day,
        status=a.status,
        has_evidence=a.evidence is not None,
        decision_note=a.decision_note,
    )


def log_out(w: WorkLog) -> EknWorkLogOut:
    return EknWorkLogOut(
        id=w.id,
        staff_id=w.staff_id,
        day=w.day,
        duty_id=w.duty_id,
        minutes=w.minutes,
        status=w.status,
        note=w.note,
        evidence_url=w.evidence_url,
        has_evidence=w.evidence_type is not None,
    )


def _json(model: BaseModel, status: int = 200) -> tuple[Response, int]:
    return jsonify(model.model_dump(mode="json")), status


def _month(year: int, month: int) -> None:
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise InvalidInput(M("a month is 1 to 12 of a year 2000 to 2100"), {"month": "1-12"})


# --------------------------------------------------------------------------- attendance


@spec.route(
    "POST",
    "/punches",
    "Check in or out from the mobile app",
    body=EknCheckinBody,
    response=EknPunchOut,
    status=201,
    errors=(403, 409, 413, 422),
)
def punch(body: EknCheckinBody) -> tuple[Response, int]:
    """The selfie is checked before anything is recorded (and before the person's
    row is locked), and kept only with a new punch (a retry does not replace it).
    The account lookup is the lock's own statement (the morning peak)."""
    principal = require_user()
    selfie = None
    if body.selfie_base64:
        try:
            raw = base64.b64decode(body.selfie_base64, validate=True)
        except (binascii.Error, ValueError) as error:
            raise InvalidInput(
                M("the selfie is not valid base64"), {"selfie_base64": "base64"}
            ) from error
        selfie = photos.clean(raw)
    person = attendance.lock_own(g.db, principal.user.id, phone=body.device_id)
    staff_id = person.staff_id if person is not None else own_staff_id(g.db, principal)
    stored, created = attendance.record_punch(
        g.db, staff_id, body.as_punch(), source="mobile", person=person
    )
    out = punch_out(stored, created)
    if created and selfie is not None:
        photos.keep(g.db, stored.id, *selfie)
        out.selfie = True
    return _json(out, 201 if created else 200)


@spec.route(
    "POST",
    "/punches/batch",
    "Upload punches kept offline",
    body=EknBatchIn,
    response=EknBatchOut,
    errors=(403, 422),
)
def punch_batch(body: EknBatchIn) -> tuple[Response, int]:
    """Each punch is taken or refused on its own (a savepoint each): the phone learns
    which to keep and which to drop, and a retried batch creates nothing twice."""
    staff_id = own_staff_id(g.db, require_user())
    results: list[EknBatchItem] = []
    for item in body.punches:
        try:
            with g.db.begin_nested():
                stored, created = attendance.record_punch(
                    g.db, staff_id, item.as_punch(), source="offline"
                )
            results.append(
                EknBatchItem(
                    idempotency_key=item.idempotency_key,
                    status=201 if created else 200,
                    punch=punch_out(stored, created),
                )
            )
        except ServiceError as error:
            results.append(
                EknBatchItem(
                    idempotency_key=item.idempotency_key,
                    status=error.status,
                    error={
                        "code": error.code,
                        "message": str(error.message),
                        "fields": {k: str(v) for k, v in error.fields.items()},
                    },
                )
            )
    return _json(EknBatchOut(results=results))


@spec.route(
    "GET",
    "/days/<year:year>/<id:month>",
    "My attendance records of a month",
    response=EknDaysOut,
    errors=(403, 422),
)
def my_days(year: int, month: int) -> tuple[Response, int]:
    _month(year, month)
    staff_id = _actor().require_staff()
    rows = attendance.days_of(g.db, staff_id, date(year, month, 1), periods.month_end(year, month))
    return _json(
        EknDaysOut(
            days=[
                EknDayOut(day=d.day, check_in=d.check_in, check_out=d.check_out, pending=d.pending)
                for d in rows
            ]
        )
    )


@spec.route(
    "POST",
    "/punches/review",
    "Accept or reject flagged punches of one's staff",
    access=access.permission(APPROVE),
    body=EknReviewIn,
    response=EknBatchOut,
    errors=(403, 404, 409, 422),
)
def review(body: EknReviewIn) -> tuple[Response, int]:
    done = attendance.review_punches(g.db, _actor(), list(body.punch_ids), accept=body.accept)
    return _json(
        EknBatchOut(
            results=[
                EknBatchItem(
                    idempotency_key=p.idempotency_key,
                    status=200,
                    punch=punch_out(attendance.PunchRecord.of(p), False),
                )
                for p in done
            ]
        )
    )


class EknPhoneOut(BaseModel):
    """The phone a person's account is tied to (``device_binding``), if any."""

    staff_id: int
    device_id: str | None = Field(description="None: no phone tied yet; the next punch ties one")
    bound_at: datetime | None
    released_at: datetime | None = Field(
        None, description="set in the answer to a release: the tie just undone"
    )


def phone_out(staff_id: int, device: Device | None) -> EknPhoneOut:
    if device is None:
        return EknPhoneOut(staff_id=staff_id, device_id=None, bound_at=None)
    return EknPhoneOut(
        staff_id=staff_id,
        device_id=device.device_id,
        bound_at=device.bound_at,
        released_at=device.released_at,
    )


@spec.route("GET", "/phone", "The phone my account is tied to", response=EknPhoneOut)
def my_phone() -> tuple[Response, int]:
    staff_id = own_staff_id(g.db, require_user())
    return _json(phone_out(staff_id, attendance.tied_phone(g.db, staff_id)))


@spec.route(
    "POST",
    "/people/<id:staff_id>/phone/release",
    "Untie a person's account from its phone (a new or lost phone); the next punch ties again",
    access=access.permission(UNIT),
    response=EknPhoneOut,
    errors=(403, 404, 409),
)
def phone_release(staff_id: int) -> tuple[Response, int]:
    return _json(phone_out(staff_id, attendance.release_phone(g.db, _actor(), staff_id)))


# --------------------------------------------------------------------------- absences


@spec.route(
    "POST",
    "/absences",
    "Ask for leave, official travel or field duty",
    body=EknAbsenceIn,
    response=EknAbsenceOut,
    status=201,
    errors=(403, 409, 422),
)
def absence_create(body: EknAbsenceIn) -> tuple[Response, int]:
    evidence = evidence_in(body.evidence_name, body.evidence_base64)
    absence = absences.submit(
        g.db,
        _actor(),
        kind=body.kind,
        start_day=body.start_day,
        end_day=body.end_day,
        reason=body.reason,
        evidence=evidence,
        today=_today(),
    )
    return _json(absence_out(absence), 201)


@spec.route(
    "GET",
    "/absences",
    "My absences, the latest days first, 200 at a time (more: older ones remain; ask "
    "for them with before=YYYY-MM-DD and before_id, the start_day and id of the last one)",
    response=EknAbsenceList,
    errors=(403, 422),
)
def absence_list() -> tuple[Response, int]:
    """The page is continued from the last request shown (see ``absences.of_person``);
    a filter that is not a date or an id is refused, never read as none."""
    actor = _actor()
    raw = request.args.get("before") or None
    before = parse_day(raw) if raw else None
    if raw and (before is None or not FIRST_YEAR <= before.year <= LAST_YEAR):
        raise InvalidInput(
            M("the filter is not valid"),
            {"before": M("a date (YYYY-MM-DD) of the years 2000 to 2100")},
        )
    before_id = query_int("before_id")
    if before_id is not None and before is None:
        raise InvalidInput(
            M("the filter is not valid"), {"before_id": M("only together with before")}
        )
    mine = absences.of_person(g.db, actor, before=before, before_id=before_id)
    return _json(EknAbsenceList(absences=[absence_out(a) for a in mine.absences], more=mine.more))


@spec.route(
    "GET",
    "/absences/queue",
    "Absence requests waiting for my decision (my staff's; a unit admin's also those of "
    "their units' people), the earliest days first, with who asked and why; more: others "
    "wait behind these",
    access=access.permission(APPROVE),
    response=EknAbsenceQueue,
    errors=(403,),
)
def absence_queue() -> tuple[Response, int]:
    actor = _actor()
    if not actor.can(UNIT):
        actor.require_staff()  # a supervisor is one by their staff record
    waiting = absences.waiting_for(g.db, actor)
    return _json(
        EknAbsenceQueue(
            absences=[
                EknAbsenceWaiting(
                    **absence_out(a).model_dump(),
                    staff_name=person.name,
                    nip=person.nip,
                    reason=a.reason,
                    evidence_name=a.evidence_name,
                )
                for a, person in waiting.rows
            ],
            more=waiting.more,
        )
    )


@spec.route(
    "GET",
    "/absences/<id:absence_id>/evidence",
    "The evidence file of an absence (PDF, PNG or JPEG): to the person, their supervisor, "
    "their unit's admins and the regency-wide readers",
    access=access.permission(SELF, APPROVE, UNIT, VIEW_ALL),
    errors=(403, 404),
)
def absence_evidence_get(absence_id: int) -> Response:
    """Anyone else, and an absence without a file, get the 404 of an unknown id
    (``absences.evidence_of``)."""
    absence = absences.evidence_of(g.db, _actor(), absence_id)
    return file_response(
        absence.evidence or b"",
        absence.evidence_type,
        absence.evidence_name or f"bukti-{absence_id}",
    )


@spec.route(
    "POST",
    "/absences/<id:absence_id>/decision",
    "Approve or refuse an absence",
    access=access.permission(APPROVE),
    body=EknDecisionIn,
    response=EknAbsenceOut,
    errors=(403, 404, 409, 422),
)
def absence_decide(body: EknDecisionIn, absence_id: int) -> tuple[Response, int]:
    absence = absences.decide(
        g.db, _actor(), absence_id, approve=body.approve, note=body.note, today=_today()
    )
    return _json(absence_out(absence))


@spec.route(
    "POST",
    "/absences/<id:absence_id>/withdrawal",
    "Withdraw my absence request while it waits for a decision",
    response=EknAbsenceOut,
    errors=(403, 404, 409),
)
def absence_withdraw(absence_id: int) -> tuple[Response, int]:
    return _json(absence_out(absences.withdraw(g.db, _actor(), absence_id)))


# --------------------------------------------------------------------------- work logs


@spec.route(
    "POST",
    "/work-logs",
    "Log a day's activity against a duty",
    body=EknWorkLogIn,
    response=EknWorkLogOut,
    status=201,
    errors=(403, 409, 422),
)
def worklog_create(body: EknWorkLogIn) -> tuple[Response, int]:
    log = worklogs.submit(
        g.db,
        _actor(),
        day=body.day,
        duty_id=body.duty_id,
        start=body.start,
        end=body.end,
        quantity=body.quantity,
        output=body.output,
        evidence_url=body.evidence_url,
        today=_today(),
        evidence=evidence_in(body.evidence_name, body.evidence_base64),
    )
    return _json(log_out(log), 201)


@spec.route(
    "PUT",
    "/work-logs/<id:log_id>/evidence",
    "Add or replace the evidence file of my work log while it waits for a decision",
    body=EknEvidenceIn,
    response=EknWorkLogOut,
    errors=(403, 404, 409, 422),
)
def worklog_evidence_put(body: EknEvidenceIn, log_id: int) -> tuple[Response, int]:
    evidence = evidence_in(body.evidence_name, body.evidence_base64)
    assert evidence is not None  # noqa: S101 - the body requires the file
    log = worklogs.attach_evidence(g.db, _actor(), log_id, evidence, today=_today())
    return _json(log_out(log))


@spec.route(
    "GET",
    "/work-logs/<id:log_id>/evidence",
    "The evidence file of a work log (PDF, PNG or JPEG): to the person, their supervisor, "
    "their unit's admins and the regency-wide readers",
    access=access.permission(SELF, APPROVE, UNIT, VIEW_ALL),
    errors=(403, 404),
)
def worklog_evidence_get(log_id: int) -> Response:
    log = worklogs.evidence_of(g.db, _actor(), log_id)
    return file_response(log.evidence or b"", log.evidence_type, log.evidence_name)


@spec.route(
    "GET",
    "/work-logs/queue",
    "Work logs waiting for my decision (a unit admin's also hold those of their units' "
    "people with no supervisor, or one who has left)",
    access=access.permission(APPROVE),
    response=EknWorkLogList,
)
def worklog_queue() -> tuple[Response, int]:
    actor = _actor()
    if not actor.can(UNIT):
        actor.require_staff()  # a supervisor is one by their staff record
    rows = worklogs.queue(g.db, actor)
    return _json(EknWorkLogList(work_logs=[log_out(w) for w, _, _ in rows]))


@spec.route(
    "POST",
    "/work-logs/decisions",
    "Approve or return work logs in bulk",
    access=access.permission(APPROVE),
    body=EknBulkDecisionIn,
    response=EknWorkLogList,
    errors=(403, 404, 409, 422),
)
def worklog_decide(body: EknBulkDecisionIn) -> tuple[Response, int]:
    done = worklogs.decide(
        g.db, _actor(), list(body.log_ids), approve=body.approve, note=body.note, today=_today()
    )
    return _json(EknWorkLogList(work_logs=[log_out(w) for w in done]))


@spec.route(
    "POST",
    "/duties",
    "Add a duty to a unit's list",
    access=access.permission(UNIT),
    body=EknDutyIn,
    response=EknIdOut,
    status=201,
    errors=(403, 422),
)
def duty_create(body: EknDutyIn) -> tuple[Response, int]:
    duty = worklogs.add_duty(
        g.db,
        _actor(),
        org_unit_id=body.org_unit_id,
        name=body.name,
        standard_minutes=body.standard_minutes,
        output_unit=body.output_unit,
    )
    return _json(EknIdOut(id=duty.id), 201)


# --------------------------------------------------------------------------- set-up


@spec.route(
    "PUT",
    "/accounts",
    "Link a user to the staff member they are",
    access=access.permission(UNIT),
    body=EknAccountIn,
    response=EknIdOut,
    errors=(403, 404),
)
def account_link(body: EknAccountIn) -> tuple[Response, int]:
    account = link_account(g.db, _actor(), user_id=body.user_id, staff_id=body.staff_id)
    return _json(EknIdOut(id=account.staff_id))


@spec.route(
    "POST",
    "/offices",
    "Add an office and its geofence",
    access=access.permission(UNIT),
    body=EknOfficeIn,
    response=EknIdOut,
    status=201,
    errors=(403, 422),
)
def office_create(body: EknOfficeIn) -> tuple[Response, int]:
    office = setup.add_office(g.db, _actor(), **body.model_dump())
    return _json(EknIdOut(id=office.id), 201)


@spec.route(
    "POST",
    "/hours",
    "Add office hours (a unit's, or the regency's dated rule such as Ramadan)",
    access=access.permission(UNIT),
    body=EknHoursIn,
    response=EknIdOut,
    status=201,
    errors=(403, 422),
)
def hours_create(body: EknHoursIn) -> tuple[Response, int]:
    rule = setup.add_schedule_rule(g.db, _actor(), **body.model_dump())
    return _json(EknIdOut(id=rule.id), 201)


@spec.route(
    "PUT",
    "/shifts",
    "Set a person's shift on a day",
    access=access.permission(UNIT),
    body=EknShiftIn,
    response=EknIdOut,
    errors=(403, 404, 422),
)
def shift_set(body: EknShiftIn) -> tuple[Response, int]:
    shift = setup.set_shift(g.db, _actor(), **body.model_dump())
    return _json(EknIdOut(id=shift.id))


@spec.route(
    "POST",
    "/rule-sets",
    "Add a TPP rule version (a Perbup)",
    access=access.permission(REGENCY),
    body=EknRuleSetIn,
    response=EknIdOut,
    status=201,
    errors=(403, 409, 422),
)
def rule_set_create(body: EknRuleSetIn) -> tuple[Response, int]:
    rule_set = rulesets.add(g.db, _actor(), **body.model_dump())
    return _json(EknIdOut(id=rule_set.id), 201)


@spec.route("GET", "/settings", "The regency's e-Kinerja settings", response=EknSettingsOut)
def settings_get() -> tuple[Response, int]:
    return _json(EknSettingsOut(settings=ekn_settings.load(g.db).model_dump(mode="json")))


@spec.route(
    "PATCH",
    "/settings",
    "Change the regency's e-Kinerja settings",
    access=access.permission(REGENCY),
    body=EknSettingsOut,
    response=EknSettingsOut,
    errors=(403, 422),
)
def settings_patch(body: EknSettingsOut) -> tuple[Response, int]:
    new = ekn_settings.update(g.db, body.settings, actor=_actor().label)
    return _json(EknSettingsOut(settings=new.model_dump(mode="json")))


# --------------------------------------------------------------------------- TPP


def statement_out(staff_id: int, year: int, month: int) -> EknStatementOut:
    found = runs.statement_of(g.db, staff_id, year, month)
    if found is None:
        raise NotFound(M("no TPP statement for %(month)s yet", month=date(year, month, 1)))
    run, s, lines, rule_set = found
    return EknStatementOut(
        statement_id=s.id,
        year=year,
        month=month,
        staff_id=staff_id,
        rule_set=rule_set.name,
        rule_set_id=rule_set.id,
        as_of=run.as_of,
        locked=run.locked_at is not None,
        base=s.base,
        performance_part=s.performance_part,
        discipline_part=s.discipline_part,
        performance_deduction=s.performance_deduction,
        discipline_deduction=s.discipline_deduction,
        sanction_deduction=s.sanction_deduction,
        net=s.net,
        approved_minutes=s.approved_minutes,
        lines=[
            EknLineOut(
                id=ln.id,
                day=ln.day,
                component=ln.component,
                rule=ln.rule,
                percent=str(ln.percent),
                amount=ln.amount,
                minutes=ln.minutes,
                record=ln.record,
            )
            for ln in lines
        ],
        objections=[
            EknStatementObjection(
                id=o.id,
                status=o.status,
                line_day=o.line_day,
                line_rule=o.line_rule,
                decision_note=o.decision_note,
                net_before=(o.before or {}).get("net"),
                net_after=(o.after or {}).get("net"),
            )
            for o in objections.of_person(g.db, staff_id, year, month)
        ],
    )


@spec.route(
    "GET",
    "/tpp/<year:year>/<id:month>",
    "My TPP statement: every rupiah cut, with its day, record and rule",
    response=EknStatementOut,
    errors=(403, 404, 422),
)
def my_statement(year: int, month: int) -> tuple[Response, int]:
    _month(year, month)
    return _json(statement_out(_actor().require_staff(), year, month))


@spec.route(
    "GET",
    "/tpp/<year:year>/<id:month>/staff/<id:staff_id>",
    "A person's TPP statement (their supervisor, unit admin or a viewer)",
    access=access.permission(APPROVE, UNIT, VIEW_ALL),
    response=EknStatementOut,
    errors=(403, 404, 422),
)
def staff_statement(year: int, month: int, staff_id: int) -> tuple[Response, int]:
    _month(year, month)
    actor = _actor()
    person = staff_or_404(g.db, staff_id)
    if not (
        VIEW_ALL in actor.permissions
        or actor.manages(person.unit_id)
        or is_supervisor_of(actor, person)
        or actor.staff_id == staff_id
    ):
        raise Forbidden(M("you do not supervise this person"), {"staff_id": NOT_YOURS})
    return _json(statement_out(staff_id, year, month))


@spec.route(
    "POST",
    "/tpp/<year:year>/<id:month>/lock",
    "Lock a month's TPP for payment",
    access=access.permission(REGENCY),
    response=EknMonthOut,
    errors=(403, 404, 409, 422),
)
def lock(year: int, month: int) -> tuple[Response, int]:
    _month(year, month)
    run = runs.lock_month(g.db, _actor(), year, month)
    return _json(EknMonthOut(year=run.year, month=run.month, locked=True))
