"""What the attendance pages show: a person's month day by day, a unit's recap per
person, and the regency's lateness per unit and over the months.

Everything is read from the same day facts the TPP run uses (``runs.facts_for_month``),
so a day the page calls late is a day the statement cuts, by the same minutes. The
regency's dashboard counts the same facts in PostgreSQL instead (``unit_rates_by_month``:
expected hours from ``runs.ExpectedHours``, the day records counted where they are), so
six months of a regency of 5,000 are not read into Python on every request.

The red/amber/green bands are display thresholds, not TPP rules: a person is red
with 3 or more days absent without reason or late on 30 % or more of the days
present, amber with 1 absent day or 10 % late; a unit is red at a lateness rate of
25 % or more and amber from 10 %.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from smartcity.toolkit import OrgUnit, Staff
from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    and_,
    cast,
    column,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import Grouping
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.types import TypeEngine

from . import runs, tpp
from .absences import approved_days
from .models import Absence, AttendanceDay, Punch, TppMonth, TppStatement
from .periods import month_end
from .worklogs import approved_minutes_by_staff

PERSON_RED_ABSENT, PERSON_AMBER_ABSENT = 3, 1
PERSON_RED_LATE, PERSON_AMBER_LATE = Decimal(30), Decimal(10)
UNIT_RED_LATE, UNIT_AMBER_LATE = Decimal(25), Decimal(10)
#: The expected start of a day off, in the dashboard's lookup (later than any punch).
NEVER = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class DayRow:
    """One day of a person's month, as the person reads it."""

    day: date
    #: "off" (no hours expected), "future", "excused", "absent" or "present"
    state: str
    expected_start: datetime | None
    expected_end: datetime | None
    check_in: datetime | None
    check_out: datetime | None
    late_minutes: int
    early_minutes: int
    excuse_kind: str | None
    excuse_id: int | None
    flags: tuple[str, ...]
    pending: int
    #: The kinds of the assemblies or ceremonies the roll marked them absent from.
    missed_events: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tally:
    """A person's month in counts."""

    expected_days: int = 0
    present_days: int = 0
    late_days: int = 0
    late_minutes: int = 0
    early_days: int = 0
    absent_days: int = 0
    excused_days: int = 0

    @property
    def late_rate(self) -> Decimal | None:
        if not self.present_days:
            return None
        return (Decimal(self.late_days) * 100 / self.present_days).quantize(Decimal("0.1"))


def _row(fact: tpp.DayFact, today: date, flags: tuple[str, ...], pending: int) -> DayRow:
    expected = fact.expected
    late = early = 0
    if expected is None:
        state = "off"
    elif fact.excuse is not None:
        state = "excused"
    elif fact.check_in is None and fact.check_out is None:
        state = "future" if fact.day >= today else "absent"
    else:
        state = "present"
        if fact.check_in is not None:
            late = tpp.minutes_between(expected.start, fact.check_in)
        if fact.check_out is not None:
            early = tpp.minutes_between(fact.check_out, expected.end)
    return DayRow(
        day=fact.day,
        state=state,
        expected_start=expected.start if expected else None,
        expected_end=expected.end if expected else None,
        check_in=fact.check_in,
        check_out=fact.check_out,
        late_minutes=late,
        early_minutes=early,
        excuse_kind=fact.excuse.kind if fact.excuse else None,
        excuse_id=fact.excuse.absence_id if fact.excuse else None,
        flags=flags,
        pending=pending,
        missed_events=tuple(m.kind for m in fact.missed_events),
    )


