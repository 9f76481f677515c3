"""Set-up shared by the benchmarks: a throwaway database bootstrapped like tests/conftest.py.

Every benchmark creates its own database ``sc_bench_<random>`` through the admin URL
(``SMARTCITY_TEST_DATABASE_URL``), bootstraps it, creates the app and upgrades the
platform schema exactly as the test fixtures do, and always drops the database and
every role of the deployment at the end, on error and on SIGTERM too.

"Every installed app" means the test apps of ``tests/apps`` (``APPS`` below, the
same as ``SMARTCITY_APPS``); they are importable because the project root is on
``sys.path`` (run from /work/main, where the editable install points).
"""

from __future__ import annotations

import cProfile
import io
import logging
import os
import platform
import pstats
import secrets
import signal
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import psycopg
from flask import Flask
from psycopg import sql
from smartcity.app import create_app
from smartcity.bootstrap import bootstrap_database, drop_deployment_roles, libpq_url
from smartcity.config import Settings
from smartcity.db import db
from smartcity.fleet import migrate_platform
from smartcity.reference import region_rows
from smartcity.state import PlatformState
from smartcity.tenancy.provisioning import TenantRequest, provision_tenant

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `tests.apps` must be importable
    sys.path.insert(0, str(ROOT))

from tests import citus_support  # noqa: E402 - needs ROOT on sys.path

