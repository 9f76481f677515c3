"""The set-up over JSON beyond adding: list, change and remove offices, office hours,
shifts and duties, and the rule versions' way from draft to Perbup.

Declared on the app's one ``ApiSpec`` (``api.spec``), in their own module; the
manifest imports it. Each view calls the function the set-up pages call
(``setup``, ``worklogs``, ``rulesets``).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask import Response, g
from pydantic import BaseModel, ConfigDict, Field
from smartcity.toolkit import DbId, access

from . import rulesets, setup, worklogs
from .access import REGENCY, SELF, UNIT
from .api import EknHoursIn, EknIdOut, EknOfficeIn, _actor, _json, _month, _today, spec
from .models import Duty, Office, RuleSet, ScheduleRule, ScheduleRuleVersion, ShiftAssignment


class EknOfficeOut(BaseModel):
    id: int
    org_unit_id: int
    name: str
    latitude: float
    longitude: float
    radius_m: int
    polygon: list[list[float]] | None


class EknOfficeList(BaseModel):
    offices: list[EknOfficeOut]


class EknHoursEarlier(BaseModel):
    """What the rule read on the days before ``until`` (a change made from that day)."""

    until: date
    weekdays: list[int]
    start: time
    end: time


class EknHoursOut(BaseModel):
    id: int
    org_unit_id: int | None
    name: str
    weekdays: list[int]
    start: time
    end: time
    valid_from: date | None
    valid_to: date | None
    earlier: list[EknHoursEarlier] = []


class EknHoursChange(EknHoursIn):
    #: From this day on the new days and times hold; the days before keep theirs.
    #: Absent: the change corrects the current hours, on every day no earlier change kept.
    effective_from: date | None = None


class EknHoursList(BaseModel):
    hours: list[EknHoursOut]


class EknShiftOut(BaseModel):
    id: int
    staff_id: int
    day: date
    start: time
    end: time


class EknShiftList(BaseModel):
    shifts: list[EknShiftOut]


class EknDutyOut(BaseModel):
    id: int
    org_unit_id: int
    name: str
    standard_minutes: int
    output_unit: str
    is_active: bool


class EknDutyList(BaseModel):
    duties: list[EknDutyOut]


class EknDutyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=300)
    standard_minutes: int = Field(ge=1, le=1440)
    output_unit: str = Field(max_length=60)
    is_active: bool = True


class EknRuleSetSummary(BaseModel):
    id: int
    name: str
    effective_from: date
    status: str
    created_by: str
    created_at: datetime


class EknRuleSetList(BaseModel):
    rule_sets: list[EknRuleSetSummary]
    in_force_id: int | None


class EknRuleSetOut(EknRuleSetSummary):
    rules: dict[str, Any]


class EknDraftIn(BaseModel):
    """A draft's rules as a copy of a version (``from_id``; none: the one in force)."""

    model_config = ConfigDict(extra="forbid")

    from_id: DbId | None = None


class EknDraftEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=200)
    effective_from: date
    rules: dict[str, Any]


class EknPublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    perbup: str = Field(max_length=200)
    effective_from: date


def office_out(o: Office) -> EknOfficeOut:
    return EknOfficeOut(
        id=o.id,
        org_unit_id=o.org_unit_id,
        name=o.name,
        latitude=o.latitude,
        longitude=o.longitude,
        radius_m=o.radius_m,
        polygon=o.polygon,
    )


def hours_out(r: ScheduleRule, earlier: list[ScheduleRuleVersion] | None = None) -> EknHoursOut:
    return EknHoursOut(
        earlier=[
            EknHoursEarlier(
                until=v.until, weekdays=list(v.weekdays), start=v.start_time, end=v.end_time
            )
            for v in earlier or []
        ],
        id=r.id,
        org_unit_id=r.org_unit_id,
        name=r.name,
        weekdays=list(r.weekdays),
        start=r.start_time,
        end=r.end_time,
        valid_from=r.valid_from,
        valid_to=r.valid_to,
    )


def shift_out(s: ShiftAssignment) -> EknShiftOut:
    return EknShiftOut(id=s.id, staff_id=s.staff_id, day=s.day, start=s.start_time, end=s.end_time)


