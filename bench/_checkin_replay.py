"""pgbench replaying e-Kinerja check-ins' own SQL: PostgreSQL's ceiling for the
check-in's transaction, beside the single-row INSERT of ``ekinerja_checkin.py``.

One check-in per person is made through the real app in this process (Flask's
test client), and every statement psycopg sends for it is recorded with its
values (``BEGIN; SET LOCAL ROLE`` of the regency, the token's user, the person's
lock with the phone's turn, the look-back, the insert with the day record, any
activity row; then ``COMMIT``). pgbench then sends those statements again,
prepared (``-M prepared``, as the app's are once warm), one script per regency
choosing one of its people at random per transaction, each with a fresh
idempotency key. Timestamps are written in ISO 8601's basic form
(``20261207T100000.000000+0000``): pgbench would read the colons of the usual
form as variables in prepared mode.

No app server, no token check, no JSON: what is left is PostgreSQL's own work
for a check-in, so check-ins through the app over this rate is how close the app
comes to the database's limit for the same transaction.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.adapt import Dumper

OFFICE_POINT = (-6.9175 + 0.0001, 107.6191 - 0.0001)


class _BasicTimestamp(Dumper):
    """A timestamp without colons (pgbench's prepared mode takes ``:name`` for a variable)."""

    oid = psycopg.adapters.types["timestamptz"].oid

    def dump(self, obj: datetime) -> bytes:
        return obj.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%f+0000").encode()


@contextmanager
def _recording(into: list[tuple[str, dict[str, Any]]]) -> Iterator[None]:
    """Every statement psycopg's cursors send, with its parameters."""
    original = psycopg.Cursor.execute

    def execute(self: psycopg.Cursor[Any], query: Any, params: Any = None, **kwargs: Any) -> Any:
        text = query if isinstance(query, str) else query.as_string(self.connection)
        if params is not None and not isinstance(params, dict):
            raise RuntimeError(f"positional parameters are not replayed: {text[:80]}")
        into.append((text, dict(params or {})))
        return original(self, query, params, **kwargs)

    psycopg.Cursor.execute = execute  # type: ignore[method-assign]
    try:
        yield
    finally:
        psycopg.Cursor.execute = original  # type: ignore[method-assign]


#: One person's check-in: each statement's text (``%(name)s`` placeholders) and values.
Sent = list[tuple[str, dict[str, Any]]]


def capture(app: Any, people: list[tuple[str, str]]) -> dict[str, list[tuple[int, Sent]]]:
    """Per regency, each person's check-in as sent (with their phone's number)."""
    client = app.test_client()
    found: dict[str, list[tuple[int, Sent]]] = {}
    for n, (slug, token) in enumerate(people):
        body = {
            "kind": "in",
            "idempotency_key": uuid.uuid4().hex,
            "latitude": OFFICE_POINT[0],
            "longitude": OFFICE_POINT[1],
            "accuracy_m": 12,
            "device_id": f"hp-{n}",
        }
        sent: Sent = []
        with _recording(sent):
            answer = client.post(
                f"/t/{slug}/api/v1/ekinerja/punches",
                data=json.dumps(body),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
        if answer.status_code != 201:
            raise RuntimeError(f"the check-in to replay failed: {answer.status_code}")
        found.setdefault(slug, []).append((n, sent))
    return found


def _is_key(name: str) -> bool:
    return name.endswith("idempotency_key") or name == "key"


def _people_block(alike: list[tuple[int, Sent]]) -> tuple[list[str], dict[str, str]]:
    """The ``\\if`` block that picks a person and sets their values, and what each
    varying parameter (``<statement>:<name>``) is written as: a number that differs
    between people (an id) as a variable, their phone ``hp-<n>`` as ``'hp-' || :phone``.
    Other values that differ (the moment of the check-in) are the first person's."""
    lines: list[str] = []
    varying: dict[str, str] = {}
    for i, (n, sent) in enumerate(alike, start=1):
        lines.append(f"\\if :p = {i}" if i == 1 else f"\\elif :p = {i}")
        lines.append(f"\\set phone {n}")
        for s, (_text, params) in enumerate(sent):
            for name, value in params.items():
                if _is_key(name) or len({repr(o[s][1].get(name)) for _m, o in alike}) == 1:
                    continue
                if isinstance(value, int) and not isinstance(value, bool):
                    varying[f"{s}:{name}"] = f":v{s}_{name}"
                    lines.append(f"\\set v{s}_{name} {value}")
                elif value == f"hp-{n}":
                    varying[f"{s}:{name}"] = "('hp-' || :phone)"
    lines.append("\\endif")
    return lines, varying


def _script(conn: psycopg.Connection[Any], people: list[tuple[int, Sent]]) -> str:
    """One regency's pgbench script: pick a person, set their values, send the statements.

    Each statement is one prepared statement for all the regency's people, as the
    app's are (its values that differ by person are pgbench variables, see
    :func:`_people_block`; the idempotency key a fresh number each time); a value
    they share is written in. People whose check-in sent other statements than the
    first's (an activity row, say) are left out."""
    shape = [text for text, _ in people[0][1]]
    alike = [(n, sent) for n, sent in people if [text for text, _ in sent] == shape]
    literal = psycopg.ClientCursor(conn)
    literal.adapters.register_dumper(datetime, _BasicTimestamp)
    block, varying = _people_block(alike)
    lines = [
        "\\set key random(1, 1000000000000000)",
        f"\\set p random(1, {len(alike)})",
        *block,
    ]
    for s, (text, params) in enumerate(alike[0][1]):
        if text.startswith("BEGIN;"):
            lines += [f"{part.strip()};" for part in text.split(";") if part.strip()]
            continue
        rendered = text
        for name, value in params.items():
            shown = (
                "(:key)::text"
                if _is_key(name)
                else varying.get(f"{s}:{name}") or literal.mogrify("%s", [value])
            )
            rendered = rendered.replace(f"%({name})s", shown)
        if params:
            rendered = rendered.replace("%%", "%")
        lines.append(" ".join(rendered.split()) + ";")
    lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def write_scripts(
    conn: psycopg.Connection[Any], captured: dict[str, list[tuple[int, Sent]]], folder: Path
) -> list[Path]:
    paths = []
    for n, people in enumerate(captured.values()):
        path = folder / f"regency-{n:03d}.sql"
        path.write_text(_script(conn, people))
        paths.append(path)
    return paths


@contextmanager
def replay_scripts(
    app: Any, people: list[tuple[str, str]], database_url: str
) -> Iterator[list[Path]]:
    """The scripts, in a folder that is removed afterwards."""
    captured = capture(app, people)
    with (
        psycopg.connect(database_url) as conn,
        tempfile.TemporaryDirectory(prefix="ekn-replay-") as folder,
    ):
        yield write_scripts(conn, captured, Path(folder))
