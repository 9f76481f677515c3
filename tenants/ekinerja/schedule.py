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
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from smartcity.toolkit import WorkingCalendar


@dataclass(frozen=True)
class Earlier:
    """What a rule read on the days before ``until`` (a change made "from" that day)."""

    until: date
    weekdays: frozenset[int]
    start: time
    end: time


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
    #: What it read before each change, by ``until`` ascending.
    earlier: tuple[Earlier, ...] = ()

    def on(self, day: date) -> ScheduleRule:
        """The rule as it read on ``day``: the first earlier reading still ahead of the
        day, else as it reads now."""
        for then in self.earlier:
            if day < then.until:
                return replace(
                    self, weekdays=then.weekdays, start=then.start, end=then.end, earlier=()
                )
        return self

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
        return Expected(*shift_span(shift), "shift")
    if not calendar.is_working_day(day):
        return None
    levels: list[int | None] = [*unit_chain, None]
    rules = [r.on(day) for r in rules]
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


#: How long before a shift's start a check-in already counts for it: a nurse who
#: comes in at 23.10 for a shift starting at midnight checks in for that shift's day,
#: and a check-in at 06.50 for a day shift at 07.00 is that shift's even straight
#: after a night shift still running until 07.00. The regency keeps no setting for
#: this (UNVERIFIED as any regency's rule); two hours covers an early arrival
#: without reaching back over a whole rest period.
CHECK_IN_AHEAD = timedelta(hours=2)


def attendance_day(local: datetime, kind: str, shifts: Sequence[Shift]) -> date:
    """The day a punch belongs to, from its local wall-clock time and the person's
    shifts around it (those of the day before, the day itself and the day after;
    others are ignored). Without a shift around it, the calendar day.

    A check-in belongs to the shift it falls in (from ``CHECK_IN_AHEAD`` before its
    start to its end), the one whose start is nearest when two would take it: a
    night shift's late check-in at 00.20 is that night's, 140 minutes late, not a
    stray check-in of the morning after. A check-out before noon after an overnight
    shift belongs to the day the shift started."""
    wall = local.replace(tzinfo=None)
    today = wall.date()
    near = [shift for shift in shifts if abs((shift.day - today).days) <= 1]
    if kind == "in":
        taking = [
            (abs(wall - begins), shift.day)
            for shift in near
            for begins, ends in [shift_span(shift)]
            if begins - CHECK_IN_AHEAD <= wall < ends
        ]
        return min(taking)[1] if taking else today
    previous = today - timedelta(days=1)
    overnight = any(shift.day == previous and shift.end <= shift.start for shift in near)
    if kind == "out" and wall.time() < time(12, 0) and overnight:
        return previous
    return today


def shift_span(shift: Shift) -> tuple[datetime, datetime]:
    """The shift as wall-clock moments: one ending at or before its start ends the next
    day (an end equal to the start: 24 hours)."""
    end_day = shift.day + timedelta(days=1) if shift.end <= shift.start else shift.day
    return datetime.combine(shift.day, shift.start), datetime.combine(end_day, shift.end)


def kind_by_shifts(local: datetime, shifts: Sequence[Shift]) -> str | None:
    """Whether a punch with no in/out of its own (a fingerprint machine without state
    keys) checks in or out, by the person's shifts around it: the nearer of a shift's
    start (in) and end (out). None without a shift from the day before to the day
    after: then the time of day decides (:mod:`.machine`). Without this, a night
    shift's 20.55 read as a check-out (after noon) and its 07.05 as a check-in."""
    near = [shift for shift in shifts if abs((shift.day - local.date()).days) <= 1]
    moments = [
        (abs(local - moment), kind)
        for shift in near
        for moment, kind in zip(shift_span(shift), ("in", "out"), strict=True)
    ]
    return min(moments)[1] if moments else None


#: How near a handover (one shift's end that is the next shift's start) a fingerprint
#: punch without in/out state is read as part of it: a crew hands over within the hour.
HANDOVER = timedelta(hours=1)


def handover_kinds(
    moments: Sequence[datetime], shifts: Sequence[Shift]
) -> dict[datetime, tuple[str, ...]]:
    """The kinds that the stateless punches ``moments`` (naive local times) near a
    handover record, for a person whose shifts run back to back (a fire crew's 24
    hours twice running, 08.00 to 08.00; a night straight into a day shift).

    There the end of one shift is the start of the next, so the nearer of the two
    (:func:`kind_by_shifts`) cannot choose, and read every such punch as a check-in:
    the shift ending kept no check-out and was cut for it. The rule: within
    ``HANDOVER`` of the moment, the first punch closes the ending shift and any later
    one opens the next (its first counts); a single punch does both, since the person
    was there for the end of one and the start of the other. Punches not near a
    handover are left out (the caller reads them by :func:`kind_by_shifts`)."""
    spans = [shift_span(shift) for shift in shifts]
    handovers = sorted({ends for _, ends in spans} & {begins for begins, _ in spans})
    kinds: dict[datetime, tuple[str, ...]] = {}
    for moment in handovers:
        near = sorted({at for at in moments if abs(at - moment) <= HANDOVER})
        if len(near) == 1:
            kinds[near[0]] = ("out", "in")
        elif near:
            kinds[near[0]] = ("out",)
            kinds.update(dict.fromkeys(near[1:], ("in",)))
    return kinds
