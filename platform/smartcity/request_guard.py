"""What no request may carry, refused before any view runs: deep JSON and NUL bytes.

- JSON nested deeper than ``MAX_JSON_DEPTH``: Python's parser recurses once per
  level and dies with RecursionError (a 500) somewhere past a thousand. The
  depth is measured on the raw text first (strings removed, brackets counted),
  so nothing deep is ever handed to the parser. ``BoundedJSONProvider`` makes
  every ``request.get_json`` go through it; ``loads_bounded`` is the same check
  for files (an export's manifest).
- NUL bytes: PostgreSQL refuses them in text, so one in a query string, a form
  field, a JSON string or a path segment used to fail at the database as a
  500. ``refuse_nul_bytes`` (a ``before_request`` hook) answers 400 instead,
  naming where it was found.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from flask import request
from flask.json.provider import DefaultJSONProvider

from smartcity.errors import Message, ServiceError

#: Deeper than any document the platform reads; far below the parser's recursion limit.
MAX_JSON_DEPTH = 64
# A JSON string, escapes included (unrolled so a long string is one linear scan).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_OPENING = frozenset(b"[{")
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


class JSONTooDeep(ValueError):
    """The document nests more than ``MAX_JSON_DEPTH`` arrays and objects."""


def check_json_depth(data: str | bytes, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise JSONTooDeep if ``data`` nests deeper than ``limit``, without parsing it."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    depth = 0
    for byte in _STRING.sub(b"", raw).translate(None, _NOT_BRACKET):
        depth = depth + 1 if byte in _OPENING else depth - 1
        if depth > limit:
            raise JSONTooDeep(f"JSON nested deeper than {limit} levels")


def loads_bounded(data: str | bytes, limit: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that refuses deep nesting with a ValueError, never a RecursionError."""
    check_json_depth(data, limit)
    return json.loads(data)


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON with the depth limit: ``request.get_json`` raises ValueError, as for
    any malformed body (so ``silent=True`` gives None and a 400 otherwise)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        check_json_depth(s)
        return super().loads(s, **kwargs)


class NulByteInRequest(ServiceError):
    status = 400
    code = "nul_byte"


def refuse_nul_bytes() -> None:
    """``before_request``: a NUL byte anywhere in what the views read is a 400."""
    for where, text in _request_texts():
        if "\x00" in text:
            raise NulByteInRequest(
                Message(
                    "the request contains a NUL byte (in %(where)s), which no text may hold",
                    where=where,
                ),
                {where: "contains a NUL byte"},
            )


def _request_texts() -> Iterator[tuple[str, str]]:
    yield "path", request.path
    for key, value in request.args.items(multi=True):
        yield key, key
        yield key, value
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            yield key, key
            yield key, value
        for key, upload in request.files.items(multi=True):
            yield key, upload.filename or ""
    if request.is_json and _may_hold_nul(request.get_data(cache=True)):
        yield from _json_texts(request.get_json(silent=True), "body")


def _may_hold_nul(body: bytes) -> bool:
    """Whether a JSON body can decode to a text with NUL in it, without parsing it.

    JSON writes U+0000 only as the escape ``\\u0000`` (a raw control character in a
    string is invalid JSON), so an ASCII or UTF-8 body with neither that escape nor a
    0 byte holds none; UTF-16 and UTF-32 bodies have 0 bytes and are parsed. Most
    API calls (a check-in every morning from every civil servant) skip the second
    parse this way; the view still parses its body once.
    """
    return b"\x00" in body or b"\\u0000" in body


def _json_texts(value: object, where: str) -> Iterator[tuple[str, str]]:
    """Every key and string in a parsed document (its depth is bounded by the provider)."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield where, str(key)
            yield from _json_texts(item, str(key))
    elif isinstance(value, list):
        for item in value:
            yield from _json_texts(item, where)
