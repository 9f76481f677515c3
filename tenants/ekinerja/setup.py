"""Offices, office hours, shifts and TPP rule versions: what a unit or the regency sets up."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from pydantic import ValidationError
from smartcity.toolkit import InvalidInput, record_audit
from sqlalchemy.orm import Session

from .access import REGENCY, Actor
from .messages import M
from .models import Office, RuleSet, ScheduleRule, ShiftAssignment
from .people import require_unit, staff_or_404
from .rules import TppRules


def add_office(
    session: Session,
    actor: Actor,
    *,
    org_unit_id: int,
    name: str,
    latitude: float,
    longitude: float,
    radius_m: int,
    polygon: list[list[float]] | None,
) -> Office:
    require_unit(session, actor, org_unit_id)
    problems: dict[str, str] = {}
    if not -90 <= latitude <= 90 or not -180 <= longitude <= 180:
        problems["latitude"] = "a WGS-84 coordinate"
    if not 10 <= radius_m <= 5000:
        problems["radius_m"] = "10 to 5000 metres"
    if polygon is not None and (
        not 3 <= len(polygon) <= 100
        or any(len(p) != 2 or not -90 <= p[0] <= 90 or not -180 <= p[1] <= 180 for p in polygon)
    ):
        problems["polygon"] = "3 to 100 [latitude, longitude] pairs"
    if not name.strip() or len(name) > 200:
        problems["name"] = "1 to 200 characters"
    if problems:
        raise InvalidInput(M("the office cannot be added"), problems)
    office = Office(
        org_unit_id=org_unit_id,
        name=name.strip(),
        latitude=latitude,
        longitude=longitude,
        radius_m=radius_m,
        polygon=polygon,
    )
    session.add(office)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.office",
        entity="office",
        entity_id=office.id,
        after={"unit": org_unit_id, "radius_m": radius_m},
    )
    return office


def add_schedule_rule(
    session: Session,
    actor: Actor,
    *,
    org_unit_id: int | None,
    name: str,
    weekdays: list[int],
    start: time,
    end: time,
    valid_from: date | None,
    valid_to: date | None,
) -> ScheduleRule:
    """Office hours; the regency's own (no unit), Ramadan hours for instance, need BKPSDM."""
    if org_unit_id is None:
        actor.require(REGENCY)
    else:
        require_unit(session, actor, org_unit_id)
    problems: dict[str, str] = {}
    if not weekdays or not set(weekdays) <= set(range(7)):
        problems["weekdays"] = "0 (Monday) ... 6 (Sunday)"
    if end <= start:
        problems["end"] = "after the start"
    if valid_from and valid_to and valid_to < valid_from:
        problems["valid_to"] = "on or after valid_from"
    if not name.strip() or len(name) > 200:
        problems["name"] = "1 to 200 characters"
    if problems:
        raise InvalidInput(M("the office hours cannot be added"), problems)
    rule = ScheduleRule(
        org_unit_id=org_unit_id,
        name=name.strip(),
        weekdays=sorted(set(weekdays)),
        start_time=start,
        end_time=end,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    session.add(rule)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.hours",
        entity="schedule_rule",
        entity_id=rule.id,
        after={"unit": org_unit_id, "name": rule.name},
    )
    return rule


def set_shift(
    session: Session, actor: Actor, *, staff_id: int, day: date, start: time, end: time
) -> ShiftAssignment:
    person = staff_or_404(session, staff_id)
    actor.require_unit(person.unit_id)
    if start == end:
        raise InvalidInput(M("a shift needs different start and end times"), {"end": "differs"})
    shift = session.query(ShiftAssignment).filter_by(staff_id=staff_id, day=day).one_or_none()
    if shift is None:
        shift = ShiftAssignment(staff_id=staff_id, day=day, start_time=start, end_time=end)
        session.add(shift)
    else:
        shift.start_time, shift.end_time = start, end
    session.flush()
    return shift


def add_rule_set(
    session: Session,
    actor: Actor,
    *,
    name: str,
    effective_from: date,
    status: str,
    rules: dict[str, Any],
) -> RuleSet:
    """A new rule version (rule sets are never edited: a new Perbup is a new version)."""
    actor.require(REGENCY)
    if status not in ("draft", "active"):
        raise InvalidInput(M("the rule set cannot be saved"), {"status": "draft or active"})
    if not name.strip() or len(name) > 200:
        raise InvalidInput(M("the rule set cannot be saved"), {"name": "1 to 200 characters"})
    if effective_from.day != 1:
        raise InvalidInput(
            M("the rule set cannot be saved"), {"effective_from": "the first of a month"}
        )
    try:
        parsed = TppRules.model_validate(rules)
    except ValidationError as error:
        fields = {"rules." + ".".join(str(p) for p in e["loc"]): e["msg"] for e in error.errors()}
        raise InvalidInput(M("the rule set cannot be saved"), fields) from error
    rule_set = RuleSet(
        name=name.strip(),
        effective_from=effective_from,
        status=status,
        rules=parsed.model_dump(mode="json"),
        created_by=actor.label,
    )
    session.add(rule_set)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.rule_set",
        entity="rule_set",
        entity_id=rule_set.id,
        after={"name": rule_set.name, "status": status},
    )
    return rule_set
