"""Assemblies and ceremonies missed, in the pure statement engine and the rule version:
a line of the day naming the roll mark and the rule field, excused with the day,
not charged twice on a day absent, outside the daily cap and under the monthly one."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import ValidationError

from tenants.ekinerja import tpp
from tenants.ekinerja.rules import DEFAULT_EVENT_PERCENT, EVENT_KINDS, TppRules
from tenants.ekinerja.schedule import Expected

BASE = Decimal(4_000_000)
#: The discipline part (40 %) the percentages apply to by default.
DISCIPLINE = 1_600_000
WIB = timezone(timedelta(hours=7))
MONDAY = date(2026, 3, 2)


def _expected(day: date) -> Expected:
    return Expected(
        datetime(day.year, day.month, day.day, 7, 30, tzinfo=WIB),
        datetime(day.year, day.month, day.day, 16, 0, tzinfo=WIB),
        "rule:1",
    )


def _worked(day: date, *, late_minutes: int = 0, **kw: object) -> tpp.DayFact:
    start = _expected(day).start + timedelta(minutes=late_minutes)
    end = _expected(day).end
    return tpp.DayFact(day, _expected(day), start, end, record_id=11, **kw)  # type: ignore[arg-type]


def _statement(rules: TppRules, *facts: tpp.DayFact) -> tpp.Statement:
    return tpp.statement(base=BASE, rules=rules, facts=facts, approved_minutes=6000)


def test_a_missed_apel_is_a_line_of_its_day_naming_the_roll_mark_and_the_rule() -> None:
    missed = (tpp.MissedEvent(41, "apel_pagi"),)
    st = _statement(TppRules(), _worked(MONDAY, missed_events=missed))
    assert st.lines == (
        tpp.Line(
            "event",
            "event_percent.apel_pagi",
            Decimal(4),
            DISCIPLINE * 4 // 100,
            MONDAY,
            None,
            "event_absence:41",
        ),
    )
    assert st.discipline_deduction == 64_000 and st.net == 4_000_000 - 64_000


def test_it_is_outside_the_daily_cap_but_under_the_monthly_one() -> None:
    missed = (tpp.MissedEvent(1, "apel_pagi"), tpp.MissedEvent(2, "apel_sore"))
    # Two hours late: 2.5 % under the bands, already the daily cap; the events add 8 %.
    st = _statement(TppRules(), _worked(MONDAY, late_minutes=120, missed_events=missed))
    components = [ln.component for ln in st.lines]
    assert components == ["event", "event", "late"]
    assert st.discipline_deduction == DISCIPLINE * (4 + 4 + Decimal("2.5")) / 100
    capped = TppRules(monthly_cap_percent=Decimal(5))
    st = _statement(capped, _worked(MONDAY, late_minutes=120, missed_events=missed))
    assert st.lines[-1].component == "cap_monthly"
    assert st.discipline_deduction == DISCIPLINE * 5 // 100


def test_an_approved_absence_excuses_the_event_and_a_day_absent_is_not_cut_twice() -> None:
    missed = (tpp.MissedEvent(3, "upacara"),)
    excused = tpp.DayFact(
        MONDAY, _expected(MONDAY), excuse=tpp.Excuse(8, "sick"), missed_events=missed
    )
    assert _statement(TppRules(), excused).lines == ()
    absent = tpp.DayFact(MONDAY, _expected(MONDAY), missed_events=missed)
    (line,) = _statement(TppRules(), absent).lines
    assert line.component == "absent"


def test_a_ceremony_on_a_day_off_still_counts() -> None:
    holiday = date(2026, 8, 17)
    fact = tpp.DayFact(holiday, None, missed_events=(tpp.MissedEvent(5, "upacara"),))
    (line,) = _statement(TppRules(), fact).lines
    assert (line.component, line.day, line.record) == ("event", holiday, "event_absence:5")
    # ...unless an approved absence covers it.
    on_leave = tpp.DayFact(
        holiday,
        None,
        excuse=tpp.Excuse(9, "annual"),
        missed_events=(tpp.MissedEvent(5, "upacara"),),
    )
    assert _statement(TppRules(), on_leave).lines == ()


def test_a_kind_without_a_percentage_cuts_nothing() -> None:
    rules = TppRules(event_percent={"senam": Decimal(0)})
    fact = _worked(MONDAY, missed_events=(tpp.MissedEvent(1, "senam"), tpp.MissedEvent(2, "sidak")))
    assert _statement(rules, fact).lines == ()


def test_the_defaults_and_the_rule_version_check() -> None:
    assert TppRules().event_percent == DEFAULT_EVENT_PERCENT
    assert set(DEFAULT_EVENT_PERCENT) == set(EVENT_KINDS)
    # A version stored before events existed reads the defaults.
    stored = TppRules().model_dump(mode="json")
    stored.pop("event_percent")
    assert TppRules.model_validate(stored).event_percent == DEFAULT_EVENT_PERCENT
    for bad in ({"apel_malam": "4"}, {"apel_pagi": "101"}, {"apel_pagi": "-1"}):
        with pytest.raises(ValidationError) as refused:
            TppRules.model_validate(stored | {"event_percent": bad})
        assert refused.value.errors()[0]["loc"][0] == "event_percent"


def test_two_marks_of_one_kind_on_a_day_cut_once() -> None:
    # Marked absent from Dinkes's apel, moved to Disdik the same morning and marked
    # absent from Disdik's apel too: one apel missed that morning, one cut.
    missed = (tpp.MissedEvent(7, "apel_pagi"), tpp.MissedEvent(5, "apel_pagi"))
    st = _statement(TppRules(), _worked(MONDAY, missed_events=missed))
    assert [(ln.rule, ln.record) for ln in st.lines] == [
        ("event_percent.apel_pagi", "event_absence:5")
    ]
    assert st.discipline_deduction == DISCIPLINE * 4 // 100