ADMIN_URL = os.environ.get(
    "SMARTCITY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("SMARTCITY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
APPS = ("tests.apps.noticeboard.manifest:manifest", "tests.apps.digest.manifest:manifest")
PASSWORD = "Rahasia-Bench-2026"  # noqa: S105 - of throwaway tenants in a throwaway database
ADMIN_EMAIL = "admin@example.go.id"
ACTOR = "bench"
#: One live regency per region code: each bench tenant takes the next kab/kota (514 of them).
_REGIONS = iter(sorted(r.code for r in region_rows() if r.level == "kab_kota"))


# -- the throwaway database --------------------------------------------------------------


def url_for_db(name: str) -> str:
    base, _, _ = libpq_url(ADMIN_URL).rpartition("/")
    return f"{base}/{name}"


def _exit_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def bench_database(**overrides: Any) -> Iterator[Settings]:
    """Create, bootstrap and yield the settings of a fresh database; always drop it after."""
    name = f"sc_bench_{secrets.token_hex(4)}"
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with psycopg.connect(libpq_url(ADMIN_URL), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    if citus_support.WORKERS:  # on a Citus coordinator: the database on every node
        citus_support.distribute_database(ADMIN_URL, name)
        print(f"Citus: coordinator {ADMIN_URL}, workers {', '.join(citus_support.WORKERS)}")
    values: dict[str, Any] = {
        "DATABASE_URL": url_for_db(name),
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": secrets.token_hex(16),
        "TESTING": True,
        "APPS": APPS,
        "LOG_JSON": False,
        "DB_POOL_SIZE": 5,
    }
    values.update(overrides)
    settings = Settings(**values)
    print(f"database: {name} (role prefix {settings.role_prefix})")
    try:
        bootstrap_database(settings)
        yield settings
    finally:
        _drop(name, settings.role_prefix)
        signal.signal(signal.SIGTERM, previous)


def _drop(name: str, prefix: str) -> None:
    # The tenant cache's LISTEN thread loses its connection when the database goes;
    # its reconnect warnings are noise here.
    logging.getLogger("smartcity.tenancy.cache").setLevel(logging.CRITICAL)
    db.dispose()
    try:
        with psycopg.connect(libpq_url(ADMIN_URL), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        roles = drop_deployment_roles(ADMIN_URL, prefix)
        if citus_support.WORKERS:
            citus_support.drop_from_workers(ADMIN_URL, name, prefix)
    except Exception as exc:
        print(
            f"CLEANUP FAILED ({type(exc).__name__}: {exc}); drop database {name} and the roles "
            f"named {prefix}_* by hand",
            file=sys.stderr,
        )
        raise
    print(f"cleanup: dropped database {name} and {len(roles)} roles")


def create_bench_app(settings: Settings) -> Flask:
    """The real app, with the platform schema at head (as the `app` test fixture does)."""
    app = create_app(settings)
    migrate_platform(state_of(app).migrations)
    return app


def state_of(app: Flask) -> PlatformState:
    state: PlatformState = app.extensions["smartcity"]
    return state


# -- tenants -----------------------------------------------------------------------------


def tenant_request(slug: str, apps: Iterable[str]) -> TenantRequest:
    return TenantRequest(
        slug=slug,
        name=f"Kabupaten {slug}",
        region_code=next(_REGIONS),
        admin_email=ADMIN_EMAIL,
        admin_password=PASSWORD,
        apps=tuple(apps),
    )


def provision_batch(state: PlatformState, slugs: Iterable[str], apps: Iterable[str]) -> None:
    """Provision several tenants in one committed platform transaction."""
    apps = tuple(apps)
    with db.platform_transaction() as session:
        for slug in slugs:
            provision_tenant(
                session,
                tenant_request(slug, apps),
                registry=state.registry,
                migrations=state.migrations,
                role_prefix=state.settings.role_prefix,
                actor=ACTOR,
            )


@contextmanager
def reuse_password_hash() -> Iterator[None]:
    """Fast set-up: every first admin gets the same real argon2 hash of PASSWORD.

    Hashing costs ~0.2 s per tenant (argon2id, 64 MiB); a benchmark that does not
    measure provisioning need not pay it 500 times. The stored hash stays valid.
    """
    from smartcity.tenantcore import users

    original = users.hash_password
    stored = original(PASSWORD)
    users.hash_password = lambda password: stored if password == PASSWORD else original(password)
    try:
        yield
    finally:
        users.hash_password = original


# -- counting what the driver sends --------------------------------------------------------


def _label(query: object) -> str:
    if isinstance(query, bytes):
        query = query.decode(errors="replace")
    text = str(query)
    statements = []
    # Split "BEGIN; SET LOCAL ROLE ..." but not a function body in dollar quotes.
    for statement in [text] if "$$" in text else text.split(";"):
        words = statement.split()
        if words:
            keep = 3 if words[0].upper() == "SET" else 1
            statements.append(" ".join(words[:keep]).upper())
    return "; ".join(statements) or "?"


@contextmanager
def count_round_trips() -> Iterator[Counter[str]]:
    """Count what psycopg sends to the server, by statement kind, while the block runs.

    Wraps psycopg's own send points: every cursor query (simple or extended
    protocol, prepared or not), every PREPARE, and every connection-level command
    (COMMIT, ROLLBACK, DEALLOCATE). So the ``BEGIN; SET LOCAL ROLE ...`` that
    smartcity.db sends with ``driver_connection.execute`` - outside SQLAlchemy's
    ``before_cursor_execute`` - is counted, as one round trip. Statements queued
    by a pipelined ``executemany`` share round trips; they are counted under a
    ``(pipelined)`` label.
    """
    from psycopg import _connection_base, _cursor_base

    counts: Counter[str] = Counter()
    cursor_cls = _cursor_base.BaseCursor
    conn_cls = _connection_base.BaseConnection
    saved = {
        (cursor_cls, "_execute_send"): cursor_cls._execute_send,
        (cursor_cls, "_send_prepare"): cursor_cls._send_prepare,
        (cursor_cls, "_send_query_prepared"): cursor_cls._send_query_prepared,
        (conn_cls, "_exec_command"): conn_cls._exec_command,
    }

    def note(conn: Any, label: str) -> None:
        counts[f"(pipelined) {label}" if conn._pipeline else label] += 1

    def execute_send(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        note(self._conn, _label(query.query))
        return saved[cursor_cls, "_execute_send"](self, query, *args, **kwargs)

    def send_prepare(self: Any, name: bytes, query: Any) -> Any:
        note(self._conn, "PREPARE " + _label(query.query))
        return saved[cursor_cls, "_send_prepare"](self, name, query)

    def send_query_prepared(self: Any, name: bytes, query: Any, **kwargs: Any) -> Any:
        note(self._conn, _label(query.query) + " (prepared)")
        return saved[cursor_cls, "_send_query_prepared"](self, name, query, **kwargs)

    def exec_command(self: Any, command: Any, *args: Any, **kwargs: Any) -> Any:
        note(self, _label(command if isinstance(command, str | bytes) else "COMMAND"))
        return saved[conn_cls, "_exec_command"](self, command, *args, **kwargs)

    replacements = {
        (cursor_cls, "_execute_send"): execute_send,
        (cursor_cls, "_send_prepare"): send_prepare,
        (cursor_cls, "_send_query_prepared"): send_query_prepared,
        (conn_cls, "_exec_command"): exec_command,
    }
    for (cls, attr), func in replacements.items():
        setattr(cls, attr, func)
    try:
        yield counts
    finally:
        for (cls, attr), func in saved.items():
            setattr(cls, attr, func)


def describe_counts(counts: Counter[str], per: int = 1) -> str:
    parts = [f"{label} x{n / per:g}" for label, n in counts.most_common()]
    return ", ".join(parts) or "none"


# -- figures -----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def median(values: Iterable[float]) -> float:
    return statistics.median(values)


def header(title: str, goal: str) -> None:
    print(f"== {title}")
    print(f"goal: {goal}")
    print(
        "installed apps: the test apps noticeboard and digest (Settings(APPS=("
        + ", ".join(f'"{a}"' for a in APPS)
        + ")), i.e. SMARTCITY_APPS)"
    )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load} "
        f"(other work on the machine skews every figure), "
        f"PostgreSQL at {libpq_url(ADMIN_URL).rpartition('@')[2]}"
    )


def verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *_exc: object) -> None:
        self.seconds = self.elapsed

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self._start


def profile(func: Callable[[], object], top: int = 30) -> str:
    """Run ``func`` under cProfile; the top functions by cumulative and by own time."""
    profiler = cProfile.Profile()
    profiler.runcall(func)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top // 2)
    return out.getvalue()
