"""What the attendance pages show: a person's month day by day, a unit's recap per
person, and the regency's lateness per unit and over the months.

Everything is read from the same day facts the TPP run uses (``runs.facts_for_month``),
so a day the page calls late is a day the statement cuts, by the same minutes.

The red/amber/green bands are display thresholds, not TPP rules: a person is red
with 3 or more days absent without reason or late on 30 % or more of the days
present, amber with 1 absent day or 10 % late; a unit is red at a lateness rate of
25 % or more and amber from 10 %.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from smartcity.toolkit import OrgUnit, Staff
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import runs, tpp
from .models import Punch, TppMonth, TppStatement
from .periods import month_end
from .worklogs import approved_minutes_by_staff

PERSON_RED_ABSENT, PERSON_AMBER_ABSENT = 3, 1
PERSON_RED_LATE, PERSON_AMBER_LATE = Decimal(30), Decimal(10)
UNIT_RED_LATE, UNIT_AMBER_LATE = Decimal(25), Decimal(10)


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
    as_of = min(month_end(year, month), today)
    facts = runs.facts_for_month(session, year, month, as_of)
    unit_of = dict(session.execute(select(Staff.id, Staff.unit_id)).all())
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for staff_id, person_facts in facts.items():
        t = tally([_row(f, today, (), 0) for f in person_facts])
        entry = totals[unit_of[staff_id]]
        entry[0] += 1
        entry[1] += t.present_days
        entry[2] += t.late_days
        entry[3] += t.absent_days
    units = session.scalars(select(OrgUnit).where(OrgUnit.id.in_(list(totals)))).all()
    return sorted(
        (UnitRate(u, *totals[u.id]) for u in units),
        key=lambda r: (-(r.rate or Decimal(-1)), r.unit.code),
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
