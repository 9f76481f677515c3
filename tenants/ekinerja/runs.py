"""The monthly TPP run: facts from the records, statements from the rules, stored.

A run replaces the month's statements until the month is locked; then it is
refused, so a paid month never changes. The rule version in force is the
latest active rule set whose ``effective_from`` is on or before the month's
first day; its id is kept on the month, so every line names its version.
Everything is read in a few set queries, so a regency of 5,000 staff runs in
seconds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from smartcity.toolkit import Conflict, NotFound, OrgUnit, Staff, record_audit, working_calendar
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from . import schedule, tpp
from .absences import approved_days
from .access import Actor
from .attendance import zone
from .eventmodels import Event, EventAbsence
from .messages import M
from .models import (
    Absence,
    AttendanceDay,
    RuleSet,
    ScheduleRule,
    ShiftAssignment,
    TppLine,
    TppMonth,
    TppStatement,
)
from .periods import month_end
from .rules import TppRules
from .setup import hours_histories
from .tppmodels import Sanction, Skp
from .worklogs import approved_minutes_by_staff


def rule_set_for(session: Session, first_day: date) -> RuleSet:
    found = session.scalar(
        select(RuleSet)
        .where(RuleSet.status == "active", RuleSet.effective_from <= first_day)
        .order_by(RuleSet.effective_from.desc(), RuleSet.id.desc())
        .limit(1)
    )
    if found is None:
        raise Conflict(M("no TPP rule set is in force for this month"), {"rule_set": "missing"})
    return found


def _schedule_rules(session: Session) -> list[schedule.ScheduleRule]:
    stored = list(session.scalars(select(ScheduleRule)))
    kept = hours_histories(session, [r.id for r in stored])
    return [
        schedule.ScheduleRule(
            r.id,
            r.org_unit_id,
            frozenset(r.weekdays),
            r.start_time,
            r.end_time,
            r.valid_from,
            r.valid_to,
            tuple(
                schedule.Earlier(v.until, frozenset(v.weekdays), v.start_time, v.end_time)
                for v in kept.get(r.id, ())
            ),
        )
        for r in stored
    ]


def _chains(session: Session) -> Callable[[int], list[int]]:
    parents: dict[int, int | None] = dict(
        session.execute(select(OrgUnit.id, OrgUnit.parent_id)).all()
    )

    def chain(unit_id: int) -> list[int]:
        out: list[int] = []
        current: int | None = unit_id
        while current is not None and current not in out:
            out.append(current)
            current = parents.get(current)
        return out

    return chain


class ExpectedHours:
    """The hours expected of each person on each day between two dates, as aware times in
    the regency's zone: their shift that day, else their unit chain's office hours on the
    working calendar (worked out once per unit and day, not once per person and day).
    The run, the pages and the dashboard all read expected hours through this."""

    def __init__(
        self, session: Session, first: date, last: date, staff_ids: list[int] | None = None
    ) -> None:
        self.calendar = working_calendar(session, first, last)
        self.rules = _schedule_rules(session)
        self.chain = _chains(session)
        self.tz = zone(session)
        shifts_q = select(ShiftAssignment).where(ShiftAssignment.day.between(first, last))
        if staff_ids is not None:
            shifts_q = shifts_q.where(ShiftAssignment.staff_id.in_(staff_ids))
        #: Each person's shifts, by (staff id, day).
        self.shifts: dict[tuple[int, date], schedule.Shift] = {
            (s.staff_id, s.day): schedule.Shift(s.day, s.start_time, s.end_time)
            for s in session.scalars(shifts_q)
        }
        self._by_unit: dict[tuple[int, date], schedule.Expected | None] = {}
        #: The units that have hours of their own: only they decide a unit's hours.
        self._ruled = frozenset(r.org_unit_id for r in self.rules if r.org_unit_id is not None)
        self._ruled_chain: dict[int, tuple[int, ...]] = {}
        self._by_chain: dict[tuple[tuple[int, ...], date], schedule.Expected | None] = {}

    def _resolve(
        self, unit_id: int, day: date, shift: schedule.Shift | None
    ) -> schedule.Expected | None:
        return self._resolve_chain(self.chain(unit_id), day, shift)

    def _resolve_chain(
        self, chain: Sequence[int], day: date, shift: schedule.Shift | None
    ) -> schedule.Expected | None:
        expected = schedule.expected_hours(
            day,
            unit_chain=chain,
            rules=self.rules,
            calendar=self.calendar,
            shift=shift,
        )
        if expected is None:
            return None
        # Expected hours are local wall-clock times: compare them in the regency's zone.
        return schedule.Expected(
            expected.start.replace(tzinfo=self.tz),
            expected.end.replace(tzinfo=self.tz),
            expected.source,
        )

    def of_unit(self, unit_id: int, day: date) -> schedule.Expected | None:
        """The unit's hours on ``day`` (None: a day off), for anyone without a shift."""
        key = (unit_id, day)
        if key not in self._by_unit:
            # Units whose chains name the same units with hours of their own have the
            # same hours (most units have none and keep the regency's): worked out once.
            ruled = self._ruled_chain.get(unit_id)
            if ruled is None:
                ruled = tuple(u for u in self.chain(unit_id) if u in self._ruled)
                self._ruled_chain[unit_id] = ruled
            shared = (ruled, day)
            if shared not in self._by_chain:
                self._by_chain[shared] = self._resolve_chain(ruled, day, None)
            self._by_unit[key] = self._by_chain[shared]
        return self._by_unit[key]

    def __call__(self, staff_id: int, unit_id: int, day: date) -> schedule.Expected | None:
        shift = self.shifts.get((staff_id, day))
        if shift is None:
            return self.of_unit(unit_id, day)
        return self._resolve(unit_id, day, shift)


