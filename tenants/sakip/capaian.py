"""The one achievement (capaian) engine: every percentage SAKIP shows is made here.

The open-source SAKIP apps carry two different negative formulas in one codebase
(``T / R`` quarterly and ``(T - R) / T`` yearly, see apps-anchors.md 1a); a
regency then reads two different numbers for one indicator. Here the page, the
API, the PK, the LKjIP and the dashboard all call :func:`achievement` or
:func:`to_date`, and every :class:`Achievement` carries the formula that made it,
so a figure is never shown without saying how it was computed.

Pure functions of ``Decimal`` values (no database, no Flask): the rules are
tested case by case in ``tests/test_sakip_capaian.py``.

Vocabulary: *T* the target, *R* the realization; *polarity* positive (higher is
better), negative (lower is better) or range (stay between two bounds);
*aggregation* how quarters add up: cumulative (sum), average (a level reported
every quarter) or last value (*nilai akhir*, the latest quarter's figure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Polarity(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    RANGE = "range"


class Aggregation(StrEnum):
    CUMULATIVE = "cumulative"
    AVERAGE = "average"
    LAST_VALUE = "last_value"


class NegativeFormula(StrEnum):
    """The regency's formula for lower-is-better indicators (a setting, UNVERIFIED)."""

    TWO_T_MINUS_R = "2t_minus_r"  # (2T - R) / T x 100, DOMAIN.md's default
    T_OVER_R = "t_over_r"  # T / R x 100, as wp-eval-sakip computes it


#: The text a page prints beside a figure, by the rule that made it.
FORMULAS = {
    "positive": "R / T x 100",
    "negative_2t_minus_r": "(2T - R) / T x 100",
    "negative_t_over_r": "T / R x 100",
    "range_inside": "100 (R within T1-T2)",
    "range_below": "R / T1 x 100",
    "range_above_2t_minus_r": "(2T2 - R) / T2 x 100",
    "range_above_t_over_r": "T2 / R x 100",
}

HUNDRED = Decimal(100)
ZERO = Decimal(0)
PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Rules:
    """The regency's settings the engine reads. ``cap`` None: no ceiling."""

    negative: NegativeFormula = NegativeFormula.TWO_T_MINUS_R
    cap: Decimal | None = Decimal(120)


@dataclass(frozen=True)
class Achievement:
    """A percentage and how it was made.

    ``percent`` is None when it cannot be computed; ``reason`` then says why
    (``no_target``, ``no_realization``, ``target_zero``, ``realization_zero``).
    ``capped``: the raw figure was above the regency's cap; ``floored``: a
    negative formula went below zero and 0 is shown.
    """

    percent: Decimal | None
    formula: str
    rule: str
    target: Decimal | None
    realization: Decimal | None
    capped: bool = False
    floored: bool = False
    reason: str | None = None

    @property
    def formula_text(self) -> str:
        return FORMULAS.get(self.rule, self.rule)


def _finish(
    raw: Decimal, rule: str, target: Decimal, realization: Decimal, rules: Rules
) -> Achievement:
    floored = raw < ZERO
    value = max(raw, ZERO)
    capped = rules.cap is not None and value > rules.cap
    if capped and rules.cap is not None:
        value = rules.cap
    return Achievement(
        value.quantize(PLACES),
        FORMULAS[rule],
        rule,
        target,
        realization,
        capped=capped,
        floored=floored,
    )


def _undefined(
    rule: str, target: Decimal | None, realization: Decimal | None, why: str
) -> Achievement:
    return Achievement(None, FORMULAS.get(rule, rule), rule, target, realization, reason=why)


def _negative(target: Decimal, realization: Decimal, rules: Rules, rule_prefix: str) -> Achievement:
    """Lower is better. Zeroes, explicitly:

    - ``(2T - R) / T`` with T = 0: R = 0 met the target (100), R > 0 missed it (0);
    - ``T / R`` with R = 0: T = 0 is 100; T > 0 beat the target as far as it can
      be beaten, which is the cap (not computable when the regency has no cap).
    """
    if rules.negative is NegativeFormula.TWO_T_MINUS_R:
        rule = f"{rule_prefix}_2t_minus_r"
        if target == ZERO:
            return _finish(
                HUNDRED if realization <= ZERO else ZERO, rule, target, realization, rules
            )
        return _finish(
            (2 * target - realization) / target * HUNDRED, rule, target, realization, rules
        )
    rule = f"{rule_prefix}_t_over_r"
    if realization == ZERO:
        if target == ZERO:
            return _finish(HUNDRED, rule, target, realization, rules)
        if rules.cap is None:
            return _undefined(rule, target, realization, "realization_zero")
        return _finish(rules.cap, rule, target, realization, rules)
    return _finish(target / realization * HUNDRED, rule, target, realization, rules)