def duty_out(d: Duty) -> EknDutyOut:
    return EknDutyOut(
        id=d.id,
        org_unit_id=d.org_unit_id,
        name=d.name,
        standard_minutes=d.standard_minutes,
        output_unit=d.output_unit,
        is_active=d.is_active,
    )


def summary_out(r: RuleSet) -> EknRuleSetSummary:
    return EknRuleSetSummary(
        id=r.id,
        name=r.name,
        effective_from=r.effective_from,
        status=r.status,
        created_by=r.created_by,
        created_at=r.created_at,
    )


def rule_set_out(r: RuleSet) -> EknRuleSetOut:
    return EknRuleSetOut(**summary_out(r).model_dump(), rules=r.rules)


# --------------------------------------------------------------------------- offices


@spec.route(
    "GET",
    "/offices",
    "The offices of the units I manage, with their geofences",
    access=access.permission(UNIT),
    response=EknOfficeList,
)
def office_list() -> tuple[Response, int]:
    rows = setup.offices_for(g.db, _actor())
    return _json(EknOfficeList(offices=[office_out(o) for o, _u in rows]))


@spec.route(
    "PUT",
    "/offices/<id:office_id>",
    "Change an office: its name, unit, centre and radius, or its drawn polygon",
    access=access.permission(UNIT),
    body=EknOfficeIn,
    response=EknOfficeOut,
    errors=(403, 404, 422),
)
def office_update(body: EknOfficeIn, office_id: int) -> tuple[Response, int]:
    office = setup.update_office(g.db, _actor(), office_id, **body.model_dump())
    return _json(office_out(office))


@spec.route(
    "DELETE",
    "/offices/<id:office_id>",
    "Remove an office no punch was placed at",
    access=access.permission(UNIT),
    response=EknIdOut,
    errors=(403, 404, 409),
)
def office_delete(office_id: int) -> tuple[Response, int]:
    setup.remove_office(g.db, _actor(), office_id)
    return _json(EknIdOut(id=office_id))


# --------------------------------------------------------------------------- hours


@spec.route(
    "GET",
    "/hours",
    "Office hours: the regency's own and those of the units I manage",
    access=access.permission(UNIT),
    response=EknHoursList,
)
def hours_list() -> tuple[Response, int]:
    rows = setup.hours_for(g.db, _actor())
    earlier = setup.hours_histories(g.db, [r.id for r, _u in rows])
    return _json(EknHoursList(hours=[hours_out(r, earlier.get(r.id)) for r, _u in rows]))


@spec.route(
    "PUT",
    "/hours/<id:rule_id>",
    "Change office hours: their unit, name, days, times and dates (the whole rule); with "
    "effective_from, new days and times hold from that day and the days before keep theirs",
    access=access.permission(UNIT),
    body=EknHoursChange,
    response=EknHoursOut,
    errors=(403, 404, 409, 422),
)
def hours_update(body: EknHoursChange, rule_id: int) -> tuple[Response, int]:
    rule = setup.update_schedule_rule(g.db, _actor(), rule_id, **body.model_dump())
    return _json(hours_out(rule, setup.hours_history(g.db, rule.id)))


@spec.route(
    "DELETE",
    "/hours/<id:rule_id>",
    "Remove office hours (the regency keeps one undated rule of its own)",
    access=access.permission(UNIT),
    response=EknIdOut,
    errors=(403, 404, 409),
)
def hours_delete(rule_id: int) -> tuple[Response, int]:
    setup.remove_schedule_rule(g.db, _actor(), rule_id)
    return _json(EknIdOut(id=rule_id))


# --------------------------------------------------------------------------- shifts


@spec.route(
    "GET",
    "/units/<id:org_unit_id>/shifts/<year:year>/<id:month>",
    "The shifts of a unit's people in a month",
    access=access.permission(UNIT),
    response=EknShiftList,
    errors=(403, 404, 422),
)
def shift_list(org_unit_id: int, year: int, month: int) -> tuple[Response, int]:
    _month(year, month)
    rows = setup.shifts_of(g.db, _actor(), org_unit_id, year, month)
    return _json(EknShiftList(shifts=[shift_out(s) for s, _p in rows]))