def person_month(
    session: Session, staff_id: int, year: int, month: int, today: date
) -> list[DayRow]:
    """Every day of the month for one person, with what was expected and what happened."""
    facts = runs.facts_for_month(
        session, year, month, month_end(year, month), staff_ids=[staff_id]
    ).get(staff_id, [])
    flags: dict[date, set[str]] = defaultdict(set)
    pending: dict[date, int] = defaultdict(int)
    for punch in session.scalars(
        select(Punch).where(
            Punch.staff_id == staff_id,
            Punch.day.between(date(year, month, 1), month_end(year, month)),
        )
    ):
        flags[punch.day].update(f for f in punch.flags if f != "offline")
        if punch.review == "pending":
            pending[punch.day] += 1
    return [_row(f, today, tuple(sorted(flags[f.day])), pending[f.day]) for f in facts]


def tally(rows: Sequence[DayRow]) -> Tally:
    counted = [r for r in rows if r.state in ("present", "absent", "excused")]
    present = [r for r in counted if r.state == "present"]
    return Tally(
        expected_days=len(counted),
        present_days=len(present),
        late_days=sum(r.late_minutes > 0 for r in present),
        late_minutes=sum(r.late_minutes for r in present),
        early_days=sum(r.early_minutes > 0 for r in present),
        absent_days=sum(r.state == "absent" for r in counted),
        excused_days=sum(r.state == "excused" for r in counted),
    )


def person_band(t: Tally) -> str:
    rate = t.late_rate or Decimal(0)
    if t.absent_days >= PERSON_RED_ABSENT or rate >= PERSON_RED_LATE:
        return "red"
    if t.absent_days >= PERSON_AMBER_ABSENT or rate >= PERSON_AMBER_LATE:
        return "amber"
    return "green"


def unit_band(rate: Decimal | None) -> str:
    if rate is None:
        return "none"
    if rate >= UNIT_RED_LATE:
        return "red"
    return "amber" if rate >= UNIT_AMBER_LATE else "green"


@dataclass(frozen=True)
class RecapRow:
    person: Staff
    tally: Tally
    approved_minutes: int
    tpp_cut: int | None  # None: no run this month yet
    band: str


def recap(
    session: Session, people: Sequence[Staff], year: int, month: int, today: date
) -> list[RecapRow]:
    """Per person: days present, late, absent without reason, approved minutes, TPP cut."""
    ids = [p.id for p in people]
    if not ids:
        return []
    first, last = date(year, month, 1), month_end(year, month)
    facts = runs.facts_for_month(session, year, month, last, staff_ids=ids)
    minutes = approved_minutes_by_staff(session, first, last)
    cuts = dict(
        session.execute(
            select(
                TppStatement.staff_id,
                TppStatement.performance_deduction + TppStatement.discipline_deduction,
            )
            .join(TppMonth, TppMonth.id == TppStatement.month_id)
            .where(TppMonth.year == year, TppMonth.month == month, TppStatement.staff_id.in_(ids))
        ).all()
    )
    rows = []
    for person in people:
        t = tally([_row(f, today, (), 0) for f in facts.get(person.id, [])])
        rows.append(
            RecapRow(person, t, minutes.get(person.id, 0), cuts.get(person.id), person_band(t))
        )
    return rows


@dataclass(frozen=True)
class UnitRate:
    unit: OrgUnit
    people: int
    present_days: int
    late_days: int
    absent_days: int

    @property
    def rate(self) -> Decimal | None:
        if not self.present_days:
            return None
        return (Decimal(self.late_days) * 100 / self.present_days).quantize(Decimal("0.1"))

    @property
    def band(self) -> str:
        return unit_band(self.rate)


def unit_rates(session: Session, year: int, month: int, today: date) -> list[UnitRate]:
    """Each unit's lateness rate (late days per day present) in the month, to today."""
    return unit_rates_by_month(session, [(year, month)], today)[(year, month)]


