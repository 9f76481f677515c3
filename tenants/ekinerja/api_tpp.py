"""The TPP follow-ups over JSON: objections, the BKN connection and SKP pulls, "what if".

Declared on the app's one ``ApiSpec`` (``api.spec``), in their own module so
the attendance API and these change apart; the manifest imports it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Response, g
from pydantic import BaseModel, ConfigDict, Field
from smartcity.toolkit import DbId, access

from . import objections, skp, whatif
from .access import REGENCY, UNIT
from .api import EVIDENCE_BASE64, _actor, _json, _month, _today, evidence_in, spec
from .tppmodels import Objection, SkpSyncRun


class EknObjectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_id: DbId | None = None
    #: The ``statement_id`` of the statement read (``GET /tpp/{year}/{month}``): if it
    #: was recalculated since, the objection is refused (409) to be made again on it.
    statement_id: DbId | None = None
    reason: str = Field(max_length=2000)
    evidence_name: str | None = Field(None, max_length=255)
    evidence_base64: str | None = Field(None, max_length=EVIDENCE_BASE64)


class EknObjectionLine(BaseModel):
    day: date | None
    component: str | None
    rule: str | None
    amount: int | None
    record: str | None


class EknObjectionOut(BaseModel):
    id: int
    staff_id: int
    org_unit_id: int
    year: int
    month: int
    line: EknObjectionLine | None
    reason: str
    has_evidence: bool
    status: str
    decision_note: str | None
    decided_by: str | None
    decided_at: datetime | None
    correction: dict[str, Any] | None
    before: dict[str, int] | None
    after: dict[str, int] | None


class EknObjectionList(BaseModel):
    objections: list[EknObjectionOut]


class EknObjectionDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accept: bool
    note: str = Field("", max_length=2000)
    correction: dict[str, Any] | None = Field(
        None,
        description=(
            'with accept: {"kind": "excuse", "absence_kind", "start_day", "end_day"}, '
            '{"kind": "punch", "day", "check_in", "check_out"} (HH:MM) or '
            '{"kind": "present", "event_absence_id"} (an apel mark of the person removed)'
        ),
    )


class EknBknConfigIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(max_length=300)
    client_id: str = Field(max_length=200)
    client_secret: str | None = Field(None, max_length=500)


class EknBknConfigOut(BaseModel):
    base_url: str | None
    client_id: str | None
    has_secret: bool


class EknSkpSyncIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2000, le=2100)


class EknSkpRunOut(BaseModel):
    id: int
    year: int
    status: str
    started_at: datetime
    finished_at: datetime
    asked: int
    stored: int
    problems: dict[str, Any]
    error: str | None


class EknSkpRunList(BaseModel):
    runs: list[EknSkpRunOut]


class EknWhatIfTotals(BaseModel):
    people: int
    base: int
    deduction: int
    net: int


class EknWhatIfUnit(BaseModel):
    org_unit_id: int
    code: str
    name: str
    current: EknWhatIfTotals
    draft: EknWhatIfTotals
    difference: int


class EknWhatIfOut(BaseModel):
    year: int
    month: int
    as_of: date
    current_rule_set_id: int
    current_rule_set: str
    draft_rule_set_id: int
    draft_rule_set: str
    units: list[EknWhatIfUnit]
    current: EknWhatIfTotals
    draft: EknWhatIfTotals
    difference: int


def objection_out(o: Objection) -> EknObjectionOut:
    line = None
    if o.line_rule is not None:
        line = EknObjectionLine(
            day=o.line_day,
            component=o.line_component,
            rule=o.line_rule,
            amount=o.line_amount,
            record=o.line_record,
        )
    return EknObjectionOut(
        id=o.id,
        staff_id=o.staff_id,
        org_unit_id=o.org_unit_id,
        year=o.year,
        month=o.month,
        line=line,
        reason=o.reason,
        has_evidence=o.evidence is not None,
        status=o.status,
        decision_note=o.decision_note,
        decided_by=o.decided_by,
        decided_at=o.decided_at,
        correction=o.correction,
        before=o.before,
        after=o.after,
    )


def run_out(r: SkpSyncRun) -> EknSkpRunOut:
    return EknSkpRunOut(
        id=r.id,
        year=r.year,
        status=r.status,
        started_at=r.started_at,
        finished_at=r.finished_at,
        asked=r.asked,
        stored=r.stored,
        problems=r.problems,
        error=r.error,
    )


def _totals(t: whatif.Totals) -> EknWhatIfTotals:
    return EknWhatIfTotals(people=t.people, base=t.base, deduction=t.deduction, net=t.net)


# --------------------------------------------------------------------------- objections


@spec.route(
    "POST",
    "/tpp/<year:year>/<id:month>/objections",
    "Object to my statement of a month (a line of it, or all), with a reason",
    body=EknObjectionIn,
    response=EknObjectionOut,
    status=201,
    errors=(403, 404, 409, 422),
)
def objection_create(body: EknObjectionIn, year: int, month: int) -> tuple[Response, int]:
    _month(year, month)
    objection = objections.submit(
        g.db,
        _actor(),
        year=year,
        month=month,
        line_id=body.line_id,
        reason=body.reason,
        evidence=evidence_in(body.evidence_name, body.evidence_base64),
        statement_id=body.statement_id,
    )
    return _json(objection_out(objection), 201)


@spec.route("GET", "/objections", "My objections and their decisions", response=EknObjectionList)
def objection_mine() -> tuple[Response, int]:
    staff_id = _actor().require_staff()
    return _json(
        EknObjectionList(
            objections=[objection_out(o) for o in objections.of_person(g.db, staff_id)]
        )
    )


@spec.route(
    "GET",
    "/objections/queue",
    "The open objections of the units I manage",
    access=access.permission(UNIT),
    response=EknObjectionList,
)
def objection_queue() -> tuple[Response, int]:
    rows = objections.for_units(g.db, _actor())
    return _json(EknObjectionList(objections=[objection_out(o) for o, _ in rows]))


@spec.route(
    "POST",
    "/objections/<id:objection_id>/decision",
    "Accept (with a correction; the statement is recalculated) or reject an objection",
    access=access.permission(UNIT),
    body=EknObjectionDecisionIn,
    response=EknObjectionOut,
    errors=(403, 404, 409, 422),
)
def objection_decide(body: EknObjectionDecisionIn, objection_id: int) -> tuple[Response, int]:
    objection = objections.decide(
        g.db,
        _actor(),
        objection_id,
        accept=body.accept,
        note=body.note,
        correction=body.correction,
    )
    return _json(objection_out(objection))


# --------------------------------------------------------------------------- BKN and SKP


@spec.route(
    "GET",
    "/bkn",
    "The BKN e-Kinerja connection (the secret is never shown)",
    access=access.permission(REGENCY),
    response=EknBknConfigOut,
)
def bkn_get() -> tuple[Response, int]:
    return _json(EknBknConfigOut(**skp.public_config(g.db)))


@spec.route(
    "PUT",
    "/bkn",
    "Set the BKN e-Kinerja address and client credentials",
    access=access.permission(REGENCY),
    body=EknBknConfigIn,
    response=EknBknConfigOut,
    errors=(403, 422),
)
def bkn_put(body: EknBknConfigIn) -> tuple[Response, int]:
    config = skp.configure(
        g.db,
        _actor(),
        base_url=body.base_url,
        client_id=body.client_id,
        client_secret=body.client_secret,
    )
    return _json(EknBknConfigOut(**config))


@spec.route(
    "POST",
    "/skp/sync",
    "Pull every person's SKP and predicate of a year from BKN now",
    access=access.permission(REGENCY),
    body=EknSkpSyncIn,
    response=EknSkpRunOut,
    status=201,
    errors=(403, 422),
)
def skp_sync(body: EknSkpSyncIn) -> tuple[Response, int]:
    return _json(run_out(skp.sync(g.db, _actor(), body.year)), 201)


@spec.route(
    "GET",
    "/skp/runs",
    "The latest SKP pulls and what each could not match",
    access=access.permission(REGENCY),
    response=EknSkpRunList,
)
def skp_runs() -> tuple[Response, int]:
    return _json(EknSkpRunList(runs=[run_out(r) for r in skp.runs_of(g.db)]))


# --------------------------------------------------------------------------- what if


def whatif_out(result: whatif.WhatIf) -> EknWhatIfOut:
    return EknWhatIfOut(
        year=result.year,
        month=result.month,
        as_of=result.as_of,
        current_rule_set_id=result.current_rule_set.id,
        current_rule_set=result.current_rule_set.name,
        draft_rule_set_id=result.draft_rule_set.id,
        draft_rule_set=result.draft_rule_set.name,
        units=[
            EknWhatIfUnit(
                org_unit_id=u.unit_id,
                code=u.code,
                name=u.name,
                current=_totals(u.current),
                draft=_totals(u.draft),
                difference=u.difference,
            )
            for u in result.units
        ],
        current=_totals(result.current),
        draft=_totals(result.draft),
        difference=result.difference,
    )


@spec.route(
    "GET",
    "/rule-sets/<id:rule_set_id>/what-if/<year:year>/<id:month>",
    "A draft rule set over a past month against the rule set in force (nothing is stored)",
    access=access.permission(REGENCY),
    response=EknWhatIfOut,
    errors=(403, 404, 409, 422),
)
def rule_set_what_if(rule_set_id: int, year: int, month: int) -> tuple[Response, int]:
    _month(year, month)
    result = whatif.run(g.db, _actor(), rule_set_id, year, month, today=_today())
    return _json(whatif_out(result))
