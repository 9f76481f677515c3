"""Sanctions in the pure statement engine and in the rule version: a line per sanction
of the whole TPP, traced to its record and rule field; capped; never a negative net."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask_babel import force_locale
from pydantic import ValidationError
from smartcity.toolkit import translate

from tenants.ekinerja import rulesets, tpp
from tenants.ekinerja.rules import DEFAULT_SANCTION_PERCENT, SANCTION_KINDS, TppRules
from tenants.ekinerja.runs import add_months

BASE = Decimal(4_000_000)


def _statement(rules: TppRules, *sanctions: tpp.Sanction, minutes: int = 6000) -> tpp.Statement:
    return tpp.statement(
        base=BASE, rules=rules, facts=[], approved_minutes=minutes, sanctions=sanctions
    )


def test_a_sanction_is_a_line_of_the_whole_tpp_naming_its_record_and_rule() -> None:
    rules = TppRules()
    st = _statement(rules, tpp.Sanction(7, "pemotongan_tunjangan"), tpp.Sanction(9, "lhkpn"))
    sanction, lhkpn = st.lines
    assert sanction == tpp.Line(
        "sanction",
        "sanction_percent.pemotongan_tunjangan",
        Decimal(25),
        1_000_000,
        None,
        None,
        "sanction:7",
    )
    assert (lhkpn.component, lhkpn.rule, lhkpn.record) == (
        "lhkpn",
        "sanction_percent.lhkpn",
        "sanction:9",
    )
    assert lhkpn.amount == 400_000
    assert st.sanction_deduction == 1_400_000 == sum(ln.amount for ln in st.lines)
    assert st.deduction == st.performance_deduction + st.discipline_deduction + 1_400_000
    assert st.net == 4_000_000 - 1_400_000


def test_a_kind_without_a_percentage_cuts_nothing() -> None:
    rules = TppRules(sanction_percent={"teguran_lisan": Decimal(0)})
    st = _statement(rules, tpp.Sanction(1, "teguran_lisan"), tpp.Sanction(2, "tptgr"))
    assert st.lines == () and st.sanction_deduction == 0 and st.net == 4_000_000


def test_the_sanctions_together_are_capped_at_the_whole_tpp() -> None:
    rules = TppRules()
    st = _statement(
        rules,
        tpp.Sanction(1, "pembebasan_jabatan"),  # 80 %
        tpp.Sanction(2, "penurunan_jabatan"),  # 70 %
    )
    assert [ln.component for ln in st.lines] == ["sanction", "sanction", "cap_sanction"]
    cap = st.lines[-1]
    assert cap.rule == "sanction_cap_percent" and cap.amount == -2_000_000
    assert cap.percent == Decimal(-50)
    assert st.sanction_deduction == 4_000_000 and st.net == 0
    # A lower cap is the rule version's to set.
    lower = _statement(
        rules.model_copy(update={"sanction_cap_percent": Decimal(50)}),
        tpp.Sanction(1, "pembebasan_jabatan"),
    )
    assert lower.sanction_deduction == 2_000_000


def test_the_net_never_falls_below_zero() -> None:
    """The performance part is all cut (no minutes): the sanction takes only what is left."""
    st = _statement(TppRules(), tpp.Sanction(1, "pembebasan_jabatan"), minutes=0)
    assert st.performance_deduction == 2_400_000
    assert st.sanction_deduction == 1_600_000 and st.net == 0
    assert sum(ln.amount for ln in st.lines) == st.deduction == 4_000_000


def test_stored_versions_without_sanctions_read_the_defaults() -> None:
    stored = TppRules().model_dump(mode="json")
    stored.pop("sanction_percent")
    stored.pop("sanction_cap_percent")
    rules = TppRules.model_validate(stored)
    assert rules.sanction_percent == DEFAULT_SANCTION_PERCENT
    assert rules.sanction_cap_percent == Decimal(100)
    assert set(DEFAULT_SANCTION_PERCENT) == set(SANCTION_KINDS)


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"sanction_percent": {"pemecatan": "10"}}, "rules.sanction_percent"),
        ({"sanction_percent": {"lhkpn": "150"}}, "rules.sanction_percent"),
        ({"sanction_percent": {"lhkpn": "1e999"}}, "rules.sanction_percent"),
        ({"sanction_percent": {"lhkpn": "nan"}}, "rules.sanction_percent.lhkpn"),
        ({"sanction_cap_percent": "101"}, "rules.sanction_cap_percent"),
        ({"sanction_percent": ["lhkpn"]}, "rules.sanction_percent"),
    ],
)
def test_a_bad_sanction_table_is_refused_naming_its_field(value: dict, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        TppRules.model_validate(value)
    fields = rulesets.refusal(refused.value)
    assert field in fields, fields


def test_unknown_kind_is_named_in_both_languages(app: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        TppRules.model_validate({"sanction_percent": {"pemecatan": "10"}})
    message = rulesets.refusal(refused.value)["rules.sanction_percent"]
    with app.test_request_context():
        with force_locale("en"):
            assert "pemecatan is not one of the choices" in translate(message)
        with force_locale("id"):
            assert "pemecatan" in translate(message)
            assert "is not one of the choices" not in translate(message)


def test_add_months_crosses_years() -> None:
    assert add_months(date(2026, 11, 1), 3) == date(2027, 2, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