def achievement(
    polarity: Polarity,
    target: Decimal | None,
    realization: Decimal | None,
    rules: Rules,
    upper: Decimal | None = None,
) -> Achievement:
    """The achievement of one realization against one target.

    ``upper`` is the range's upper bound (``target`` its lower one) and is
    required for :attr:`Polarity.RANGE`: inside the range is 100; below it the
    positive formula against the lower bound; above it the regency's negative
    formula against the upper bound ("the bound on the side the result falls").
    A positive target of zero cannot give a percentage and says so.
    """
    base_rule = "positive" if polarity is Polarity.POSITIVE else f"{polarity.value}"
    if target is None or realization is None:
        why = "no_target" if target is None else "no_realization"
        return _undefined(base_rule, target, realization, why)
    if polarity is Polarity.POSITIVE:
        return _positive(target, realization, rules, "positive")
    if polarity is Polarity.NEGATIVE:
        return _negative(target, realization, rules, "negative")
    low, high = sorted((target, target if upper is None else upper))
    if low <= realization <= high:
        return _finish(HUNDRED, "range_inside", target, realization, rules)
    if realization < low:
        return _positive(low, realization, rules, "range_below")
    return _negative(high, realization, rules, "range_above")


def _positive(target: Decimal, realization: Decimal, rules: Rules, rule: str) -> Achievement:
    """Higher is better: R / T. A target of zero gives no percentage, and says so."""
    if target == ZERO:
        return _undefined(rule, target, realization, "target_zero")
    return _finish(realization / target * HUNDRED, rule, target, realization, rules)


def aggregate(
    aggregation: Aggregation, values: Sequence[Decimal | None], through: int
) -> Decimal | None:
    """Quarters 1..``through`` of ``values`` as one figure; None if none was given.

    Cumulative sums the quarters that have a figure; average is their mean;
    last value is the latest quarter that has one.
    """
    given = [v for v in values[:through] if v is not None]
    if not given:
        return None
    if aggregation is Aggregation.CUMULATIVE:
        return sum(given, ZERO)
    if aggregation is Aggregation.AVERAGE:
        return sum(given, ZERO) / len(given)
    return given[-1]


def to_date(
    polarity: Polarity,
    aggregation: Aggregation,
    *,
    targets: Sequence[Decimal | None],
    realizations: Sequence[Decimal | None],
    through: int,
    rules: Rules,
    upper: Decimal | None = None,
) -> Achievement:
    """The achievement through quarter ``through`` (1-4) of quarterly figures.

    The target side aggregates only the quarters that have a realization, so a
    cumulative indicator reported through Q2 is measured against Q1+Q2's
    targets, not the year's (wp-eval-sakip's rule).
    """
    if not 1 <= through <= len(targets):
        raise ValueError("through must name a quarter of the targets")
    reported = [
        (t, r)
        for t, r in zip(targets[:through], realizations[:through], strict=False)
        if r is not None
    ]
    realization = aggregate(aggregation, [r for _, r in reported], len(reported))
    target = aggregate(aggregation, [t for t, _ in reported], len(reported))
    if not reported:
        target = aggregate(aggregation, targets, through)
    return achievement(polarity, target, realization, rules, upper)


def year_end(
    polarity: Polarity,
    aggregation: Aggregation,
    *,
    year_target: Decimal | None,
    realizations: Sequence[Decimal | None],
    rules: Rules,
    upper: Decimal | None = None,
) -> Achievement:
    """The year's achievement: the quarters aggregated against the yearly target."""
    realization = aggregate(aggregation, realizations, len(realizations))
    return achievement(polarity, year_target, realization, rules, upper)


def band(percent: Decimal | None, green_from: Decimal, amber_from: Decimal) -> str:
    """``green``, ``amber``, ``red`` or ``none``: the dashboard's colour for a figure."""
    if percent is None:
        return "none"
    if percent >= green_from:
        return "green"
    if percent >= amber_from:
        return "amber"
    return "red"