def facts_for_month(
    session: Session, year: int, month: int, as_of: date, staff_ids: list[int] | None = None
) -> dict[int, list[tpp.DayFact]]:
    """Every day fact of the month up to ``as_of``, per person."""
    first, last = date(year, month, 1), min(month_end(year, month), as_of)
    expected_for = ExpectedHours(session, first, last, staff_ids)
    people_q = select(Staff.id, Staff.unit_id).where(Staff.is_active.is_(True))
    if staff_ids is not None:
        people_q = people_q.where(Staff.id.in_(staff_ids))
    people = [(staff_id, unit_id) for staff_id, unit_id in session.execute(people_q)]
    # Only the people asked for: a page about one person or one unit reads their rows alone.
    # Plain rows, not ORM objects: a regency's month is some 100,000 day records.
    days_q = select(
        AttendanceDay.staff_id,
        AttendanceDay.day,
        AttendanceDay.id,
        AttendanceDay.check_in,
        AttendanceDay.check_out,
    ).where(AttendanceDay.day.between(first, last))
    absences_q = select(Absence).where(
        Absence.status == "approved", Absence.start_day <= last, Absence.end_day >= first
    )
    if staff_ids is not None:
        days_q = days_q.where(AttendanceDay.staff_id.in_(staff_ids))
        absences_q = absences_q.where(Absence.staff_id.in_(staff_ids))
    days: dict[tuple[int, date], tuple[int, datetime | None, datetime | None]] = {
        (staff_id, day): (record_id, check_in, check_out)
        for staff_id, day, record_id, check_in, check_out in session.execute(days_q)
    }
    absences: dict[int, list[Absence]] = defaultdict(list)
    for a in session.scalars(absences_q):
        absences[a.staff_id].append(a)
    missed = missed_events(session, first, last, staff_ids)
    facts: dict[int, list[tpp.DayFact]] = {}
    span = (
        [first + timedelta(days=i) for i in range((last - first).days + 1)] if last >= first else []
    )
    for staff_id, unit_id in people:
        covered = approved_days(absences.get(staff_id, []))
        person_facts = []
        for day in span:
            record = days.get((staff_id, day))
            excuse = covered.get(day)
            person_facts.append(
                tpp.DayFact(
                    day=day,
                    expected=expected_for(staff_id, unit_id, day),
                    check_in=record[1] if record else None,
                    check_out=record[2] if record else None,
                    record_id=record[0] if record else None,
                    excuse=tpp.Excuse(excuse.id, excuse.kind) if excuse else None,
                    missed_events=tuple(missed.get((staff_id, day), ())),
                )
            )
        facts[staff_id] = person_facts
    return facts


def missed_events(
    session: Session, first: date, last: date, staff_ids: list[int] | None = None
) -> dict[tuple[int, date], list[tpp.MissedEvent]]:
    """Who the roll marked absent from an event (not cancelled) of ``first``..``last``,
    per person and day."""
    query = (
        select(EventAbsence.staff_id, Event.day, EventAbsence.id, Event.kind)
        .join(Event, Event.id == EventAbsence.event_id)
        .where(Event.day.between(first, last), Event.cancelled_at.is_(None))
    )
    if staff_ids is not None:
        query = query.where(EventAbsence.staff_id.in_(staff_ids))
    out: dict[tuple[int, date], list[tpp.MissedEvent]] = defaultdict(list)
    for staff_id, day, absence_id, kind in session.execute(query):
        out[(staff_id, day)].append(tpp.MissedEvent(absence_id, kind))
    return out