def unit_rates_by_month(
    session: Session, months: Sequence[tuple[int, int]], today: date
) -> dict[tuple[int, int], list[UnitRate]]:
    """Each unit's lateness rate in each of ``months`` (to today), counted in PostgreSQL.

    The same figures as the day facts give (``runs.facts_for_month`` and :func:`tally`,
    as the run and the recap read them; ``tests/tenants/ekinerja/test_discipline.py``
    compares the two), without reading some 650,000 day records of a large regency's
    six months into Python. The people are the active staff, in the unit they are in
    now. Nothing is stored, so a late punch, a correction or an absence approved after
    the fact shows at once.
    """
    unit_of: dict[int, int] = dict(
        session.execute(select(Staff.id, Staff.unit_id).where(Staff.is_active.is_(True))).all()
    )
    people = Counter(unit_of.values())
    units = session.scalars(select(OrgUnit).where(OrgUnit.id.in_(list(people)))).all()
    spans = [
        (date(year, month, 1), min(month_end(year, month), today))
        for year, month in dict.fromkeys(months)
    ]
    days = [f + timedelta(days=i) for f, last in spans for i in range((last - f).days + 1)]
    counts = _counts(session, unit_of, days, today) if days else {}
    return {
        (year, month): sorted(
            (UnitRate(u, people[u.id], *counts.get((u.id, year, month), (0, 0, 0))) for u in units),
            key=lambda r: (-(r.rate or Decimal(-1)), r.unit.code),
        )
        for year, month in months
    }