@spec.route(
    "DELETE",
    "/shifts/<id:shift_id>",
    "Remove a person's shift (the day follows office hours again)",
    access=access.permission(UNIT),
    response=EknIdOut,
    errors=(403, 404, 409),
)
def shift_delete(shift_id: int) -> tuple[Response, int]:
    setup.remove_shift(g.db, _actor(), shift_id)
    return _json(EknIdOut(id=shift_id))


# --------------------------------------------------------------------------- duties


@spec.route(
    "GET",
    "/units/<id:org_unit_id>/duties",
    "A unit's duty list (its own people see the active duties; its admins every duty)",
    access=access.permission(SELF, UNIT),
    response=EknDutyList,
    errors=(403, 404),
)
def duty_list(org_unit_id: int) -> tuple[Response, int]:
    duties = worklogs.duties_of(g.db, _actor(), org_unit_id)
    return _json(EknDutyList(duties=[duty_out(d) for d in duties]))


@spec.route(
    "PUT",
    "/duties/<id:duty_id>",
    "Change a duty's name, standard minutes and output unit, or retire it",
    access=access.permission(UNIT),
    body=EknDutyUpdate,
    response=EknDutyOut,
    errors=(403, 404, 422),
)
def duty_update(body: EknDutyUpdate, duty_id: int) -> tuple[Response, int]:
    duty = worklogs.update_duty(g.db, _actor(), duty_id, **body.model_dump())
    return _json(duty_out(duty))


# --------------------------------------------------------------------------- rule versions


@spec.route(
    "GET",
    "/rule-sets",
    "Every TPP rule version (drafts too) and the one in force this month",
    access=access.permission(REGENCY),
    response=EknRuleSetList,
)
def rule_set_list() -> tuple[Response, int]:
    current = rulesets.in_force(g.db, _today())
    return _json(
        EknRuleSetList(
            rule_sets=[summary_out(r) for r in rulesets.versions(g.db)],
            in_force_id=current.id if current is not None else None,
        )
    )


@spec.route(
    "GET",
    "/rule-sets/<id:rule_set_id>",
    "A TPP rule version with every rule",
    access=access.permission(REGENCY),
    response=EknRuleSetOut,
    errors=(403, 404),
)
def rule_set_get(rule_set_id: int) -> tuple[Response, int]:
    return _json(rule_set_out(rulesets.get(g.db, rule_set_id)))


@spec.route(
    "POST",
    "/rule-sets/drafts",
    "Start a draft from a rule version (by default the one in force)",
    access=access.permission(REGENCY),
    body=EknDraftIn,
    response=EknRuleSetOut,
    status=201,
    errors=(403, 404, 409),
)
def rule_set_draft(body: EknDraftIn) -> tuple[Response, int]:
    draft = rulesets.draft_from(g.db, _actor(), body.from_id, today=_today())
    return _json(rule_set_out(draft), 201)


@spec.route(
    "PUT",
    "/rule-sets/<id:rule_set_id>",
    "Change a draft's name, month and rules (a published version never changes)",
    access=access.permission(REGENCY),
    body=EknDraftEdit,
    response=EknRuleSetOut,
    errors=(403, 404, 409, 422),
)
def rule_set_edit(body: EknDraftEdit, rule_set_id: int) -> tuple[Response, int]:
    draft = rulesets.update_draft(g.db, _actor(), rule_set_id, **body.model_dump())
    return _json(rule_set_out(draft))


@spec.route(
    "POST",
    "/rule-sets/<id:rule_set_id>/publish",
    "Publish a draft as the version of a Perbup, in force from a month",
    access=access.permission(REGENCY),
    body=EknPublishIn,
    response=EknRuleSetOut,
    errors=(403, 404, 409, 422),
)
def rule_set_publish(body: EknPublishIn, rule_set_id: int) -> tuple[Response, int]:
    published = rulesets.publish(
        g.db, _actor(), rule_set_id, perbup=body.perbup, effective_from=body.effective_from
    )
    return _json(rule_set_out(published))


@spec.route(
    "DELETE",
    "/rule-sets/<id:rule_set_id>",
    "Discard a draft",
    access=access.permission(REGENCY),
    response=EknIdOut,
    errors=(403, 404, 409),
)
def rule_set_discard(rule_set_id: int) -> tuple[Response, int]:
    rulesets.discard(g.db, _actor(), rule_set_id)
    return _json(EknIdOut(id=rule_set_id))
