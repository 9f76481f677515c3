"""Offices, office hours and shifts: what a unit (or the regency) sets up, listed, added,
changed and removed by the same functions for the API and the pages.

A unit admin manages the offices, hours and shifts of their units; BKPSDM's admin
those of every unit and the regency's own hours (no unit: the default, Ramadan).
What a person does not manage is refused (403), an id that names nothing is a
404, whatever the id. Removing an office that punches point at, or the regency's
last undated hours, is refused (409): the records would lose what they were
measured against. A shift of a month locked for payment no longer changes.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from smartcity.toolkit import Conflict, InvalidInput, NotFound, OrgUnit, Staff, record_audit
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .access import REGENCY, Actor
from .attendance import redate_after_shift
from .eventmodels import Event
from .messages import IN_USE, LAST_GENERAL_HOURS, MONTH_LOCKED, M
from .models import Office, Punch, ScheduleRule, ScheduleRuleVersion, ShiftAssignment
from .people import lock_person, require_unit
from .periods import FIRST_YEAR, LAST_YEAR, is_locked, month_end
from .schedule import Shift, shift_span

#: The most corners a drawn geofence may have.
MAX_CORNERS = 100


def _office_problems(
    name: str, latitude: float, longitude: float, radius_m: int, polygon: list[list[float]] | None
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not -90 <= latitude <= 90:
        problems["latitude"] = M("a latitude from -90 to 90")
    if not -180 <= longitude <= 180:
        problems["longitude"] = M("a longitude from -180 to 180")
    if not 10 <= radius_m <= 5000:
        problems["radius_m"] = M("10 to 5000 metres")
    if polygon is not None and (
        not 3 <= len(polygon) <= MAX_CORNERS
        or any(len(p) != 2 or not -90 <= p[0] <= 90 or not -180 <= p[1] <= 180 for p in polygon)
    ):
        problems["polygon"] = M(
            "3 to %(count)s corners, each a latitude and a longitude", count=MAX_CORNERS
        )
    if not name.strip() or len(name) > 200:
        problems["name"] = M("1 to %(count)s characters", count=200)
    return problems


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
    problems = _office_problems(name, latitude, longitude, radius_m, polygon)
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


def office_of(session: Session, actor: Actor, office_id: int) -> Office:
    """The office ``office_id`` if the actor manages its unit (404, else 403)."""
    office = session.get(Office, office_id)
    if office is None:
        raise NotFound(M("no office %(office_id)s", office_id=office_id), {"office_id": "unknown"})
    actor.require_unit(office.org_unit_id)
    return office


def offices_for(session: Session, actor: Actor) -> list[tuple[Office, OrgUnit]]:
    """The offices of the units the actor manages (every unit's for BKPSDM)."""
    query = (
        select(Office, OrgUnit)
        .join(OrgUnit, OrgUnit.id == Office.org_unit_id)
        .order_by(OrgUnit.code, Office.name, Office.id)
    )
    if actor.unit_ids is not None:
        query = query.where(Office.org_unit_id.in_(sorted(actor.unit_ids)))
    return [(o, u) for o, u in session.execute(query.limit(2000))]


def update_office(
    session: Session,
    actor: Actor,
    office_id: int,
    *,
    org_unit_id: int,
    name: str,
    latitude: float,
    longitude: float,
    radius_m: int,
    polygon: list[list[float]] | None,
) -> Office:
    """Move or redraw an office's fence (and maybe give it to another unit one manages)."""
    office = office_of(session, actor, office_id)
    require_unit(session, actor, org_unit_id)
    problems = _office_problems(name, latitude, longitude, radius_m, polygon)
    if problems:
        raise InvalidInput(M("the office cannot be changed"), problems)
    before = {"unit": office.org_unit_id, "lat": office.latitude, "lon": office.longitude}
    office.org_unit_id, office.name = org_unit_id, name.strip()
    office.latitude, office.longitude, office.radius_m = latitude, longitude, radius_m
    office.polygon = polygon
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.office_edit",
        entity="office",
        entity_id=office.id,
        before=before,
        after={"unit": org_unit_id, "lat": latitude, "lon": longitude, "radius_m": radius_m},
    )
    return office


def remove_office(session: Session, actor: Actor, office_id: int) -> None:
    """Remove an office no punch was placed at and no event is held at (the punches and
    the events, with their check-ins, keep pointing at theirs)."""
    office = office_of(session, actor, office_id)
    used = session.scalar(select(Punch.id).where(Punch.office_id == office.id).limit(1))
    if used is not None:
        raise Conflict(
            M("punches were placed at this office; change its fence instead"),
            {"office_id": IN_USE},
        )
    held = session.scalar(select(Event.id).where(Event.office_id == office.id).limit(1))
    if held is not None:
        raise Conflict(
            M(
                "an assembly or ceremony is held at this office (no. %(id)s); "
                "change its fence instead",
                id=held,
            ),
            {"office_id": IN_USE},
        )
    name = office.name
    session.execute(delete(Office).where(Office.id == office.id))
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.office_remove",
        entity="office",
        entity_id=office_id,
        before={"name": name},
    )


