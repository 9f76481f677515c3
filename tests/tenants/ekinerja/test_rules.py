"""e-Kinerja's pure rules: geofences, office hours, bands and the TPP statement.

Property-based where a rule has an invariant: every rupiah of a statement is a
line, caps hold, arriving later never costs less.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from smartcity.toolkit import WorkingCalendar

from tenants.ekinerja import geo, schedule, tpp
from tenants.ekinerja.rules import Band, TppRules, band_for
from tenants.ekinerja.worklogs import credited_minutes

MONDAY = date(2026, 3, 2)
WEEK = WorkingCalendar(frozenset(range(5)), frozenset())
HOURS = schedule.Expected(
    datetime.combine(MONDAY, time(7, 30)), datetime.combine(MONDAY, time(16)), "rule:1"
)
RULES = TppRules()
BASE = Decimal(5_000_000)


def worked(day: date, arrive: time, leave: time, record: int = 1) -> tpp.DayFact:
    expected = schedule.Expected(
        datetime.combine(day, time(7, 30)), datetime.combine(day, time(16)), "rule:1"
    )
    return tpp.DayFact(
        day, expected, datetime.combine(day, arrive), datetime.combine(day, leave), record
    )


# --------------------------------------------------------------------------- geo


def test_circle_fence_contains_points_within_its_radius():
    office = geo.Fence((-6.9175, 107.6191), 100)
    assert office.contains((-6.9175, 107.6191))
    assert office.contains((-6.9183, 107.6191))  # ~89 m south
    assert not office.contains((-6.9190, 107.6191))  # ~167 m south


def test_polygon_fence_overrides_the_circle():
    square = ((-6.0, 107.0), (-6.0, 107.01), (-6.01, 107.01), (-6.01, 107.0))
    fence = geo.Fence((-6.005, 107.005), 10, square)
    assert fence.contains((-6.002, 107.008))
    assert not fence.contains((-6.02, 107.005))


def test_impossible_jump_speed():
    bandung, jakarta = (-6.9175, 107.6191), (-6.2088, 106.8456)
    assert 110_000 < geo.distance_m(bandung, jakarta) < 130_000
    assert geo.implied_speed_kmh(bandung, jakarta, 600) > 600
    assert geo.implied_speed_kmh(bandung, bandung, 0) == 0


# --------------------------------------------------------------------------- schedule


def test_ramadan_rule_of_the_regency_beats_a_units_undated_hours():
    unit_hours = schedule.ScheduleRule(1, 10, frozenset(range(5)), time(7, 30), time(16))
    ramadan = schedule.ScheduleRule(
        2, None, frozenset(range(5)), time(8), time(15), date(2026, 2, 18), date(2026, 3, 19)
    )
    got = schedule.expected_hours(
        MONDAY, unit_chain=[10, 1], rules=[unit_hours, ramadan], calendar=WEEK
    )
    assert got is not None and got.source == "rule:2" and got.start.time() == time(8)
    after = schedule.expected_hours(
        date(2026, 3, 23), unit_chain=[10, 1], rules=[unit_hours, ramadan], calendar=WEEK
    )
    assert after is not None and after.source == "rule:1"


def test_nearest_unit_wins_and_holidays_are_off_unless_on_shift():
    regency = schedule.ScheduleRule(1, None, frozenset(range(5)), time(7, 30), time(16))
    parent = schedule.ScheduleRule(2, 1, frozenset(range(5)), time(7), time(15, 30))
    got = schedule.expected_hours(MONDAY, unit_chain=[5, 1], rules=[regency, parent], calendar=WEEK)
    assert got is not None and got.source == "rule:2"
    holiday = WorkingCalendar(frozenset(range(5)), frozenset({MONDAY}))
    assert (
        schedule.expected_hours(MONDAY, unit_chain=[5], rules=[regency], calendar=holiday) is None
    )
    night = schedule.Shift(MONDAY, time(21), time(7))
    on_shift = schedule.expected_hours(
        MONDAY, unit_chain=[5], rules=[regency], calendar=holiday, shift=night
    )
    assert on_shift is not None and on_shift.end == datetime.combine(
        MONDAY + timedelta(days=1), time(7)
    )


def test_checkout_after_an_overnight_shift_belongs_to_the_shift_day():
    morning = datetime.combine(MONDAY + timedelta(days=1), time(7, 5))
    night = [schedule.Shift(MONDAY, time(21), time(7))]
    assert schedule.attendance_day(morning, "out", night) == MONDAY
    assert schedule.attendance_day(morning, "in", night) == MONDAY + timedelta(days=1)


TUESDAY = MONDAY + timedelta(days=1)


@pytest.mark.parametrize(
    ("shifts", "clock", "day"),
    [
        # A night shift's late check-in after midnight is the night's.
        ([(MONDAY, time(22), time(7))], datetime.combine(TUESDAY, time(0, 20)), MONDAY),
        # Nobody on shift: the calendar day, as ever.
        ([], datetime.combine(TUESDAY, time(0, 20)), TUESDAY),
        # A day shift at 07.00 straight after the night: 06.50 opens the day shift.
        (
            [(MONDAY, time(22), time(7)), (TUESDAY, time(7), time(14))],
            datetime.combine(TUESDAY, time(6, 50)),
            TUESDAY,
        ),
        ([(TUESDAY, time(7), time(14))], datetime.combine(TUESDAY, time(6, 50)), TUESDAY),
        # After the night has ended it is no longer the night's.
        ([(MONDAY, time(22), time(7))], datetime.combine(TUESDAY, time(7, 20)), TUESDAY),
        # A 24-hour duty's check-in in the small hours is the duty's.
        ([(MONDAY, time(8), time(8))], datetime.combine(TUESDAY, time(3)), MONDAY),
        # Early for a shift starting at midnight: the shift's day.
        ([(TUESDAY, time(0), time(8))], datetime.combine(MONDAY, time(23, 10)), TUESDAY),
    ],
)
def test_a_check_in_counts_for_the_shift_it_falls_in(shifts, clock, day):
    found = [schedule.Shift(*shift) for shift in shifts]
    assert schedule.attendance_day(clock, "in", found) == day


# --------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("minutes", "index", "percent"),
    [
        (0, None, None),
        (1, 0, "0.5"),
        (30, 0, "0.5"),
        (31, 1, "1"),
        (90, 2, "1.25"),
        (91, 3, "2.5"),
        (600, 3, "2.5"),
    ],
)
def test_default_bands(minutes, index, percent):
    found = band_for(minutes, RULES.late_bands)
    if index is None:
        assert found is None
    else:
        assert found is not None and found[0] == index and found[1].percent == Decimal(percent)


def test_bands_with_a_gap_or_an_open_middle_are_refused():
    with pytest.raises(ValidationError, match="must start at 31"):
        TppRules(
            late_bands=[
                Band(from_minutes=1, to_minutes=30, percent=Decimal(1)),
                Band(from_minutes=32, percent=Decimal(2)),
            ]
        )
    with pytest.raises(ValidationError, match="only the last"):
        TppRules(
            early_bands=[
                Band(from_minutes=1, percent=Decimal(1)),
                Band(from_minutes=2, percent=Decimal(2)),
            ]
        )


def test_credited_minutes_never_exceed_the_time_spent():
    assert credited_minutes(30, 2, time(8), time(10)) == 60
    assert credited_minutes(90, 2, time(8), time(9)) == 60


# --------------------------------------------------------------------------- statements


def test_late_day_is_one_line_traced_to_its_day_record_and_band():
    s = tpp.statement(
        base=BASE,
        rules=RULES,
        facts=[worked(MONDAY, time(8, 15), time(16), 7)],
        approved_minutes=6000,
    )
    assert (
        s.base == 5_000_000 and s.performance_part == 3_000_000 and s.discipline_part == 2_000_000
    )
    (line,) = s.lines
    assert line.component == "late" and line.rule == "late_bands[1]" and line.minutes == 45
    assert line.day == MONDAY and line.record == "attendance_day:7"
    assert line.amount == 20_000  # 1 % of the discipline part
    assert s.net == 5_000_000 - 20_000


def test_daily_cap_refunds_the_excess_as_its_own_line():
    s = tpp.statement(
        base=BASE, rules=RULES, facts=[worked(MONDAY, time(10), time(13))], approved_minutes=6000
    )
    components = [ln.component for ln in s.lines]
    assert components == ["late", "early", "cap_daily"]
    assert s.discipline_deduction == 50_000  # 2.5 % of 2,000,000
    assert sum(ln.amount for ln in s.lines) == s.deduction


def test_absence_excused_and_unexcused():
    off = tpp.DayFact(MONDAY, HOURS, excuse=tpp.Excuse(3, "sick"))
    away = tpp.DayFact(MONDAY + timedelta(days=1), HOURS)
    s = tpp.statement(base=BASE, rules=RULES, facts=[off, away], approved_minutes=6000)
    (line,) = s.lines
    assert line.component == "absent" and line.amount == 80_000 and line.rule == "absent_percent"
    sick_cut = RULES.model_copy(update={"excused_percent": {"sick": Decimal(2)}})
    s2 = tpp.statement(base=BASE, rules=sick_cut, facts=[off], approved_minutes=6000)
    assert s2.lines[0].record == "absence:3" and s2.lines[0].amount == 40_000


def test_performance_follows_approved_minutes():
    s = tpp.statement(base=BASE, rules=RULES, facts=[], approved_minutes=4500)
    (line,) = s.lines
    assert line.component == "performance" and line.amount == 750_000 and line.minutes == 4500


arrivals = st.integers(min_value=-60, max_value=600)
departures = st.integers(min_value=-600, max_value=60)
day_kinds = st.sampled_from(["worked", "absent", "off", "excused", "no_in", "no_out"])


@st.composite
def months(draw: st.DrawFn) -> list[tpp.DayFact]:
    facts = []
    for i in range(draw(st.integers(min_value=0, max_value=31))):
        day = date(2026, 3, 1) + timedelta(days=i)
        start, end = datetime.combine(day, time(7, 30)), datetime.combine(day, time(16))
        expected = schedule.Expected(start, end, "rule:1")
        kind = draw(day_kinds)
        if kind == "off":
            facts.append(tpp.DayFact(day, None))
        elif kind == "absent":
            facts.append(tpp.DayFact(day, expected))
        elif kind == "excused":
            facts.append(tpp.DayFact(day, expected, excuse=tpp.Excuse(1, "annual")))
        else:
            arrive = start + timedelta(minutes=draw(arrivals))
            leave = end + timedelta(minutes=draw(departures))
            facts.append(
                tpp.DayFact(
                    day,
                    expected,
                    None if kind == "no_in" else arrive,
                    None if kind == "no_out" else leave,
                    i,
                )
            )
    return facts


@settings(max_examples=200, deadline=None)
@given(
    facts=months(),
    base=st.integers(min_value=0, max_value=50_000_000),
    minutes=st.integers(min_value=0, max_value=20_000),
)
def test_every_rupiah_is_a_line_and_the_caps_hold(facts, base, minutes):
    s = tpp.statement(base=Decimal(base), rules=RULES, facts=facts, approved_minutes=minutes)
    assert sum(ln.amount for ln in s.lines) == s.deduction
    assert 0 <= s.discipline_deduction <= s.discipline_part
    assert 0 <= s.performance_deduction <= s.performance_part
    assert 0 <= s.net <= s.base
    assert all(ln.rule for ln in s.lines)
    cap = tpp.rupiah_of(Decimal(s.discipline_part) * RULES.daily_cap_percent / 100)
    for day in {ln.day for ln in s.lines if ln.day is not None}:
        lapses = sum(
            ln.amount
            for ln in s.lines
            if ln.day == day
            and ln.component in {"late", "early", "missing_in", "missing_out", "cap_daily"}
        )
        assert lapses <= cap
    shuffled = tpp.statement(
        base=Decimal(base), rules=RULES, facts=list(reversed(facts)), approved_minutes=minutes
    )
    assert shuffled == s


@settings(max_examples=200, deadline=None)
@given(a=st.integers(min_value=-30, max_value=400), b=st.integers(min_value=-30, max_value=400))
def test_arriving_later_never_costs_less(a, b):
    early, late = sorted((a, b))

    def cost(minutes: int) -> int:
        arrive = (datetime.combine(MONDAY, time(7, 30)) + timedelta(minutes=minutes)).time()
        return tpp.statement(
            base=BASE, rules=RULES, facts=[worked(MONDAY, arrive, time(16))], approved_minutes=6000
        ).deduction

    assert cost(early) <= cost(late)
