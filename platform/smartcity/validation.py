"""What pydantic refused, in words a reader of either language understands.

Pydantic's own messages are English only ("Field required", "Input should be a
valid integer, unable to parse string as an integer"), and every API body, job's
parameters and settings form is checked by a pydantic model. So each error type
a client can cause becomes a :class:`Message` of the core's catalogue, with the
bound from the error's context as a parameter (shown with the reader's digit
grouping when it is a count). A type not listed keeps pydantic's English text
inside a translated frame, so nothing reads half-explained.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from smartcity.errors import Message


def _bound(ctx: Mapping[str, Any], key: str) -> Any:
    """A limit from the error's context as a number the reader's locale formats (a
    whole float as an int: ``gt=0`` on a float field says 0, not 0.0), else text."""
    value = ctx.get(key, "")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _choices(ctx: Mapping[str, Any]) -> str:
    return str(ctx.get("expected", "")).replace("'", "")


_WORDS: dict[str, Callable[[Mapping[str, Any]], Message]] = {
    "missing": lambda c: Message("required"),
    "extra_forbidden": lambda c: Message("not a field of this request"),
    "string_type": lambda c: Message("text"),
    "string_too_short": lambda c: Message(
        "at least %(count)s characters", count=_bound(c, "min_length")
    ),
    "string_too_long": lambda c: Message(
        "at most %(count)s characters", count=_bound(c, "max_length")
    ),
    "string_pattern_mismatch": lambda c: Message("not in the expected form"),
    "too_short": lambda c: Message("at least %(count)s items", count=_bound(c, "min_length")),
    "too_long": lambda c: Message("at most %(count)s items", count=_bound(c, "max_length")),
    "list_type": lambda c: Message("a list"),
    "dict_type": lambda c: Message("an object"),
    "model_type": lambda c: Message("an object"),
    "model_attributes_type": lambda c: Message("an object"),
    "bool_type": lambda c: Message("true or false"),
    "bool_parsing": lambda c: Message("true or false"),
    "int_type": lambda c: Message("a whole number"),
    "int_parsing": lambda c: Message("a whole number"),
    "int_from_float": lambda c: Message("a whole number"),
    "int_parsing_size": lambda c: Message("a smaller whole number"),
    "float_type": lambda c: Message("a number"),
    "float_parsing": lambda c: Message("a number"),
    "decimal_type": lambda c: Message("a number"),
    "decimal_parsing": lambda c: Message("a number"),
    "finite_number": lambda c: Message("a finite number"),
    "greater_than": lambda c: Message("more than %(count)s", count=_bound(c, "gt")),
    "greater_than_equal": lambda c: Message("at least %(count)s", count=_bound(c, "ge")),
    "less_than": lambda c: Message("less than %(count)s", count=_bound(c, "lt")),
    "less_than_equal": lambda c: Message("at most %(count)s", count=_bound(c, "le")),
    "literal_error": lambda c: Message("one of %(choices)s", choices=_choices(c)),
    "enum": lambda c: Message("one of %(choices)s", choices=_choices(c)),
    "date_type": lambda c: Message("a date (YYYY-MM-DD)"),
    "date_parsing": lambda c: Message("a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": lambda c: Message("a date (YYYY-MM-DD)"),
    "date_from_datetime_inexact": lambda c: Message("a date (YYYY-MM-DD)"),
    "datetime_type": lambda c: Message(
        "a date and time (ISO 8601, e.g. 2026-08-17T07:30:00+07:00)"
    ),
    "datetime_parsing": lambda c: Message(
        "a date and time (ISO 8601, e.g. 2026-08-17T07:30:00+07:00)"
    ),
    "datetime_from_date_parsing": lambda c: Message(
        "a date and time (ISO 8601, e.g. 2026-08-17T07:30:00+07:00)"
    ),
    "time_type": lambda c: Message("a time of day (HH:MM)"),
    "time_parsing": lambda c: Message("a time of day (HH:MM)"),
    "uuid_type": lambda c: Message("a UUID"),
    "uuid_parsing": lambda c: Message("a UUID"),
}


def field_problem(error: Mapping[str, Any]) -> Message:
    """One pydantic error (an item of ``ValidationError.errors()``) in words."""
    kind, ctx = str(error.get("type", "")), error.get("ctx") or {}
    words = _WORDS.get(kind)
    if words is not None:
        return words(ctx)
    detail = str(error.get("msg", ""))
    if kind == "value_error":
        # A validator's own words (a msgid, when it has one in a catalogue).
        return Message(detail.removeprefix("Value error, "))
    return Message("not valid: %(detail)s", detail=detail)


def field_problems(
    error: ValidationError, *, prefix: Iterable[str] = (), whole: str = "body"
) -> dict[str, Message]:
    """Each refused field by its dotted path (under ``prefix``; ``whole`` when the
    error is about the input as a whole), the first problem of each."""
    fields: dict[str, Message] = {}
    for item in error.errors():
        path = ".".join((*prefix, *(str(p) for p in item["loc"]))) or whole
        fields.setdefault(path, field_problem(item))
    return fields
