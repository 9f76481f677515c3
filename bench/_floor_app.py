"""The lightest check-in Flask and SQLAlchemy can serve: the floor under the real one.

``ekinerja_checkin.py`` runs this module under the same gunicorn settings as the real
app and drives it with the same load generator, to tell how much of the gap to
pgbench's INSERT rate any Flask check-in would leave, whatever the app did. Nothing
of the platform is loaded: no tenant, no token, no session, no rate limit, no
geofence, no look-back. ``FLOOR_WRITES=1`` makes each check-in one single-row INSERT
(the one pgbench measures) in its own transaction through an SQLAlchemy pool;
``FLOOR_WRITES=0`` only parses the JSON body and answers.
"""

from __future__ import annotations

import os

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text

WRITES = os.environ.get("FLOOR_WRITES") == "1"
engine = create_engine(
    os.environ["FLOOR_DATABASE_URL"],
    pool_size=int(os.environ.get("FLOOR_POOL_SIZE", "4")),
    pool_pre_ping=False,
)
INSERT = text("INSERT INTO bench_insert (at, x) VALUES (now(), random())")

app = Flask(__name__)


@app.post("/t/<slug>/api/v1/ekinerja/punches")
def punch(slug: str) -> tuple[object, int]:
    """Answer a check-in as the real API does (201 with JSON), with at most one INSERT."""
    body = request.get_json()
    if WRITES:
        with engine.begin() as conn:
            conn.execute(INSERT)
    return jsonify(tenant=slug, kind=body["kind"], key=body["idempotency_key"]), 201


@app.get("/healthz")
def healthz() -> tuple[str, int]:
    return "ok", 200
