"""Throughput of a one-row tenant read through the tenancy layer vs a fixed-schema baseline.

Both arms run the same view body (``read_notice``: one ORM ``get`` of the
noticeboard's Notice by primary key, returned as JSON) in a session that is
opened before the view and committed after it, and both are driven by the same
direct WSGI call (a prebuilt environ, no HTTP, no test-client wrapping):

A. tenancy: the real ``create_app`` app, the view registered (before the first
   request) as an extra blueprint of kind "tenant", served at
   ``/t/<slug>/bench/notices/<id>``: path middleware, tenant resolution (cache
   hit), the app's request hooks and extensions, ``g.db`` on the tenant bind
   (``BEGIN; SET LOCAL ROLE`` in one round trip).
B. baseline: a plain Flask app, one route, a session on
   ``smartcity.db.create_db_engine(app_database_url)`` with
   ``schema_translate_map={None: <schema>}``: no tenant role, no resolution, no
   auth, none of the platform's extensions.

No auth in either arm. Informational arms, same rounds:

C. the real app, the view in a blueprint of kind "any" with a session on the
   same pool with the schema fixed: everything of the platform but the tenancy
   (A/C isolates tenant resolution + SET ROLE; C/B the rest of the platform).
D. the real noticeboard endpoint ``/t/<slug>/api/v1/noticeboard/notices/<id>``
   with a bearer token (A plus token check and the user's row).

The app's login role is NOINHERIT and has no rights in a tenant schema without
SET ROLE, so for B and C the bench grants it SELECT on that one table.

    .venv/bin/python bench/tenant_read.py [--rounds 5] [--requests 2000] [--profile N]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import psycopg
from _common import (
    ADMIN_EMAIL,
    PASSWORD,
    Timer,
    bench_database,
    count_round_trips,
    create_bench_app,
    describe_counts,
    header,
    median,
    profile,
    provision_batch,
    state_of,
    verdict,
)
from flask import Blueprint, Flask, Response, abort, g, jsonify
from psycopg import sql
from smartcity.bootstrap import libpq_url
from smartcity.config import Settings
from smartcity.db import create_db_engine, db
from smartcity.tenancy.names import schema_name
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import EnvironBuilder

from tests.apps.noticeboard.models import Notice

GOAL_RATIO = 0.90
SLUG = "kab-bench-read"
Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Any]


def read_notice(notice_id: int) -> Response:
    """The view body of both arms (noticeboard's get_notice without require_user)."""
    notice = g.db.get(Notice, notice_id)
    if notice is None:
        abort(404)
    return jsonify(id=notice.id, title=notice.title)


def add_tenant_route(app: Flask) -> None:
    """Arm A: the view as a tenant blueprint of the real app."""
    bp = Blueprint("bench_tenant_read", __name__)
    bp.add_url_rule("/notices/<int:notice_id>", view_func=read_notice)
    app.register_blueprint(bp, url_prefix="/bench")
    state_of(app).blueprint_kind[bp.name] = "tenant"


def add_fixed_schema_route(app: Flask, bind: Engine) -> None:
    """Arm C: the view in the real app without tenancy; the app's hooks commit g.db."""
    bp = Blueprint("bench_fixed_schema_read", __name__)
    bp.add_url_rule("/notices/<int:notice_id>", view_func=read_notice)

    @bp.before_request
    def open_session() -> None:
        g.db = db.session(bind=bind)

    app.register_blueprint(bp, url_prefix="/bench-fixed")
    state_of(app).blueprint_kind[bp.name] = "any"


def baseline_app(bind: Engine) -> Flask:
    """Arm B: plain Flask, the same session lifecycle as the platform's, no tenancy."""
    app = Flask("bench_baseline")
    factory = sessionmaker(bind=bind, expire_on_commit=False)
    app.add_url_rule("/notices/<int:notice_id>", view_func=read_notice)

    @app.before_request
    def open_session() -> None:
        g.db = factory()

    @app.after_request
    def finish(response: Response) -> Response:
        session: Session | None = g.pop("db", None)
        if session is not None:
            try:
                if response.status_code < 400:
                    session.commit()
                else:
                    session.rollback()
            finally:
                session.close()
        return response

    @app.teardown_request
    def close(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db", None)
        if session is not None:
            session.rollback()
            session.close()

    return app


class Arm:
    """One way of serving the read: a WSGI app and a prebuilt GET environ."""

    def __init__(self, key: str, title: str, app: Wsgi, path: str, token: str = "") -> None:
        self.key, self.title, self.app = key, title, app
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.environ = EnvironBuilder(
            path=path, base_url="http://localhost", headers=headers
        ).get_environ()
        self.rates: list[float] = []
        self.cpu_us: list[float] = []

    def call(self) -> tuple[str, bytes]:
        status: list[str] = []

        def start_response(s: str, _headers: Any, _exc_info: Any = None) -> None:
            status.append(s)

        body = self.app(dict(self.environ), start_response)
        try:
            data = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        return status[0], data

    def run(self, n: int) -> None:
        call = self.call
        for _ in range(n):
            status, body = call()
            if status[0] != "2":
                raise RuntimeError(f"arm {self.key}: {status} {body[:300]!r}")

    def measure(self, n: int) -> None:
        """Serve n requests; record requests/s and this process's CPU us per request."""
        cpu = time.process_time()
        with Timer() as t:
            self.run(n)
        self.rates.append(n / t.seconds)
        self.cpu_us.append((time.process_time() - cpu) / n * 1e6)


def set_up(settings: Settings, app: Flask) -> tuple[int, str]:
    """One tenant with every app; its welcome notice's id and an admin bearer token."""
    state = state_of(app)
    provision_batch(state, [SLUG], state.registry.names)
    schema = schema_name(SLUG)
    with psycopg.connect(libpq_url(settings.DATABASE_URL), autocommit=True) as conn:
        conn.execute(
            sql.SQL("GRANT SELECT ON {}.notices TO {}").format(
                sql.Identifier(schema), sql.Identifier(settings.app_role)
            )
        )
        row = conn.execute(
            sql.SQL("SELECT id FROM {}.notices ORDER BY id LIMIT 1").format(sql.Identifier(schema))
        ).fetchone()
    assert row is not None, "the noticeboard's on_enable hook posts a welcome notice"
    client = app.test_client()
    response = client.post(
        f"/t/{SLUG}/api/v1/auth/token", json={"email": ADMIN_EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(row[0]), response.get_json()["access_token"]


def count_per_request(arm: Arm, n: int) -> tuple[Counter[str], int]:
    """(driver statements by kind, SQLAlchemy cursor executes) over n requests."""
    executes = 0

    def before_cursor_execute(*_args: Any) -> None:
        nonlocal executes
        executes += 1

    event.listen(Engine, "before_cursor_execute", before_cursor_execute)
    try:
        with count_round_trips() as sent:
            for _ in range(n):
                arm.call()
    finally:
        event.remove(Engine, "before_cursor_execute", before_cursor_execute)
    return sent, executes


def round_ratio(top: Arm, bottom: Arm) -> float:
    """Median over rounds of the throughput ratio top / bottom."""
    return median(x / y for x, y in zip(top.rates, bottom.rates, strict=True))


def build_arms(settings: Settings, app: Flask) -> list[Arm]:
    schema = schema_name(SLUG)
    add_tenant_route(app)
    add_fixed_schema_route(app, db.engine.execution_options(schema_translate_map={None: schema}))
    engine = create_db_engine(settings.app_database_url, pool_size=5)
    baseline = baseline_app(engine.execution_options(schema_translate_map={None: schema}))
    notice_id, token = set_up(settings, app)
    return [
        Arm(
            "A", "tenancy (real app, tenant blueprint)", app, f"/t/{SLUG}/bench/notices/{notice_id}"
        ),
        Arm("B", "baseline (plain Flask, fixed schema)", baseline, f"/notices/{notice_id}"),
        Arm("C", "real app, no tenancy (fixed schema)", app, f"/bench-fixed/notices/{notice_id}"),
        Arm(
            "D",
            "real noticeboard API + bearer token",
            app,
            f"/t/{SLUG}/api/v1/noticeboard/notices/{notice_id}",
            token,
        ),
    ]


def check_and_warm(arms: list[Arm], warm_up: int) -> None:
    bodies = {}
    for arm in arms:
        status, body = arm.call()
        assert status.startswith("200"), f"arm {arm.key}: {status} {body[:300]!r}"
        bodies[arm.key] = json.loads(body)
        arm.run(warm_up)  # pool, prepared statements, tenant cache, compiled SQL
    assert all(b == bodies["A"] for b in bodies.values()), bodies
    print(f"every arm answers 200 {json.dumps(bodies['A'])}")


def print_sql_counts(arms: list[Arm], n: int = 100) -> None:
    print()
    print(f"SQL per request ({n} requests each, after warm-up):")
    for arm in arms:
        sent, executes = count_per_request(arm, n)
        print(
            f"  {arm.key} {arm.title:38} driver round trips {sum(sent.values()) / n:g} "
            f"({describe_counts(sent, n)}); SQLAlchemy before_cursor_execute {executes / n:g}"
        )
    print(
        "  (BEGIN / BEGIN; SET LOCAL ROLE is sent by smartcity.db._begin through the driver "
        "connection, outside before_cursor_execute; the driver count includes it)"
    )


def run_rounds(arms: list[Arm], rounds: int, requests: int) -> list[float]:
    """Interleave the arms, A and B back to back (A B C D, then B A D C); A/B of each round."""
    print()
    print(f"{rounds} rounds x {requests} requests per arm, arms interleaved (A B C D / B A D C):")
    a, b, c, d = arms
    ratios = []
    for r in range(rounds):
        for arm in (a, b, c, d) if r % 2 == 0 else (b, a, d, c):
            arm.measure(requests)
        ratios.append(a.rates[-1] / b.rates[-1])
        rates = "  ".join(f"{arm.key} {arm.rates[-1]:7.0f}/s" for arm in arms)
        print(f"  round {r + 1}: {rates}   A/B {ratios[-1]:.3f}")
    return ratios


def print_summary(arms: list[Arm]) -> None:
    a, b, c, d = arms
    print()
    print("median over rounds:")
    for arm in arms:
        rate = median(arm.rates)
        print(
            f"  {arm.key} {arm.title:38} {rate:6.0f} req/s {1e6 / rate:6.0f} us/request, "
            f"of which {median(arm.cpu_us):4.0f} us CPU in this process"
        )
    us = {arm.key: 1e6 / median(arm.rates) - 1e6 / median(b.rates) for arm in (a, c, d)}
    print(
        f"  per-request cost over B: A {us['A']:+.0f} us, C {us['C']:+.0f} us, D {us['D']:+.0f} us"
    )
    print("  informational ratios (median of rounds):")
    print(f"    A/C tenant resolution + SET ROLE alone, same app   {round_ratio(a, c):.3f}")
    print(f"    C/B the platform's hooks and extensions, no tenancy {round_ratio(c, b):.3f}")
    print(f"    D/B the real endpoint, with bearer-token auth       {round_ratio(d, b):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000, help="per arm and round")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="then profile N requests of A and B"
    )
    args = parser.parse_args()
    header(
        "tenant read: one-row API read through the tenancy layer vs fixed schema, no tenancy",
        f"throughput ratio tenancy / baseline (A/B) >= {GOAL_RATIO:.2f}",
    )
    with bench_database() as settings:
        app = create_bench_app(settings)
        arms = build_arms(settings, app)
        check_and_warm(arms, max(200, args.requests // 10))
        print_sql_counts(arms)
        ratios = run_rounds(arms, args.rounds, args.requests)
        print_summary(arms)
        for arm in arms[:2] if args.profile else []:
            print()
            print(f"cProfile of {args.profile} requests of arm {arm.key}:")
            print(profile(lambda arm=arm: arm.run(args.profile)))
        ratio = median(ratios)
        same_app = round_ratio(arms[0], arms[2])
        print()
        print(
            f"RESULT throughput ratio A/B (median of {args.rounds} rounds) {ratio:.3f}; "
            f"goal >= {GOAL_RATIO:.2f}: {verdict(ratio >= GOAL_RATIO)}"
        )
        # The cost of the tenancy layer alone: the same handler in the same app, with
        # the schema fixed and no resolution (the comparison django-tenants' 0.53 came from).
        print(
            f"RESULT throughput ratio A/C, tenancy layer alone (median of {args.rounds} rounds) "
            f"{same_app:.3f}; goal >= {GOAL_RATIO:.2f}: {verdict(same_app >= GOAL_RATIO)}"
        )


if __name__ == "__main__":
    main()
