"""The coefficient grammar of a budget line: ``2 orang x 3 hari``.

A line's volume is the product of 1-4 factors, each a quantity and its unit, as
people write them on an RKA; the factors are kept (not only their product) so the
plan reads as it was typed. Quantities take Indonesian decimals (``2,5``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from smartcity.toolkit import InvalidInput, number

from tenants.ebudgeting.messages import _m

MAX_FACTORS = 4
CENT = Decimal("0.01")
VOLUME_PLACES = Decimal("0.0001")
MAX_QUANTITY = Decimal(1_000_000_000)
_FACTOR_TEXT = re.compile(r"^\s*([0-9][0-9.,]*)\s+(.+?)\s*$")


@dataclass(frozen=True)
class Factor:
    """One factor of a coefficient: ``2 orang``."""

    quantity: Decimal
    unit: str


def parse_factors(raw: Sequence[Any]) -> list[Factor]:
    """Factors from ``[{"quantity": 2, "unit": "orang"}, ...]`` (1-4 of them)."""
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not 1 <= len(raw) <= MAX_FACTORS:
        raise InvalidInput(
            _m("a coefficient has 1 to %(count)s factors", count=MAX_FACTORS),
            {"factors": _m("1 to %(count)s factors", count=MAX_FACTORS)},
        )
    factors = []
    for index, item in enumerate(raw, start=1):
        data = item if isinstance(item, dict) else {}
        unit = str(data.get("unit", "")).strip()
        try:
            quantity = Decimal(str(data.get("quantity", "")).strip())
        except InvalidOperation:
            quantity = Decimal(0)
        if (
            not quantity.is_finite()
            or not 0 < quantity <= MAX_QUANTITY
            or quantity != quantity.quantize(VOLUME_PLACES)
        ):
            raise InvalidInput(
                _m(
                    "factor %(index)s: quantity '%(quantity)s' must be a positive number",
                    index=index,
                    quantity=str(data.get("quantity", "")),
                ),
                {f"factors.{index}": _m("a positive quantity, at most 4 decimals")},
            )
        if not unit or len(unit) > 30:
            raise InvalidInput(
                _m(
                    "factor %(index)s: a unit (orang, hari, paket...) of at most 30 characters",
                    index=index,
                ),
                {f"factors.{index}": _m("unit required")},
            )
        factors.append(Factor(quantity.normalize(), unit))
    return factors


def parse_coefficient(text: str) -> list[Factor]:
    """``"2 orang x 3 hari"`` -> factors (Indonesian decimals ``2,5`` accepted)."""
    parts = [p for p in re.split(r"\s+[xX\u00d7]\s+", text.strip()) if p]
    raw: list[dict[str, str]] = []
    for part in parts:
        match = _FACTOR_TEXT.match(part)
        if match is None:
            raise InvalidInput(
                _m("'%(part)s' is not a factor like '2 orang'", part=part),
                {"coefficient": _m("like 2 orang x 3 hari")},
            )
        quantity = match.group(1)
        if "," in quantity:  # Indonesian: 1.500,5 -> 1500.5
            quantity = quantity.replace(".", "").replace(",", ".")
        elif re.fullmatch(r"\d{1,3}(\.\d{3})+", quantity):  # 1.500 -> 1500
            quantity = quantity.replace(".", "")
        raw.append({"quantity": quantity, "unit": match.group(2)})
    return parse_factors(raw)


def coefficient_text(factors: Sequence[dict[str, Any]] | Sequence[Factor]) -> str:
    """``2 orang x 3 hari`` as people write it."""
    pairs = [
        (f.quantity, f.unit) if isinstance(f, Factor) else (Decimal(f["quantity"]), f["unit"])
        for f in factors
    ]
    return " x ".join(f"{number(q)} {u}" for q, u in pairs)


#: Catalogue units that are a product of two counts: a factor in either part counts them.
COMPOSITE_UNITS = {
    "oh": frozenset({"orang", "hari", "malam"}),  # orang hari (also a night of lodging)
    "ob": frozenset({"orang", "bulan"}),  # orang bulan
    "oj": frozenset({"orang", "jam"}),  # orang jam
    "ok": frozenset({"orang", "kali"}),  # orang kali
    "unit/tahun": frozenset({"unit", "tahun"}),
}
#: People and time multiply any item (``50 orang x 2 kali`` boxes of snacks), even
#: where the catalogue also prices something per person or per month.
MULTIPLIERS = frozenset({"orang", "kali", "hari", "malam", "minggu", "bulan", "jam", "tahun"})


def foreign_units(
    factors: Sequence[Factor], item_unit: str, catalogue_units: Iterable[str]
) -> list[str]:
    """The factors' units that count something other than what the item is priced per.

    A factor in another unit of the catalogue (``2,5 kotak`` of paper sold by the
    ``Rim``) prices the wrong thing; words that are no catalogue unit (``ruas``,
    ``lokal``) and people or time (``orang``, ``kali``) only multiply and pass.
    """
    own = item_unit.strip().lower()
    accepted = {own} | COMPOSITE_UNITS.get(own, frozenset())
    known = {u.strip().lower() for u in catalogue_units} - MULTIPLIERS
    return [
        f.unit
        for f in factors
        if (unit := f.unit.strip().lower()) in known and unit not in accepted
    ]


def stored_factors(factors: Sequence[Factor]) -> list[dict[str, str]]:
    return [{"quantity": str(f.quantity), "unit": f.unit} for f in factors]


def volume_of(factors: Sequence[Factor]) -> Decimal:
    volume = Decimal(1)
    for factor in factors:
        volume *= factor.quantity
    return volume.quantize(VOLUME_PLACES, rounding=ROUND_HALF_UP)