def compute_month(
    session: Session, actor: Actor, year: int, month: int, *, today: date | None = None
) -> TppMonth:
    """Compute (or recompute) every statement of the month; refused once it is locked."""
    today = today or datetime.now(zone(session)).date()
    first = date(year, month, 1)
    if first > today:
        raise Conflict(M("this month has not started"), {"month": "future"})
    existing = session.scalar(
        select(TppMonth).where(TppMonth.year == year, TppMonth.month == month).with_for_update()
    )
    if existing is not None and existing.locked_at is not None:
        raise Conflict(M("%(month)s is locked; its TPP no longer changes", month=first))
    rule_set = rule_set_for(session, first)
    rules = TppRules.model_validate(rule_set.rules)
    as_of = min(month_end(year, month), today)
    run = existing or TppMonth(year=year, month=month)
    run.rule_set_id, run.computed_at, run.as_of = rule_set.id, datetime.now(UTC), as_of
    session.add(run)
    session.flush()
    session.execute(delete(TppStatement).where(TppStatement.month_id == run.id))
    people, results = compute_results(session, rules, year, month, as_of)
    store_statements(session, run.id, people, results)
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.tpp_run",
        entity="tpp_month",
        entity_id=run.id,
        after={"year": year, "month": month, "rule_set": rule_set.id, "people": len(results)},
    )
    return run


def compute_results(
    session: Session,
    rules: TppRules,
    year: int,
    month: int,
    as_of: date,
    *,
    staff_ids: list[int] | None = None,
) -> tuple[dict[int, Staff], dict[int, tpp.Statement]]:
    """The statements of the month under ``rules``, in memory (nothing is written):
    every active person with a position class the rules pay, or only ``staff_ids``."""
    first = date(year, month, 1)
    minutes = approved_minutes_by_staff(session, first, month_end(year, month))
    query = select(Staff).where(Staff.is_active.is_(True))
    if staff_ids is not None:
        query = query.where(Staff.id.in_(staff_ids))
    people = {
        s.id: s
        for s in session.scalars(query)
        if s.position_class is not None and s.position_class in rules.base_by_class
    }
    facts = facts_for_month(session, year, month, as_of, list(people))
    predicates = (
        predicates_for_month(session, year, month) if rules.performance_basis == "predicate" else {}
    )
    sanctions = sanctions_for_month(session, year, month, staff_ids)
    results = {
        staff_id: tpp.statement(
            base=Decimal(rules.base_by_class[person.position_class or 0]),
            rules=rules,
            facts=facts.get(staff_id, []),
            approved_minutes=minutes.get(staff_id, 0),
            predicate=predicates.get(staff_id),
            sanctions=sanctions.get(staff_id, ()),
        )
        for staff_id, person in people.items()
    }
    return people, results


def predicates_for_month(session: Session, year: int, month: int) -> dict[int, tpp.Predicate]:
    """Each person's SKP predicate whose period covers the month (the latest pulled wins)."""
    first, last = date(year, month, 1), month_end(year, month)
    rows = session.execute(
        select(Skp.staff_id, Skp.id, Skp.predicate)
        .where(Skp.period_start <= last, Skp.period_end >= first)
        .order_by(Skp.synced_at, Skp.id)
    )
    return {staff_id: tpp.Predicate(skp_id, predicate) for staff_id, skp_id, predicate in rows}


def add_months(first: date, count: int) -> date:
    """The first day of the month ``count`` months after ``first``'s."""
    index = first.year * 12 + first.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def sanction_runs_in(sanction: Sanction, month_first: date) -> bool:
    """Whether the sanction cuts the month that starts on ``month_first``: inside its
    months, and before the month its annulment took effect from."""
    if not sanction.first_month <= month_first < add_months(sanction.first_month, sanction.months):
        return False
    return sanction.annulled_from is None or month_first < sanction.annulled_from


