"""The satisfaction index (IKM) of PermenPANRB 14/2017, as pure functions.

Each respondent answers nine elements on a scale of 1 to 4. The index is the
mean of the nine element means, weighted equally (1/9 each), times 25, so it
runs from 25 to 100; the grade (mutu pelayanan) follows from bands the
regulation fixes.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from .messages import N_

#: The nine elements (unsur), in the regulation's order, as English msgids.
ELEMENTS = (
    N_("Requirements"),
    N_("Procedure"),
    N_("Service time"),
    N_("Cost or tariff"),
    N_("Product specification"),
    N_("Staff competence"),
    N_("Staff conduct"),
    N_("Complaint handling, suggestions and feedback"),
    N_("Facilities and infrastructure"),
)
CONVERSION = Decimal(25)
#: (lowest index, grade, the unit's performance as the regulation words it), highest first.
GRADES = (
    (Decimal("88.31"), "A", N_("Very good")),
    (Decimal("76.61"), "B", N_("Good")),
    (Decimal("65.00"), "C", N_("Less than good")),
    (Decimal("25.00"), "D", N_("Not good")),
)
TWO = Decimal("0.01")


def valid_answers(answers: Sequence[int]) -> bool:
    return len(answers) == len(ELEMENTS) and all(
        isinstance(a, int) and 1 <= a <= 4 for a in answers
    )


def element_means(responses: Sequence[Sequence[int]]) -> list[Decimal]:
    """The mean value (NRR) of each element over ``responses``."""
    if not responses:
        return []
    count = Decimal(len(responses))
    return [Decimal(sum(r[i] for r in responses)) / count for i in range(len(ELEMENTS))]


def index(responses: Sequence[Sequence[int]]) -> Decimal | None:
    """The IKM (25-100, two decimals), or None without responses."""
    means = element_means(responses)
    if not means:
        return None
    weighted = sum(means, Decimal(0)) / Decimal(len(ELEMENTS))
    return (weighted * CONVERSION).quantize(TWO, rounding=ROUND_HALF_UP)


def grade(value: Decimal | None) -> str | None:
    """The grade letter of an index value; None for no value."""
    if value is None:
        return None
    for lowest, letter, _meaning in GRADES:
        if value >= lowest:
            return letter
    return "D"


def performance(letter: str | None) -> str | None:
    """The unit's performance (kinerja unit pelayanan) of a grade, as an English msgid."""
    for _lowest, known, meaning in GRADES:
        if known == letter:
            return meaning
    return None
