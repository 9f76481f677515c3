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
def _recording(into: list[str]) -> Iterator[None]:
    """Every statement psycopg's cursors send, rendered with its values."""
    original = psycopg.Cursor.execute

    def execute(self: psycopg.Cursor[Any], query: Any, params: Any = None, **kwargs: Any) -> Any:
        text = query if isinstance(query, str) else query.as_string(self.connection)
        if params:
            literal = psycopg.ClientCursor(self.connection)
            literal.adapters.register_dumper(datetime, _BasicTimestamp)
            text = literal.mogrify(text, params)
        into.append(text)
        return original(self, query, params, **kwargs)

    psycopg.Cursor.execute = execute  # type: ignore[method-assign]
    try:
        yield
    finally:
        psycopg.Cursor.execute = original  # type: ignore[method-assign]


def _commands(sent: list[str], key: str) -> list[str]:
    """The transaction as pgbench commands: the combined ``BEGIN; SET LOCAL ROLE``
    split in two, the idempotency key made the variable ``:key``, ``COMMIT`` last."""
    commands: list[str] = []
    for text in sent:
        if text.startswith("BEGIN;"):
            commands += [part.strip() for part in text.split(";") if part.strip()]
        else:
            commands.append(" ".join(text.split()).replace(f"'{key}'", ":key"))
    return [*commands, "COMMIT"]


def capture(app: Any, people: list[tuple[str, str]]) -> dict[str, list[list[str]]]:
    """Per regency, each person's check-in transaction as pgbench commands."""
    client = app.test_client()
    scripts: dict[str, list[list[str]]] = {}
    for n, (slug, token) in enumerate(people):
        key = uuid.uuid4().hex
        body = {
            "kind": "in",
            "idempotency_key": key,
            "latitude": OFFICE_POINT[0],
            "longitude": OFFICE_POINT[1],
            "accuracy_m": 12,
            "device_id": f"hp-{n}",
        }
        sent: list[str] = []
        with _recording(sent):
            answer = client.post(
                f"/t/{slug}/api/v1/ekinerja/punches",
                data=json.dumps(body),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
        if answer.status_code != 201:
            raise RuntimeError(f"the check-in to replay failed: {answer.status_code}")
        scripts.setdefault(slug, []).append(_commands(sent, key))
    return scripts


def write_scripts(scripts: dict[str, list[list[str]]], folder: Path) -> list[Path]:
    """One pgbench script per regency: a fresh key, then one person's transaction."""
    paths = []
    for n, transactions in enumerate(scripts.values()):
        lines = [
            "\\set key random(1, 1000000000000000)",
            f"\\set p random(1, {len(transactions)})",
        ]
        for i, commands in enumerate(transactions, start=1):
            lines.append(f"\\if :p = {i}" if i == 1 else f"\\elif :p = {i}")
            lines += [f"{command};" for command in commands]
        lines.append("\\endif")
        path = folder / f"regency-{n:03d}.sql"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths


@contextmanager
def replay_scripts(app: Any, people: list[tuple[str, str]]) -> Iterator[list[Path]]:
    """The scripts, in a folder that is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="ekn-replay-") as folder:
        yield write_scripts(capture(app, people), Path(folder))
