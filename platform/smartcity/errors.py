"""Errors services raise; the web, API and CLI each render them their own way.

A service says what is wrong with a :class:`Message`: a catalogue msgid with
``%(name)s`` placeholders and their values, never a sentence formatted in one
language. As a ``str`` it is the English sentence (the CLI, a job's error, the
logs, the API's ``message``); :meth:`Message.localized` is the same sentence in
the reader's language, looked up where it is shown (a page, the API's
``localized``). An app raises its own messages from its own catalogue with
:func:`messages_from`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from babel.dates import format_date
from flask_babel import format_decimal, get_locale, gettext

#: Looks a msgid up in a catalogue and fills its placeholders (``gettext(msgid, **params)``).
Gettext = Callable[..., str]

_MONTH_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})")


def month_name(month: date, locale: str | None = None) -> str:
    """A month as people read it, its name and year: "Maret 2027" in Indonesian,
    "March 2027" in English. In ``locale`` (a document's language), else the
    request's, else English."""
    return format_date(month, "MMMM y", locale=locale or str(get_locale() or "en"))


def _is_month(key: str) -> bool:
    return key == "month" or key.startswith("month_")


def _as_month(value: object) -> date | None:
    """A month parameter's month: a date, or its ``YYYY-MM`` (as :meth:`Message.json_params`
    gives it, so a message stored as JSON still shows its month in words)."""
    if isinstance(value, date):
        return value
    found = _MONTH_TEXT.fullmatch(value) if isinstance(value, str) else None
    if found is not None and 1 <= int(found[2]) <= 12:
        return date(int(found[1]), int(found[2]), 1)
    return None


def _shown(key: str, value: object, locale: str | None) -> object:
    """A parameter as the reader sees it in ``locale`` (None: the request's language)."""
    if isinstance(value, Message):
        return value.localized() if locale is None else str(value)
    if _is_month(key) and (month := _as_month(value)) is not None:
        return month_name(month, locale)
    if locale is None and key.startswith("count") and isinstance(value, int | float):
        return format_decimal(value)
    return value


class Message(str):
    """A msgid with its parameters; as a ``str``, the English sentence.

    A parameter named ``count`` or ``count_<x>`` is a number a person compares and
    is shown with the reader's digit grouping and decimal mark (100.000 and 0,5 in
    Indonesian); one named
    ``month`` or ``month_<x>`` given as a date (its first day) is shown by the
    month's name and year in the reader's language ("Maret 2027", "March 2027",
    see :func:`month_name`), and as ``YYYY-MM`` in :meth:`json_params`; others (a
    NIP, a year, a code) are shown as they are. A parameter that is itself a
    Message is translated too. Each is formatted where the message is shown, so
    a message raised in one language reads right in another.
    """

    msgid: str
    params: dict[str, object]
    catalogue: Gettext | None

    def __new__(cls, msgid: str, /, **params: object) -> Message:
        return cls._make(msgid, params, None)

    @classmethod
    def _make(cls, msgid: str, params: dict[str, object], catalogue: Gettext | None) -> Message:
        text = msgid % {k: str(_shown(k, v, "en")) for k, v in params.items()} if params else msgid
        made = super().__new__(cls, text)
        made.msgid = msgid
        made.params = params
        made.catalogue = catalogue
        return made

    def localized(self) -> str:
        """The sentence in the current request's language (the English one if none)."""
        values = {k: _shown(k, v, None) for k, v in self.params.items()}
        look_up = self.catalogue or gettext
        return str(look_up(self.msgid, **values)) if values else str(look_up(self.msgid))

    def json_params(self) -> dict[str, Any]:
        """The parameters as JSON values: numbers and text stay, a month parameter's date
        becomes its ``YYYY-MM``, others become text."""
        return {
            k: v
            if isinstance(v, int | float | bool) and not isinstance(v, Message)
            else f"{v:%Y-%m}"
            if _is_month(k) and isinstance(v, date)
            else str(v)
            for k, v in self.params.items()
        }


def messages_from(catalogue: Gettext) -> Callable[..., Message]:
    """A :class:`Message` maker for an app's own translation domain.

    ``catalogue`` is the app's ``gettext`` (e.g. ``flask_babel.Domain(...).gettext``);
    its messages then translate from the app's catalogue wherever they are shown.
    Extract its msgids with ``pybabel extract -k <the name you bind it to>``.
    """

    def message(msgid: str, /, **params: object) -> Message:
        return Message._make(msgid, params, catalogue)

    return message


def as_message(text: str) -> Message:
    """``text`` as a Message: itself if it is one, else a msgid without parameters."""
    return text if isinstance(text, Message) else Message(text)


class ServiceError(Exception):
    """A request the platform refuses, with a code, a message and the fields at fault.

    ``message`` and the values of ``fields`` are :class:`Message` objects (a plain
    string is taken as a msgid without parameters): ``str`` gives English, and
    ``localized()`` the reader's language.
    """

    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(str(message))
        self.message = as_message(message)
        self.fields = {k: as_message(v) for k, v in (fields or {}).items()}

    @property
    def message_id(self) -> str:
        return self.message.msgid

    @property
    def params(self) -> dict[str, Any]:
        return self.message.json_params()


class InvalidInput(ServiceError):
    status = 422
    code = "invalid"


class Unauthorized(ServiceError):
    """No valid credentials (401): wrong password, missing or foreign token."""

    status = 401
    code = "unauthorized"


class TooManyRequests(ServiceError):
    """Locked for a while after too many failures (429)."""

    status = 429
    code = "too_many_requests"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"