def _hours_owner(session: Session, actor: Actor, org_unit_id: int | None) -> None:
    """The regency's own hours (no unit) need BKPSDM; a unit's, one who manages it."""
    if org_unit_id is None:
        actor.require(REGENCY)
    else:
        require_unit(session, actor, org_unit_id)


def _hours_problems(
    name: str,
    *,
    weekdays: list[int],
    start: time,
    end: time,
    valid_from: date | None,
    valid_to: date | None,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not weekdays or not set(weekdays) <= set(range(7)):
        problems["weekdays"] = M("days from 0 (Monday) to 6 (Sunday)")
    if end <= start:
        problems["end"] = M("after the start")
    if valid_from and valid_to and valid_to < valid_from:
        problems["valid_to"] = M("on or after the first day")
    if not name.strip() or len(name) > 200:
        problems["name"] = M("1 to %(count)s characters", count=200)
    return problems


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
    _hours_owner(session, actor, org_unit_id)
    problems = _hours_problems(
        name, weekdays=weekdays, start=start, end=end, valid_from=valid_from, valid_to=valid_to
    )
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


def schedule_rule_of(session: Session, actor: Actor, rule_id: int) -> ScheduleRule:
    """Office hours the actor may change: 404 if unknown, 403 if another unit's."""
    rule = session.get(ScheduleRule, rule_id)
    if rule is None:
        raise NotFound(M("no office hours %(rule_id)s", rule_id=rule_id), {"rule_id": "unknown"})
    if rule.org_unit_id is None:
        actor.require(REGENCY)
    else:
        actor.require_unit(rule.org_unit_id)
    return rule


def _hours_summary(rule: ScheduleRule) -> dict[str, object]:
    return {
        "unit": rule.org_unit_id,
        "name": rule.name,
        "weekdays": list(rule.weekdays),
        "start": rule.start_time.isoformat("minutes"),
        "end": rule.end_time.isoformat("minutes"),
        "valid_from": rule.valid_from.isoformat() if rule.valid_from else None,
        "valid_to": rule.valid_to.isoformat() if rule.valid_to else None,
    }


def update_schedule_rule(
    session: Session,
    actor: Actor,
    rule_id: int,
    *,
    org_unit_id: int | None,
    name: str,
    weekdays: list[int],
    start: time,
    end: time,
    valid_from: date | None,
    valid_to: date | None,
    effective_from: date | None = None,
) -> ScheduleRule:
    """Change office hours (their days, times, dates, name, or the unit they are for,
    among those one manages); the regency keeps at least one undated rule of its own.

    With ``effective_from``, new days or times hold from that day on and the days
    before it keep the ones they were worked under (``ScheduleRuleVersion``): a new
    Perbup's hours from next month, or a change an open month is recomputed after.
    Without it the change corrects the current hours (a typo): every day no earlier
    change kept follows them from the next computation on. Either way a month locked
    for payment keeps its statements.
    The unit, the name and the rule's own dates always change for every day."""
    rule = schedule_rule_of(session, actor, rule_id)
    _hours_owner(session, actor, org_unit_id)
    problems = _hours_problems(
        name, weekdays=weekdays, start=start, end=end, valid_from=valid_from, valid_to=valid_to
    )
    if effective_from is not None and not FIRST_YEAR <= effective_from.year <= LAST_YEAR:
        problems["effective_from"] = M(
            "a year from %(first)s to %(last)s", first=FIRST_YEAR, last=LAST_YEAR
        )
    if problems:
        raise InvalidInput(M("the office hours cannot be changed"), problems)
    regency_default = rule.org_unit_id is None and rule.valid_from is None and rule.valid_to is None
    stays_default = org_unit_id is None and valid_from is None and valid_to is None
    if regency_default and not stays_default and _last_regency_default(session, rule.id):
        raise Conflict(
            M("the regency keeps at least one rule of office hours without dates"),
            {"valid_from" if org_unit_id is None else "org_unit_id": LAST_GENERAL_HOURS},
        )
    before = _hours_summary(rule)
    new_days = sorted(set(weekdays))
    changed = (list(rule.weekdays), rule.start_time, rule.end_time) != (new_days, start, end)
    if changed and effective_from is not None:
        _keep_earlier_hours(session, rule, effective_from)
    rule.org_unit_id, rule.name = org_unit_id, name.strip()
    rule.weekdays = new_days
    rule.start_time, rule.end_time = start, end
    rule.valid_from, rule.valid_to = valid_from, valid_to
    session.flush()
    after = _hours_summary(rule)
    if changed and effective_from is not None:
        after["effective_from"] = effective_from.isoformat()
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.hours_edit",
        entity="schedule_rule",
        entity_id=rule.id,
        before=before,
        after=after,
    )
    return rule


