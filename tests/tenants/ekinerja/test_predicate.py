"""The performance part on the SKP predicate: one line naming the SKP record and the rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from tenants.ekinerja import tpp
from tenants.ekinerja.rules import PREDICATES, TppRules

RULES = TppRules(performance_basis="predicate")
BASE = Decimal(4_100_000)


@pytest.mark.parametrize(
    ("predicate", "paid"),
    [
        ("Sangat Baik", 100),
        ("Baik", 100),
        ("Butuh Perbaikan", 75),
        ("Kurang", 50),
        ("Sangat Kurang", 25),
    ],
)
def test_each_predicate_pays_its_share_of_the_performance_part(predicate: str, paid: int) -> None:
    st = tpp.statement(
        base=BASE,
        rules=RULES,
        facts=[],
        approved_minutes=0,  # ignored: the basis is the predicate
        predicate=tpp.Predicate(7, predicate),
    )
    assert st.performance_part == 2_460_000
    assert st.performance_deduction == st.performance_part * (100 - paid) // 100
    lines = [ln for ln in st.lines if ln.component == "predicate"]
    if paid == 100:
        assert lines == []
    else:
        (line,) = lines
        assert line.rule == f"predicate_percent.{predicate}" and line.record == "skp:7"
        assert line.amount == st.performance_deduction


def test_no_predicate_pays_the_missing_share_and_says_so() -> None:
    st = tpp.statement(base=BASE, rules=RULES, facts=[], approved_minutes=6000)
    (line,) = st.lines
    assert line.rule == "predicate_missing_percent" and line.record is None
    assert st.performance_deduction == st.performance_part
    half = TppRules(performance_basis="predicate", predicate_missing_percent=Decimal(50))
    assert tpp.statement(
        base=BASE, rules=half, facts=[], approved_minutes=0
    ).performance_deduction == (st.performance_part // 2)


def test_only_the_five_predicates_of_permenpanrb_6_2022() -> None:
    assert len(PREDICATES) == 5
    with pytest.raises(ValidationError, match="unknown predicate"):
        TppRules(predicate_percent={"Istimewa": Decimal(100)})