def sanctions_for_month(
    session: Session, year: int, month: int, staff_ids: list[int] | None = None
) -> dict[int, list[tpp.Sanction]]:
    """The sanctions running in the month, per person (one query; a sanction lasts at most
    12 months, so only those that started in the 12 months up to this one are read)."""
    first = date(year, month, 1)
    query = select(Sanction).where(
        Sanction.first_month <= first, Sanction.first_month > add_months(first, -12)
    )
    if staff_ids is not None:
        query = query.where(Sanction.staff_id.in_(staff_ids))
    out: dict[int, list[tpp.Sanction]] = defaultdict(list)
    for sanction in session.scalars(query):
        if sanction_runs_in(sanction, first):
            out[sanction.staff_id].append(tpp.Sanction(sanction.id, sanction.kind))
    return out


def store_statements(
    session: Session, month_id: int, people: dict[int, Staff], results: dict[int, tpp.Statement]
) -> None:
    if not results:
        return
    rows = [
        {
            "month_id": month_id,
            "staff_id": staff_id,
            "org_unit_id": people[staff_id].unit_id,
            "position_class": people[staff_id].position_class,
            "base": s.base,
            "performance_part": s.performance_part,
            "discipline_part": s.discipline_part,
            "performance_deduction": s.performance_deduction,
            "discipline_deduction": s.discipline_deduction,
            "sanction_deduction": s.sanction_deduction,
            "net": s.net,
            "approved_minutes": s.approved_minutes,
        }
        for staff_id, s in results.items()
    ]
    # Core inserts, not the ORM's bulk path: the ORM sent these one row at a time
    # (some 45,000 round trips for a regency of 5,000); Core batches them.
    statements = TppStatement.metadata.tables[TppStatement.__tablename__]
    ids = session.execute(
        insert(statements).returning(
            statements.c.id, statements.c.staff_id, sort_by_parameter_order=True
        ),
        rows,
    ).all()
    lines = [
        {
            "statement_id": statement_id,
            "day": ln.day,
            "component": ln.component,
            "rule": ln.rule,
            "percent": ln.percent.quantize(Decimal("0.0001")),
            "amount": ln.amount,
            "minutes": ln.minutes,
            "record": ln.record,
        }
        for statement_id, staff_id in ids
        for ln in results[staff_id].lines
    ]
    if lines:
        session.execute(insert(TppLine.metadata.tables[TppLine.__tablename__]), lines)


def lock_month(session: Session, actor: Actor, year: int, month: int) -> TppMonth:
    actor.require("ekinerja.regency_manage")
    run = session.scalar(
        select(TppMonth).where(TppMonth.year == year, TppMonth.month == month).with_for_update()
    )
    first = date(year, month, 1)
    if run is None:
        raise NotFound(M("%(month)s has not been computed", month=first))
    if run.locked_at is not None:
        raise Conflict(M("%(month)s is locked; its TPP no longer changes", month=first))
    run.locked_at, run.locked_by = datetime.now(UTC), actor.label
    record_audit(
        session, actor=actor.label, action="ekinerja.tpp_lock", entity="tpp_month", entity_id=run.id
    )
    return run


def latest_statement_month(session: Session, staff_id: int) -> tuple[int, int] | None:
    """The last month the person has a statement for. TPP is computed after a month ends,
    so in the first days of a month "this month" has none yet, and the person opening
    their TPP wants the one they were just paid."""
    row = session.execute(
        select(TppMonth.year, TppMonth.month)
        .join(TppStatement, TppStatement.month_id == TppMonth.id)
        .where(TppStatement.staff_id == staff_id)
        .order_by(TppMonth.year.desc(), TppMonth.month.desc())
        .limit(1)
    ).first()
    return (row.year, row.month) if row is not None else None


def statement_of(
    session: Session, staff_id: int, year: int, month: int
) -> tuple[TppMonth, TppStatement, list[TppLine], RuleSet] | None:
    row = session.execute(
        select(TppMonth, TppStatement)
        .join(TppStatement, TppStatement.month_id == TppMonth.id)
        .where(TppMonth.year == year, TppMonth.month == month, TppStatement.staff_id == staff_id)
    ).first()
    if row is None:
        return None
    run, statement = row
    lines = list(
        session.scalars(
            select(TppLine)
            .where(TppLine.statement_id == statement.id)
            .order_by(TppLine.day.nulls_last(), TppLine.id)
        )
    )
    rule_set = session.get(RuleSet, run.rule_set_id)
    if rule_set is None:  # the foreign key keeps it; a guard for the type checker
        raise NotFound(M("the rule set of this month is missing"))
    return run, statement, lines, rule_set