def _keep_earlier_hours(session: Session, rule: ScheduleRule, effective_from: date) -> None:
    """Before ``rule`` changes from ``effective_from`` on, keep what the days before it
    read: what the day before read stays theirs up to ``effective_from``; a reading
    kept for later days by an earlier change "from" a later day is overtaken by this one."""
    held = session.scalars(
        select(ScheduleRuleVersion)
        .where(ScheduleRuleVersion.rule_id == rule.id, ScheduleRuleVersion.until >= effective_from)
        .order_by(ScheduleRuleVersion.until)
        .limit(1)
    ).first()
    reading = (
        (list(held.weekdays), held.start_time, held.end_time)
        if held is not None
        else (list(rule.weekdays), rule.start_time, rule.end_time)
    )
    already = held is not None and held.until == effective_from
    session.execute(
        delete(ScheduleRuleVersion).where(
            ScheduleRuleVersion.rule_id == rule.id, ScheduleRuleVersion.until > effective_from
        )
    )
    if already or (rule.valid_from is not None and effective_from <= rule.valid_from):
        return  # the days before keep their own reading, or none is the rule's
    days, start, end = reading
    session.add(
        ScheduleRuleVersion(
            rule_id=rule.id, until=effective_from, weekdays=days, start_time=start, end_time=end
        )
    )
    session.flush()


def hours_histories(session: Session, rule_ids: list[int]) -> dict[int, list[ScheduleRuleVersion]]:
    """What each rule read before its changes, the oldest first."""
    found: dict[int, list[ScheduleRuleVersion]] = {}
    if not rule_ids:
        return found
    for v in session.scalars(
        select(ScheduleRuleVersion)
        .where(ScheduleRuleVersion.rule_id.in_(rule_ids))
        .order_by(ScheduleRuleVersion.until)
    ):
        found.setdefault(v.rule_id, []).append(v)
    return found


def hours_history(session: Session, rule_id: int) -> list[ScheduleRuleVersion]:
    """What a rule read before its changes, the oldest first (its page shows it)."""
    return hours_histories(session, [rule_id]).get(rule_id, [])


def _last_regency_default(session: Session, rule_id: int) -> bool:
    """Whether ``rule_id`` is the regency's only undated rule of its own."""
    others = session.scalar(
        select(ScheduleRule.id).where(
            ScheduleRule.org_unit_id.is_(None),
            ScheduleRule.valid_from.is_(None),
            ScheduleRule.valid_to.is_(None),
            ScheduleRule.id != rule_id,
        )
    )
    return others is None


def hours_for(session: Session, actor: Actor) -> list[tuple[ScheduleRule, OrgUnit | None]]:
    """The regency's own hours, then those of the units the actor manages."""
    query = (
        select(ScheduleRule, OrgUnit)
        .outerjoin(OrgUnit, OrgUnit.id == ScheduleRule.org_unit_id)
        .order_by(
            OrgUnit.code.nulls_first(), ScheduleRule.valid_from.nulls_first(), ScheduleRule.id
        )
    )
    if actor.unit_ids is not None:
        query = query.where(
            ScheduleRule.org_unit_id.is_(None)
            | ScheduleRule.org_unit_id.in_(sorted(actor.unit_ids))
        )
    return [(r, u) for r, u in session.execute(query.limit(2000))]


def remove_schedule_rule(session: Session, actor: Actor, rule_id: int) -> None:
    """Remove office hours; the regency keeps at least one undated rule of its own."""
    rule = schedule_rule_of(session, actor, rule_id)
    undated = rule.valid_from is None and rule.valid_to is None
    if rule.org_unit_id is None and undated and _last_regency_default(session, rule.id):
        raise Conflict(
            M("the regency keeps at least one rule of office hours without dates"),
            {"rule_id": LAST_GENERAL_HOURS},
        )
    name = rule.name
    session.execute(delete(ScheduleRule).where(ScheduleRule.id == rule.id))
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.hours_remove",
        entity="schedule_rule",
        entity_id=rule_id,
        before={"unit": rule.org_unit_id, "name": name},
    )


def _unlocked(session: Session, day: date) -> None:
    if is_locked(session, day.year, day.month):
        raise Conflict(
            M("%(month)s is locked; its TPP no longer changes", month=day),
            {"day": MONTH_LOCKED},
        )


