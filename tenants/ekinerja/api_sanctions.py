"""Sanctions and the other per-person deductions over JSON (``sanctions``).

Declared on the app's one ``ApiSpec`` (``api.spec``); the manifest imports it.
BKPSDM records and annuls; everyone reads what ``sanctions.listing`` lets them.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Response, g, request
from pydantic import BaseModel, ConfigDict, Field
from smartcity.toolkit import DbId, InvalidInput, Staff, access, query_int

from . import sanctions
from .access import REGENCY, SELF, UNIT, VIEW_ALL
from .api import EVIDENCE_BASE64, _actor, _json, _today, evidence_in, file_response, spec
from .messages import M
from .periods import parse_month
from .rules import SANCTION_KINDS, SANCTION_LEVELS
from .tppmodels import Sanction

READERS = access.permission(SELF, UNIT, VIEW_ALL)


class EknSanctionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff_id: DbId
    kind: str = Field(max_length=30, description="one of " + ", ".join(SANCTION_KINDS))
    decree_number: str = Field(max_length=100, description="the decree's (SK) number")
    decree_date: str = Field(max_length=10, description="YYYY-MM-DD")
    first_month: str = Field(max_length=10, description="YYYY-MM: the first month it cuts")
    months: int = Field(description="how many months it runs, 1 to 12")
    note: str = Field("", max_length=2000)
    evidence_name: str | None = Field(None, max_length=255)
    evidence_base64: str | None = Field(None, max_length=EVIDENCE_BASE64)


class EknSanctionAnnulIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=2000)


class EknSanctionOut(BaseModel):
    id: int
    staff_id: int
    nip: str | None
    name: str | None
    org_unit_id: int
    kind: str
    level: str
    decree_number: str
    decree_date: date
    first_month: str
    last_month: str
    months: int
    note: str | None
    has_evidence: bool
    recorded_by: str
    recorded_at: datetime
    annulled: bool
    annulled_by: str | None
    annulled_at: datetime | None
    annul_reason: str | None
    annulled_from: str | None


class EknSanctionList(BaseModel):
    sanctions: list[EknSanctionOut]


def _ym(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def sanction_out(s: Sanction, person: Staff | None = None) -> EknSanctionOut:
    covered = sanctions.span(s)
    return EknSanctionOut(
        id=s.id,
        staff_id=s.staff_id,
        nip=person.nip if person else None,
        name=person.name if person else None,
        org_unit_id=s.org_unit_id,
        kind=s.kind,
        level=SANCTION_LEVELS.get(s.kind, "other"),
        decree_number=s.decree_number,
        decree_date=s.decree_date,
        first_month=_ym(covered[0]),
        last_month=_ym(covered[-1]),
        months=s.months,
        note=s.note,
        has_evidence=s.evidence is not None,
        recorded_by=s.recorded_by,
        recorded_at=s.recorded_at,
        annulled=s.annulled_at is not None,
        annulled_by=s.annulled_by,
        annulled_at=s.annulled_at,
        annul_reason=s.annul_reason,
        annulled_from=_ym(s.annulled_from) if s.annulled_from else None,
    )


@spec.route(
    "GET",
    "/sanctions",
    "Sanctions and other per-person deductions I may read (mine; my units'; all for BKPSDM "
    "and viewers), filtered by staff_id, org_unit_id, kind, status (running or annulled), "
    "month (YYYY-MM: running then) and q (name or NIP)",
    access=READERS,
    response=EknSanctionList,
    errors=(403, 422),
)
def sanction_list() -> tuple[Response, int]:
    actor = _actor()
    sanctions.require_reader(actor)
    args = request.args
    kind = args.get("kind") or None
    status = args.get("status") or None
    raw_month = args.get("month") or None
    problems = {}
    if kind is not None and kind not in SANCTION_KINDS:
        problems["kind"] = M("one of %(choices)s", choices=", ".join(SANCTION_KINDS))
    if status is not None and status not in sanctions.STATUSES:
        problems["status"] = M("one of %(choices)s", choices=", ".join(sanctions.STATUSES))
    month = parse_month(raw_month) if raw_month else None
    if raw_month and month is None:
        problems["month"] = M("a month (YYYY-MM) of the years 2000 to 2100")
    if problems:
        raise InvalidInput(M("the filter is not valid"), problems)
    rows = sanctions.listing(
        g.db,
        actor,
        staff_id=query_int("staff_id"),
        org_unit_id=query_int("org_unit_id"),
        kind=kind,
        status=status,
        month=month,
        search=(args.get("q") or "")[:100],
    )
    return _json(EknSanctionList(sanctions=[sanction_out(s, p) for s, p in rows]))


@spec.route(
    "POST",
    "/sanctions",
    "Record a sanction or another deduction from its decree (BKPSDM); the person's open "
    "months already computed are recalculated",
    access=access.permission(REGENCY),
    body=EknSanctionIn,
    response=EknSanctionOut,
    status=201,
    errors=(403, 404, 409, 422),
)
def sanction_create(body: EknSanctionIn) -> tuple[Response, int]:
    sanction = sanctions.record(
        g.db,
        _actor(),
        staff_id=body.staff_id,
        kind=body.kind,
        decree_number=body.decree_number,
        decree_date=body.decree_date,
        first_month=body.first_month,
        months=body.months if -(2**31) < body.months < 2**31 else None,
        note=body.note,
        evidence=evidence_in(body.evidence_name, body.evidence_base64),
        today=_today(),
    )
    return _json(sanction_out(sanction, g.db.get(Staff, sanction.staff_id)), 201)


@spec.route(
    "GET",
    "/sanctions/<id:sanction_id>",
    "One sanction I may read",
    access=READERS,
    response=EknSanctionOut,
    errors=(403, 404),
)
def sanction_get(sanction_id: int) -> tuple[Response, int]:
    sanction = sanctions.visible(g.db, _actor(), sanction_id)
    return _json(sanction_out(sanction, g.db.get(Staff, sanction.staff_id)))


@spec.route(
    "POST",
    "/sanctions/<id:sanction_id>/annulment",
    "Annul a sanction with a reason (BKPSDM), from its first month not locked for payment",
    access=access.permission(REGENCY),
    body=EknSanctionAnnulIn,
    response=EknSanctionOut,
    errors=(403, 404, 409, 422),
)
def sanction_annul(body: EknSanctionAnnulIn, sanction_id: int) -> tuple[Response, int]:
    sanction = sanctions.annul(g.db, _actor(), sanction_id, reason=body.reason)
    return _json(sanction_out(sanction, g.db.get(Staff, sanction.staff_id)))


@spec.route(
    "GET",
    "/sanctions/<id:sanction_id>/evidence",
    "The decree's scan (PDF, PNG or JPEG), to whoever may read the sanction",
    access=READERS,
    errors=(403, 404),
)
def sanction_evidence(sanction_id: int) -> Response:
    sanction = sanctions.evidence_of(g.db, _actor(), sanction_id)
    return file_response(sanction.evidence or b"", sanction.evidence_type, sanction.evidence_name)
