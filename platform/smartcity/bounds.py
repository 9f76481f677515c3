"""Numbers from a request, bounded to what PostgreSQL's columns hold.

Python's ``int`` has no limit, PostgreSQL's ``bigint`` stops at 2^63 - 1 and
``smallint`` (the fiscal year columns) at 32767: an unbounded number from a URL,
a query string or a JSON body reaches the database and fails there as a 500.
Every number a request carries goes through one of these instead:

- path segments: the ``id`` and ``year`` URL converters (registered by
  ``create_app``), so ``/jobs/99999999999999999999`` is a 404 like any unknown id;
- query strings and form fields: ``query_int``, ``query_year`` and ``whole_number``,
  which refuse ``abc`` and ``99999999999999999999`` alike with a 422 naming the field;
- JSON bodies: the ``DbId`` and ``Year`` pydantic types, so the 422 names the field.
"""

from __future__ import annotations

from typing import Annotated, Any

from flask import request
from pydantic import Field
from werkzeug.routing import IntegerConverter, Map

from smartcity.errors import InvalidInput, Message

BIGINT_MAX = 2**63 - 1
#: Fiscal years are stored as ``smallint``; four digits is every year anyone plans.
YEAR_MIN = 1
YEAR_MAX = 9999

DbId = Annotated[int, Field(ge=0, le=BIGINT_MAX)]
"""A row id in a JSON body: any ``bigint`` a sequence can hand out."""

Year = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX)]


def _at_most(limit: int) -> str:
    """A regex of the decimal numbers from 0 to ``limit`` (no sign, no leading zeros
    beyond the width of ``limit``): shorter numbers, then each digit of ``limit``
    with a smaller one after the same prefix, then ``limit`` itself. ``[0-9]``, not
    ``\\d``: Python's ``\\d`` also matches other scripts' digits, which ``int`` reads."""
    digits = str(limit)
    choices = [rf"[0-9]{{1,{len(digits) - 1}}}"]
    for i, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - i - 1
            tail = rf"[0-9]{{{rest}}}" if rest else ""
            choices.append(f"{digits[:i]}[0-{int(digit) - 1}]{tail}")
    choices.append(digits)
    return "(?:" + "|".join(choices) + ")"


class IdConverter(IntegerConverter):
    """``<id:name>``: a row id; a number beyond ``bigint`` matches nothing (404).

    The bound is in the regex, not only in ``to_python``: Werkzeug answers a
    number the converter rejects after matching with 405 when the same path
    takes other methods, and this is a plain "no such thing".
    """

    regex = _at_most(BIGINT_MAX)

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, min=0, max=BIGINT_MAX)


class YearConverter(IntegerConverter):
    """``<year:name>``: a calendar year, 1-9999; anything else matches nothing (404)."""

    regex = r"[1-9][0-9]{0,3}"

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, min=YEAR_MIN, max=YEAR_MAX)


#: The converters ``create_app`` registers, and the OpenAPI schema of each.
CONVERTERS: dict[str, type[IntegerConverter]] = {"id": IdConverter, "year": YearConverter}
CONVERTER_SCHEMAS: dict[str, dict[str, Any]] = {
    "id": {"type": "integer", "minimum": 0, "maximum": BIGINT_MAX},
    "year": {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX},
}


def _bounded(raw: str, low: int, high: int) -> int:
    text = raw.strip()
    # Only ASCII digits: int() also reads Arabic-Indic and other scripts' digits.
    digits = text.removeprefix("-")
    if not digits.isascii() or not digits.isdecimal() or len(digits) > 19:
        raise ValueError(f"{raw!r} is not a whole number")
    value = int(text)
    if not low <= value <= high:
        raise ValueError(f"{value} is outside {low}..{high}")
    return value


def id_or_none(raw: str | None) -> int | None:
    """``raw`` as a row id, or None if it is not one: for hints a page may ignore."""
    try:
        return _bounded(raw or "", 0, BIGINT_MAX)
    except ValueError:
        return None


def whole_number(raw: object, name: str, low: int = 0, high: int = BIGINT_MAX) -> int:
    """``raw`` (a form or query value) as an int in ``low..high``, else a 422 naming ``name``."""
    try:
        return _bounded(str(raw), low, high)
    except ValueError:
        raise InvalidInput(
            Message(
                "%(name)s must be a whole number from %(low)s to %(high)s",
                name=name,
                low=low,
                high=high,
            ),
            {name: "must be a whole number"},
        ) from None


def query_int(
    name: str, default: int | None = None, *, low: int = 0, high: int = BIGINT_MAX
) -> int | None:
    """``?name=`` as an int in ``low..high``; ``default`` when absent or empty; else a 422."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    return whole_number(raw, name, low, high)


def query_year(name: str = "year", default: int | None = None) -> int | None:
    """``?year=`` as a year (1-9999); ``default`` when absent or empty; else a 422."""
    return query_int(name, default, low=YEAR_MIN, high=YEAR_MAX)