def shifts_of(
    session: Session, actor: Actor, unit_id: int, year: int, month: int
) -> list[tuple[ShiftAssignment, Staff]]:
    """The shifts of a unit's people in a month (a unit the actor manages)."""
    require_unit(session, actor, unit_id)
    rows = session.execute(
        select(ShiftAssignment, Staff)
        .join(Staff, Staff.id == ShiftAssignment.staff_id)
        .where(
            Staff.unit_id == unit_id,
            ShiftAssignment.day.between(date(year, month, 1), month_end(year, month)),
        )
        .order_by(ShiftAssignment.day, Staff.name, ShiftAssignment.id)
        .limit(5000)
    )
    return [(shift, person) for shift, person in rows]


def remove_shift(session: Session, actor: Actor, shift_id: int) -> None:
    """Remove a person's shift: that day follows the unit's office hours again (and a
    check-out of the morning after is that morning's own again)."""
    shift = session.get(ShiftAssignment, shift_id)
    if shift is None:
        raise NotFound(M("no shift %(shift_id)s", shift_id=shift_id), {"shift_id": "unknown"})
    person = lock_person(session, shift.staff_id)
    actor.require_unit(person.unit_id)
    _unlocked(session, shift.day)
    day, before = shift.day, _shift_summary(shift)
    session.execute(delete(ShiftAssignment).where(ShiftAssignment.id == shift.id))
    redate_after_shift(session, person.id, day)
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.shift_remove",
        entity="staff",
        entity_id=person.id,
        before=before,
    )


def _no_overlap(session: Session, staff_id: int, day: date, start: time, end: time) -> None:
    """Refuse a shift that overlaps the person's shift of the day before (a night still
    running) or of the day after: nobody works two shifts at once, and the punches
    between could not tell which one they were for (409, naming the other shift)."""
    begins, ends = shift_span(Shift(day, start, end))
    for other in session.scalars(
        select(ShiftAssignment).where(
            ShiftAssignment.staff_id == staff_id,
            ShiftAssignment.day.in_([day - timedelta(days=1), day + timedelta(days=1)]),
        )
    ):
        other_begins, other_ends = shift_span(Shift(other.day, other.start_time, other.end_time))
        if begins < other_ends and other_begins < ends:
            raise Conflict(
                M(
                    "this shift overlaps the shift of %(day)s (%(start)s-%(end)s)",
                    day=other.day,
                    start=other.start_time.strftime("%H.%M"),
                    end=other.end_time.strftime("%H.%M"),
                ),
                {"start": M("overlaps")},
            )


def set_shift(
    session: Session, actor: Actor, *, staff_id: int, day: date, start: time, end: time
) -> ShiftAssignment:
    """A person's shift on a day (an end before the start: it ends the next morning; an
    end equal to the start: 24 hours, the fire brigade's day on duty).

    Under the person's row lock, as their punches are: the night's check-out already
    recorded is moved to the night's day (:func:`~.attendance.redate_after_shift`)."""
    person = lock_person(session, staff_id)
    actor.require_unit(person.unit_id)
    if not FIRST_YEAR <= day.year <= LAST_YEAR:  # the calendar and the cutoff end there
        raise InvalidInput(
            M("the shift cannot be saved"),
            {"day": M("a year from %(first)s to %(last)s", first=FIRST_YEAR, last=LAST_YEAR)},
        )
    _unlocked(session, day)
    _no_overlap(session, staff_id, day, start, end)
    shift = session.query(ShiftAssignment).filter_by(staff_id=staff_id, day=day).one_or_none()
    before = None if shift is None else _shift_summary(shift)
    if shift is None:
        shift = ShiftAssignment(staff_id=staff_id, day=day, start_time=start, end_time=end)
        session.add(shift)
    else:
        shift.start_time, shift.end_time = start, end
    session.flush()
    redate_after_shift(session, staff_id, day)
    after = _shift_summary(shift)
    if before != after:  # the same hours saved again change nothing worth a line
        record_audit(
            session,
            actor=actor.label,
            action="ekinerja.shift" if before is None else "ekinerja.shift_edit",
            entity="staff",
            entity_id=person.id,
            before=before,
            after=after,
        )
    return shift


def _shift_summary(shift: ShiftAssignment) -> dict[str, object]:
    """A shift as its audit line shows it: the day and its hours. A shift decides
    which day a punch counts for and what lateness is measured against, so who set
    which hours, and what they were before, is part of every cut it explains."""
    return {
        "day": shift.day.isoformat(),
        "start": shift.start_time.strftime("%H:%M"),
        "end": shift.end_time.strftime("%H:%M"),
    }
