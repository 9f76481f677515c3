"""Which hours a person is expected to work on a day: a pure resolution.

Sources, most specific first: the person's shift that day (health centres, the
fire brigade; a shift makes any day a working day, holidays included); then the
schedule rules of their unit, its parent units, then the regency's (no unit).
A rule with dates (Ramadan hours, say) beats an undated one at the same level,
so a dated rule of the regency shortens every unit's day without touching the
units' own undated hours. Without a shift, the working calendar decides whether
the day is worked at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from smartcity.toolkit import WorkingCalendar


@dataclass(frozen=True)
class ScheduleRule:
    """Office hours on some weekdays, for a unit (None: the regency), maybe only between dates."""

    id: int
    org_unit_id: int | None
    weekdays: frozenset[int]  # 0 = Monday
    start: time
    end: time
    valid_from: date | None = None
    valid_to: date | None = None

    def applies(self, day: date) -> bool:
        if day.weekday() not in self.weekdays:
            return False
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_to is None or day <= self.valid_to

    @property
    def dated(self) -> bool:
        return self.valid_from is not None or self.valid_to is not None


@dataclass(frozen=True)
class Shift:
    """A person's shift on a day; ``end`` before ``start`` ends the next morning."""

    day: date
    start: time
    end: time


@dataclass(frozen=True)
class Expected:
    """The hours expected on a day, and which rule or shift set them (for the statement)."""

    start: datetime
    end: datetime
    source: str  # "shift" | "rule:<id>"


def expected_hours(
    day: date,
    *,
    unit_chain: Sequence[int],
    rules: Sequence[ScheduleRule],
    calendar: WorkingCalendar,
    shift: Shift | None = None,
) -> Expected | None:
    """The expected hours on ``day`` (naive local times), or None for a day off.

    ``unit_chain`` is the person's unit then its ancestors, nearest first.
    """
    if shift is not None:
        end_day = day + timedelta(days=1) if shift.end <= shift.start else day
        return Expected(
            datetime.combine(day, shift.start), datetime.combine(end_day, shift.end), "shift"
        )
    if not calendar.is_working_day(day):
        return None
    levels: list[int | None] = [*unit_chain, None]
    for dated in (True, False):
        for level in levels:
            found = [
                r for r in rules if r.dated == dated and r.org_unit_id == level and r.applies(day)
            ]
            if found:
                rule = max(found, key=lambda r: r.id)  # the later-created rule wins a tie
                return Expected(
                    datetime.combine(day, rule.start),
                    datetime.combine(day, rule.end),
                    f"rule:{rule.id}",
                )
    return None


def attendance_day(local: datetime, kind: str, overnight_shift_days: frozenset[date]) -> date:
    """The day a punch belongs to: a check-out before noon after an overnight shift
    belongs to the day the shift started."""
    previous = local.date() - timedelta(days=1)
    if kind == "out" and local.time() < time(12, 0) and previous in overnight_shift_days:
        return previous
    return local.date()
