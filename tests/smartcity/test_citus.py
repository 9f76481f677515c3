"""On Citus: every regency a distributed schema, the walls on the workers, moving a regency.

Runs in the Citus tier (`python3 dev.py test --citus`), which starts a coordinator
and two workers; on a single server these tests are skipped.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from smartcity import citus
from smartcity.bootstrap import libpq_url
from smartcity.cli import main as cli_main
from smartcity.db import db
from smartcity.tenancy.names import role_name, schema_name

from tests import citus_support
from tests.conftest import PASSWORD, bearer, tenant_token
from tests.support.console import row_of, signed_in_console

pytestmark = pytest.mark.skipif(
    not citus_support.WORKERS, reason="needs the Citus tier (python3 dev.py test --citus)"
)

DEADLINE_S = 120.0


def _placements() -> dict[str, citus.Node]:
    with db.engine.connect() as conn:
        return citus.placements(conn)


def _admin(settings, node: str | None = None) -> psycopg.Connection:
    url = libpq_url(settings.DATABASE_URL)
    if node is not None:
        url = citus_support.worker_url(settings.DATABASE_URL, node, settings.database_name)
    return psycopg.connect(url, autocommit=True)


def test_new_regencies_are_distributed_schemas_spread_over_both_workers(provision, settings):
    slugs = [provision() for _ in range(4)]
    placed = _placements()
    assert {schema_name(s) for s in slugs} <= placed.keys()
    with _admin(settings) as conn:
        distributed = {r[0] for r in conn.execute("SELECT schema_name::text FROM citus_schemas")}
    assert {schema_name(s) for s in slugs} <= distributed
    nodes = {str(placed[schema_name(s)]) for s in slugs}
    assert nodes == set(citus_support.WORKERS)


def test_platform_stays_on_the_coordinator(app, settings):
    with _admin(settings) as conn:
        spread = conn.execute(
            "SELECT logicalrelid::text FROM pg_dist_partition"
            " WHERE logicalrelid::regclass::text LIKE 'platform.%'"
        ).fetchall()
    assert spread == []
    for node in citus_support.WORKERS:
        with _admin(settings, node) as conn:
            tables = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'platform'"
            ).fetchone()
        assert tables == (0,)


def test_the_schema_wall_holds_on_the_workers(provision, settings):
    a, b = provision(), provision()
    b_node = str(_placements()[schema_name(b)])
    # Through the coordinator, under A's role: the query runs on B's worker as A.
    with db.engine.connect() as conn:
        conn.exec_driver_sql(f'SET LOCAL ROLE "{role_name(settings.role_prefix, a)}"')
        with pytest.raises(Exception, match="permission denied for schema"):
            conn.exec_driver_sql(f"SELECT count(*) FROM {schema_name(b)}.users")
        conn.rollback()
    # On B's worker itself, as A's role: refused there as well, alone or in a join.
    with _admin(settings, b_node) as conn:
        conn.execute(f'SET ROLE "{role_name(settings.role_prefix, a)}"')
        for query in (
            f"SELECT count(*) FROM {schema_name(b)}.users",
            f"SELECT 1 FROM {schema_name(a)}.users x JOIN {schema_name(b)}.users y ON x.id = y.id",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(query)


def test_tenant_and_provisioner_roles_log_in_on_the_workers_only(provision, settings):
    slug = provision()
    tenant = role_name(settings.role_prefix, slug)
    coordinator = psycopg.conninfo.conninfo_to_dict(libpq_url(settings.DATABASE_URL))
    for role in (tenant, settings.provisioner_role):
        with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
            psycopg.connect(**{**coordinator, "user": role}).close()
        for node in citus_support.WORKERS:
            with _admin(settings, node) as conn:
                login, password = conn.execute(
                    "SELECT rolcanlogin, rolpassword FROM pg_authid WHERE rolname = %s", (role,)
                ).fetchone()
            # Citus connects as the current role; no password the app could know.
            assert (login, password) == (True, None)


def test_workers_trust_only_the_coordinator(settings):
    for node in citus_support.WORKERS:
        with _admin(settings, node) as conn:
            rules = conn.execute(
                "SELECT type, address, auth_method FROM pg_hba_file_rules"
                " WHERE type <> 'local' ORDER BY line_number"
            ).fetchall()
        assert rules == [("host", "127.0.0.1", "trust"), ("host", "all", "reject")]


def test_a_regency_moves_between_workers_while_in_use(app, client, provision, settings):
    slug = provision()
    source = _placements()[schema_name(slug)]
    target = next(n for n in map(citus.Node.parse, citus_support.WORKERS) if n != source)
    token = tenant_token(client, slug)
    errors: list[str] = []
    done: list[float] = []
    stop = threading.Event()
    enough = threading.Event()

    def use_it() -> None:
        reader = app.test_client()
        n = 0
        while not stop.is_set():
            n += 1
            started = time.monotonic()
            created = reader.post(
                f"/t/{slug}/api/v1/users",
                json={"email": f"m{n}@{slug}.go.id", "name": f"M {n}", "password": PASSWORD},
                headers=bearer(token),
            )
            listed = reader.get(f"/t/{slug}/api/v1/users", headers=bearer(token))
            if created.status_code != 201 or listed.status_code != 200:
                errors.append(f"{created.status_code} {listed.status_code} {listed.get_data()!r}")
            done.append(time.monotonic() - started)
            if len(done) >= 3:
                enough.set()

    thread = threading.Thread(target=use_it, name="regency-in-use", daemon=True)
    thread.start()
    try:
        assert enough.wait(DEADLINE_S), "the requests did not start"
        result = _run_cli(app, ["tenants", "move", slug, str(target)])
        assert result.exit_code == 0, result.output
        assert f"on {target} (was {source})" in result.output
        before = len(done)
        deadline = time.monotonic() + DEADLINE_S
        while len(done) < before + 3 and time.monotonic() < deadline and thread.is_alive():
            enough.clear()
            enough.wait(1.0)
    finally:
        stop.set()
        thread.join(DEADLINE_S)
    assert errors == []
    assert _placements()[schema_name(slug)] == target
    assert len(done) >= before + 3
    # Each request waited at most for the switch-over.
    assert max(done) < 30.0
    listing = signed_in_console(app).get(f"/platform/?q={slug}")
    assert listing.status_code == 200
    assert f"<code>{target}</code>" in row_of(listing.get_data(as_text=True), slug)


def test_moving_to_an_unknown_node_is_refused(app, provision):
    slug = provision()
    result = _run_cli(app, ["tenants", "move", slug, "10.9.9.9:5432"])
    assert result.exit_code != 0
    assert "not an active worker" in result.output
    result = _run_cli(app, ["tenants", "move", slug, "nowhere"])
    assert result.exit_code != 0
    assert "host:port" in result.output


def _run_cli(app, args):
    return app.test_cli_runner().invoke(cli_main, args, catch_exceptions=False)