def _counts(
    session: Session, unit_of: dict[int, int], days: list[date], today: date
) -> dict[tuple[int, int, int], tuple[int, int, int]]:
    """(present, late, absent) days per (unit, year, month) over ``days``.

    A day counts when hours are expected (the person's shift, else their unit's hours on
    the working calendar: worked out here, by the code the run uses) and no approved
    absence excuses it. PostgreSQL reads the day records once, joined to small tables of
    those hours, and counts the days present (a check-in or a check-out) and late (a
    check-in after the expected start). Absent days are the rest of the expected days
    before today (today is not over), counted here: no row stands for a missing day.
    """
    first, last = min(days), max(days)
    hours = runs.ExpectedHours(session, first, last)
    wanted = set(days)
    unit_hours = {
        (unit_id, day): on.start
        for unit_id in set(unit_of.values())
        for day in days
        if (on := hours.of_unit(unit_id, day)) is not None
    }
    # A shift makes its day expected whatever the unit's hours (its start does not
    # depend on the unit: 0 stands in for it). Only the active people's count.
    shift_hours = {
        (staff_id, day): shift.start
        for staff_id, day in hours.shifts
        if day in wanted and staff_id in unit_of and (shift := hours(staff_id, 0, day)) is not None
    }
    by_person: dict[int, list[Absence]] = defaultdict(list)
    for absence in session.scalars(
        select(Absence).where(
            Absence.status == "approved", Absence.start_day <= last, Absence.end_day >= first
        )
    ):
        if absence.staff_id in unit_of:
            by_person[absence.staff_id].append(absence)
    excused = [
        (staff_id, day)
        for staff_id, absences in by_person.items()
        for day in approved_days(absences)
        if day in wanted
    ]

    # Expected days not excused, before today, per (unit, year, month): everyone's unit
    # days, plus shifts on days the unit does not work, less the excused expected days.
    owed: Counter[tuple[int, int, int]] = Counter()
    people = Counter(unit_of.values())
    for unit_id, day in unit_hours:
        if day < today:
            owed[(unit_id, day.year, day.month)] += people[unit_id]
    for staff_id, day in shift_hours:
        if day < today and (unit_of[staff_id], day) not in unit_hours:
            owed[(unit_of[staff_id], day.year, day.month)] += 1
    for staff_id, day in excused:
        unit_id = unit_of[staff_id]
        if day < today and ((staff_id, day) in shift_hours or (unit_id, day) in unit_hours):
            owed[(unit_id, day.year, day.month)] -= 1

    # Each unit's expected start on each day as one array, looked up by position (unit's
    # place, day's offset): no join for PostgreSQL to plan over half a million rows.
    # A day off is NEVER, so the array has no NULL and a lookup costs the same anywhere.
    unit_list = sorted(set(unit_of.values()))
    span = (last - first).days + 1
    starts = [
        unit_hours.get((unit_id, first + timedelta(days=i)), NEVER)
        for unit_id in unit_list
        for i in range(span)
    ]
    units = (
        func.unnest(_array(unit_list, BigInteger()))
        .table_valued(column("unit_id", BigInteger()), with_ordinality="place")
        .render_derived("units")
    )
    shift_days = _unnest(
        "shift_hours",
        [
            ("staff_id", BigInteger(), [k[0] for k in shift_hours]),
            ("day", Date(), [k[1] for k in shift_hours]),
            ("start", DateTime(timezone=True), list(shift_hours.values())),
        ],
    )
    excused_days = _unnest(
        "excused",
        [
            ("staff_id", BigInteger(), [k[0] for k in excused]),
            ("day", Date(), [k[1] for k in excused]),
        ],
    )
    staff = Staff.__table__
    record = AttendanceDay.__table__
    position = (units.c.place - 1) * span + (record.c.day - literal(first, Date())) + 1
    # PostgreSQL subscripts a cast only in parentheses.
    start = func.coalesce(
        shift_days.c.start, Grouping(_array(starts, DateTime(timezone=True)))[position]
    )
    present = or_(record.c.check_in.is_not(None), record.c.check_out.is_not(None))
    excused_day = (
        select(excused_days.c.staff_id)
        .where(excused_days.c.staff_id == record.c.staff_id, excused_days.c.day == record.c.day)
        .exists()
    )
    # Grouped by day, not by month: EXTRACT on half a million rows costs more than
    # summing a few thousand (unit, day) rows here.
    rows = session.execute(
        select(
            units.c.unit_id,
            record.c.day,
            func.count().filter(present),
            func.count().filter(and_(present, record.c.check_in > start)),
        )
        .select_from(record)
        .join(staff, and_(staff.c.id == record.c.staff_id, staff.c.is_active.is_(True)))
        .join(units, units.c.unit_id == staff.c.unit_id)
        .outerjoin(
            shift_days,
            and_(shift_days.c.staff_id == record.c.staff_id, shift_days.c.day == record.c.day),
        )
        .where(record.c.day.between(first, last), start < NEVER, ~excused_day)
        .group_by(units.c.unit_id, record.c.day)
    )
    counted: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for unit_id, day, present_days, late_days in rows:
        entry = counted[(unit_id, day.year, day.month)]
        entry[0] += present_days
        entry[1] += late_days
        if day < today:
            entry[2] += present_days
    return {
        key: (present_days, late_days, owed[key] - present_before)
        for key in counted.keys() | owed.keys()
        for present_days, late_days, present_before in [counted.get(key, (0, 0, 0))]
    }


def _array(values: list[Any], kind: TypeEngine[Any]) -> Any:
    """A list as one array parameter of a known type (also when it is empty)."""
    return cast(literal(values, ARRAY(kind)), ARRAY(kind))


def _unnest(
    name: str, columns: Sequence[tuple[str, TypeEngine[Any], list[Any]]]
) -> TableValuedAlias:
    """Parallel lists as a table of rows in the statement (one array parameter per column)."""
    return (
        func.unnest(*(_array(values, kind) for _n, kind, values in columns))
        .table_valued(*(column(n, kind) for n, kind, _v in columns))
        .render_derived(name)
    )


def regency_rate(rates: Sequence[UnitRate]) -> Decimal | None:
    present = sum(r.present_days for r in rates)
    if not present:
        return None
    return (Decimal(sum(r.late_days for r in rates)) * 100 / present).quantize(Decimal("0.1"))


def months_back(year: int, month: int, count: int) -> list[tuple[int, int]]:
    """``count`` months ending with (year, month), oldest first."""
    out = []
    for _ in range(count):
        out.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]
