"""The Citus tier's test database: made on every node and distributed.

`python3 dev.py test --citus` starts a coordinator and two workers
(tools/citus/cluster.sh) and passes the workers in SMARTCITY_TEST_CITUS_WORKERS
(``host:port,host:port``). Citus metadata is per database, so each session's
database is created on all three nodes, with the extension, and the workers are
registered in it; its roles are dropped on the workers too, since the drop on the
coordinator (from database ``postgres``, which has no Citus) does not reach them.
"""

from __future__ import annotations

import os

import psycopg
from psycopg import sql
from smartcity.bootstrap import drop_deployment_roles, libpq_url
from sqlalchemy.engine import make_url

WORKERS = [w for w in os.environ.get("SMARTCITY_TEST_CITUS_WORKERS", "").split(",") if w]


def _url(admin_url: str, node: str | None, database: str) -> str:
    url = make_url(admin_url).set(database=database)
    if node is not None:
        host, _, port = node.rpartition(":")
        url = url.set(host=host, port=int(port))
    return libpq_url(url.render_as_string(hide_password=False))


def distribute_database(admin_url: str, name: str) -> None:
    """Create ``name`` on the workers with Citus, then make it a Citus cluster."""
    for node in WORKERS:
        with psycopg.connect(_url(admin_url, node, "postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        with psycopg.connect(_url(admin_url, node, name), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION citus")
    coordinator = make_url(admin_url)
    with psycopg.connect(_url(admin_url, None, name), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION citus")
        conn.execute(
            "SELECT citus_set_coordinator_host(%s, %s)",
            (coordinator.host or "127.0.0.1", coordinator.port or 5432),
        )
        for node in WORKERS:
            host, _, port = node.rpartition(":")
            conn.execute("SELECT citus_add_node(%s, %s)", (host, int(port)))


def drop_from_workers(admin_url: str, name: str, role_prefix: str) -> None:
    for node in WORKERS:
        with psycopg.connect(_url(admin_url, node, "postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        drop_deployment_roles(_url(admin_url, node, "postgres"), role_prefix)


def worker_url(admin_url: str, node: str, database: str) -> str:
    """An admin URL for one worker (tests look at what landed there)."""
    return _url(admin_url, node, database)
