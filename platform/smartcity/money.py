"""Indonesian numbers and rupiah amounts: one grammar for reading them, one way of writing them.

Every app reads amounts people type (forms, spreadsheets, CSV) and prints them
on pages and documents; each writing its own parser gave four different rules
(``12345.678`` read as twelve million by one, refused by another). The grammar
here, for text:

- an optional ``Rp`` / ``Rp.`` prefix (amounts only) and spaces anywhere;
- plain digits: ``1250000``;
- Indonesian grouping with dots, optionally with sen after a comma:
  ``1.250.000`` or ``1.250.000,50``;
- a comma for decimals without grouping: ``1250000,5``;
- a machine decimal point with one or two decimals, as spreadsheets and
  JSON give it: ``1250000.50``.

A single dot followed by exactly three digits is grouping (``12.500`` is twelve
thousand five hundred, as an Indonesian reads it); anything else ambiguous,
such as ``12345.678`` or ``1,250,000``, is refused rather than guessed. Number
cells (``int``, ``Decimal``, ``float``) are taken as they are. Results keep at
most ``places`` decimals: more is refused, never rounded away.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from smartcity.errors import InvalidInput, Message

CENT = Decimal("0.01")
#: The largest amount a ``NUMERIC(18, 2)`` column holds.
MAX_AMOUNT = Decimal("9999999999999999.99")

_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_COMMA_DECIMAL = re.compile(r"\d+(?:,\d+)?")
_POINT_DECIMAL = re.compile(r"\d+\.\d{1,2}")
_RP = re.compile(r"^rp\.?", re.IGNORECASE)


def parse_number(value: object, *, places: int = 2, currency: bool = False) -> Decimal | None:
    """``value`` read by the grammar above, or None when it does not follow it."""
    if isinstance(value, bool) or value is None:
        return None
    step = Decimal(1).scaleb(-places)
    if isinstance(value, float):
        # A spreadsheet's number cell is a binary float that cannot hold sen
        # exactly (0.1 + 0.2); the value it shows is the rounded one.
        number = Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP)
    elif isinstance(value, int | Decimal):
        number = Decimal(value)
    else:
        text = re.sub(r"\s", "", str(value))
        if currency:
            text = _RP.sub("", text)
        negative = text.startswith("-")
        text = text.removeprefix("-")
        if _GROUPED.fullmatch(text):
            text = text.replace(".", "").replace(",", ".")
        elif _COMMA_DECIMAL.fullmatch(text):
            text = text.replace(",", ".")
        elif not _POINT_DECIMAL.fullmatch(text):
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
        number = -number if negative else number
    if not number.is_finite():
        return None
    try:
        kept = number.quantize(step, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the context's precision: no amount of ours
        return None
    return kept if number == kept else None


def parse_amount(
    value: object,
    field: str = "amount",
    *,
    minimum: Decimal = Decimal(0),
    maximum: Decimal = MAX_AMOUNT,
) -> Decimal:
    """A rupiah amount (two decimals at most) in ``minimum..maximum``, else a form error."""
    amount = parse_number(value, places=2, currency=True)
    if amount is None or not minimum <= amount <= maximum:
        raise InvalidInput(
            Message(
                "%(field)s: %(value)s is not an amount in rupiah like 1.250.000 or 1.250.000,50",
                field=field,
                value=repr(value),
            ),
            {field: Message("an amount in rupiah like 1.250.000,50")},
        )
    return amount


def parse_quantity(
    value: object, field: str, *, places: int = 2, maximum: Decimal = MAX_AMOUNT
) -> Decimal:
    """A quantity >= 0 (a target, a volume) with at most ``places`` decimals, else a form error."""
    number = parse_number(value, places=places)
    if number is None or not Decimal(0) <= number <= maximum:
        raise InvalidInput(
            Message(
                "%(field)s: %(value)s is not a number like 1.500 or 2,5",
                field=field,
                value=repr(value),
            ),
            {field: Message("a number like 1.500 or 2,5")},
        )
    return number


def rupiah(value: Decimal | int | float) -> str:
    """``Rp 1.250.000`` (Indonesian grouping); sen only when there are any."""
    amount = Decimal(str(value) if isinstance(value, float) else value).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    sign = "-" if amount < 0 else ""
    whole, _, cents = f"{abs(amount):.2f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}Rp {grouped}" + ("" if cents == "00" else f",{cents}")


def number(value: Decimal | int) -> str:
    """A quantity the Indonesian way: ``1.500`` or ``2,5`` (no trailing zeros, never ``1E+2``)."""
    text = f"{Decimal(value).normalize():f}"
    whole, _, frac = text.partition(".")
    grouped = f"{int(whole):,}".replace(",", ".") if whole.lstrip("-").isdecimal() else whole
    return grouped + (f",{frac}" if frac else "")
