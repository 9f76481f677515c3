"""SAKIP's one achievement engine, case by case (no database: pure functions)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tenants.sakip.capaian import (
    Aggregation,
    NegativeFormula,
    Polarity,
    Rules,
    achievement,
    aggregate,
    band,
    to_date,
    year_end,
)

D = Decimal
P, N, RG = Polarity.POSITIVE, Polarity.NEGATIVE, Polarity.RANGE
TWO_T = Rules(NegativeFormula.TWO_T_MINUS_R, D(120))
T_R = Rules(NegativeFormula.T_OVER_R, D(120))
UNCAPPED_2T = Rules(NegativeFormula.TWO_T_MINUS_R, None)
UNCAPPED_TR = Rules(NegativeFormula.T_OVER_R, None)

# polarity, rules, target, realization, upper, percent, rule, capped, floored, reason
CASES = [
    # positive: R / T
    (P, TWO_T, "80", "60", None, "75.00", "positive", False, False, None),
    (P, TWO_T, "80", "80", None, "100.00", "positive", False, False, None),
    (P, TWO_T, "80", "120", None, "120.00", "positive", True, False, None),
    (P, UNCAPPED_2T, "80", "120", None, "150.00", "positive", False, False, None),
    (P, TWO_T, "3", "1", None, "33.33", "positive", False, False, None),
    (P, TWO_T, "0", "5", None, None, "positive", False, False, "target_zero"),
    (P, TWO_T, "0", "0", None, None, "positive", False, False, "target_zero"),
    (P, TWO_T, None, "5", None, None, "positive", False, False, "no_target"),
    (P, TWO_T, "5", None, None, None, "positive", False, False, "no_realization"),
    # negative, (2T - R) / T (the default)
    (N, TWO_T, "10", "8", None, "120.00", "negative_2t_minus_r", False, False, None),
    (N, TWO_T, "10", "10", None, "100.00", "negative_2t_minus_r", False, False, None),
    (N, TWO_T, "10", "15", None, "50.00", "negative_2t_minus_r", False, False, None),
    (N, TWO_T, "10", "25", None, "0.00", "negative_2t_minus_r", False, True, None),
    (N, TWO_T, "10", "0", None, "120.00", "negative_2t_minus_r", True, False, None),
    (N, UNCAPPED_2T, "10", "0", None, "200.00", "negative_2t_minus_r", False, False, None),
    (N, TWO_T, "0", "0", None, "100.00", "negative_2t_minus_r", False, False, None),
    (N, TWO_T, "0", "3", None, "0.00", "negative_2t_minus_r", False, False, None),
    # negative, T / R (the other option)
    (N, T_R, "10", "8", None, "120.00", "negative_t_over_r", True, False, None),
    (N, UNCAPPED_TR, "10", "8", None, "125.00", "negative_t_over_r", False, False, None),
    (N, T_R, "10", "20", None, "50.00", "negative_t_over_r", False, False, None),
    (N, T_R, "10", "0", None, "120.00", "negative_t_over_r", False, False, None),
    (N, UNCAPPED_TR, "10", "0", None, None, "negative_t_over_r", False, False, "realization_zero"),
    (N, T_R, "0", "0", None, "100.00", "negative_t_over_r", False, False, None),
    (N, T_R, "0", "4", None, "0.00", "negative_t_over_r", False, False, None),
    # range: the bound on the side the result falls
    (RG, TWO_T, "5", "6", "7", "100.00", "range_inside", False, False, None),
    (RG, TWO_T, "5", "5", "7", "100.00", "range_inside", False, False, None),
    (RG, TWO_T, "5", "4", "7", "80.00", "range_below", False, False, None),
    (RG, TWO_T, "5", "8", "7", "85.71", "range_above_2t_minus_r", False, False, None),
    (RG, T_R, "5", "8", "7", "87.50", "range_above_t_over_r", False, False, None),
    (RG, TWO_T, "7", "6", "5", "100.00", "range_inside", False, False, None),  # bounds swapped
]


@pytest.mark.parametrize(
    ("polarity", "rules", "target", "real", "upper", "percent", "rule", "capped", "floored", "why"),
    CASES,
)
def test_achievement_table(  # noqa: PLR0917 - one parameter per column of CASES
    polarity: Polarity,
    rules: Rules,
    target: str | None,
    real: str | None,
    upper: str | None,
    percent: str | None,
    rule: str,
    capped: bool,
    floored: bool,
    why: str | None,
) -> None:
    result = achievement(
        polarity,
        None if target is None else D(target),
        None if real is None else D(real),
        rules,
        None if upper is None else D(upper),
    )
    assert result.percent == (None if percent is None else D(percent))
    assert result.rule == rule
    assert result.capped is capped
    assert result.floored is floored
    assert result.reason == why
    assert result.formula  # every figure says which formula made it


def test_every_result_names_its_formula_in_words() -> None:
    assert achievement(P, D(4), D(2), TWO_T).formula == "R / T x 100"
    assert achievement(N, D(4), D(2), TWO_T).formula == "(2T - R) / T x 100"
    assert achievement(N, D(4), D(2), T_R).formula == "T / R x 100"


@pytest.mark.parametrize(
    ("aggregation", "values", "through", "expected"),
    [
        (Aggregation.CUMULATIVE, ["1", "2", "3", "4"], 4, "10"),
        (Aggregation.CUMULATIVE, ["1", "2", "3", "4"], 2, "3"),
        (Aggregation.CUMULATIVE, ["1", None, "3", None], 4, "4"),
        (Aggregation.AVERAGE, ["60", "70", "80", None], 4, "70"),
        (Aggregation.LAST_VALUE, ["60", "70", None, None], 4, "70"),
        (Aggregation.LAST_VALUE, ["60", "70", "80", "90"], 3, "80"),
        (Aggregation.CUMULATIVE, [None, None, None, None], 4, None),
    ],
)
def test_aggregate(
    aggregation: Aggregation, values: list[str | None], through: int, expected: str | None
) -> None:
    got = aggregate(aggregation, [None if v is None else D(v) for v in values], through)
    assert got == (None if expected is None else D(expected))


def test_to_date_measures_cumulative_against_the_reported_quarters_only() -> None:
    targets = [D(25), D(25), D(25), D(25)]
    result = to_date(
        P,
        Aggregation.CUMULATIVE,
        targets=targets,
        realizations=[D(20), D(30), None, None],
        through=4,
        rules=TWO_T,
    )
    assert (result.target, result.realization, result.percent) == (D(50), D(50), D(100))


def test_to_date_without_figures_says_so() -> None:
    result = to_date(
        P,
        Aggregation.CUMULATIVE,
        targets=[D(1)] * 4,
        realizations=[None] * 4,
        through=2,
        rules=TWO_T,
    )
    assert result.percent is None
    assert result.reason == "no_realization"
    assert result.target == D(2)


def test_to_date_last_value_negative() -> None:
    targets = [D(12), D(11), D(10), D(9)]
    result = to_date(
        N,
        Aggregation.LAST_VALUE,
        targets=targets,
        realizations=[D(12), D(10), None, None],
        through=4,
        rules=TWO_T,
    )
    # Q2 is the latest figure: (2 x 11 - 10) / 11
    assert (result.target, result.realization, result.percent) == (D(11), D(10), D("109.09"))


def test_to_date_refuses_a_quarter_out_of_range() -> None:
    with pytest.raises(ValueError, match="quarter"):
        to_date(
            P,
            Aggregation.CUMULATIVE,
            targets=[D(1)] * 4,
            realizations=[None] * 4,
            through=5,
            rules=TWO_T,
        )


def test_year_end_against_the_yearly_target() -> None:
    figures = [D(20), D(30), D(25), D(15)]
    result = year_end(
        P, Aggregation.CUMULATIVE, year_target=D(100), realizations=figures, rules=TWO_T
    )
    assert result.percent == D(90)
    average = year_end(
        P,
        Aggregation.AVERAGE,
        year_target=D(80),
        realizations=[D(70), D(90), None, None],
        rules=TWO_T,
    )
    assert average.percent == D(100)


@pytest.mark.parametrize(
    ("percent", "expected"),
    [
        (None, "none"),
        ("95", "green"),
        ("90", "green"),
        ("89.99", "amber"),
        ("70", "amber"),
        ("10", "red"),
    ],
)
def test_band(percent: str | None, expected: str) -> None:
    assert band(None if percent is None else D(percent), D(90), D(70)) == expected


def test_ten_thousand_indicator_quarters_are_fast_enough() -> None:
    """The issue's benchmark goal (< 200 ms) with room for a busy machine."""
    import time

    targets = [D(25), D(25), D(25), D(25)]
    started = time.perf_counter()
    for i in range(2500):
        real = [D(i % 30), D(20), D(30), D(10)]
        for q in range(1, 5):
            to_date(
                P if i % 2 else N,
                Aggregation.CUMULATIVE,
                targets=targets,
                realizations=real,
                through=q,
                rules=TWO_T,
            )
    assert time.perf_counter() - started < 2.0
