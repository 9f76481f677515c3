"""Citus schema-based sharding: where each regency lives, and moving it.

When a deployment outgrows one PostgreSQL server it runs on Citus (12+): every
tenant schema is a *distributed schema*, placed whole on one worker node, and the
coordinator routes each query to it. Nothing else in the platform changes: the
provisioner's function creates the schema with ``citus.enable_schema_based_sharding``
on (see :mod:`smartcity.bootstrap`), and ``platform`` stays on the coordinator.

The tenant wall holds on the workers because Citus connects to them *as the
current role*: after ``SET LOCAL ROLE`` that is the tenant's role, which has
LOGIN on the workers only (no password; their pg_hba.conf trusts the coordinator
alone) and stays NOLOGIN on the coordinator, where the app connects.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from sqlalchemy import Connection, text

from smartcity.errors import InvalidInput, Message, NotFound

# The node of each distributed schema: metadata tables the app may read; unlike
# the citus_shards view they ask no worker for sizes.
_PLACEMENTS = """
SELECT s.schemaid::regnamespace::text AS schema, n.nodename, n.nodeport
FROM pg_dist_schema s
JOIN LATERAL (
    SELECT pl.groupid FROM pg_dist_partition dp
    JOIN pg_dist_shard sh ON sh.logicalrelid = dp.logicalrelid
    JOIN pg_dist_placement pl ON pl.shardid = sh.shardid
    WHERE dp.colocationid = s.colocationid
    LIMIT 1
) g ON true
JOIN pg_dist_node n ON n.groupid = g.groupid AND n.noderole = 'primary'
"""


@dataclass(frozen=True)
class Node:
    """A worker as the operator names it: ``host:port``."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"

    @classmethod
    def parse(cls, value: str) -> Node:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isascii() or not port.isdecimal():
            raise InvalidInput(
                Message("a node is host:port"),
                {"node": Message("not host:port: %(value)s", value=repr(value))},
            )
        return cls(host, int(port))


def enabled(conn: Connection) -> bool:
    """True if this database runs Citus (the extension is installed)."""
    return conn.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'citus'")) is not None


def placements(conn: Connection) -> dict[str, Node]:
    """Every distributed schema's node; empty on a single server."""
    if not enabled(conn):
        return {}
    return {schema: Node(host, port) for schema, host, port in conn.execute(text(_PLACEMENTS))}


def workers(conn: Connection) -> list[Node]:
    """The active primary workers (nodes that may hold distributed schemas)."""
    rows = conn.execute(
        text(
            "SELECT nodename, nodeport FROM pg_dist_node WHERE noderole = 'primary'"
            " AND isactive AND shouldhaveshards ORDER BY nodeid"
        )
    )
    return [Node(host, port) for host, port in rows]


def move_schema(admin_url: str, schema: str, target: Node) -> Node:
    """Move a distributed schema to ``target`` while it stays in use; return where it was.

    ``citus_schema_move`` copies the schema's shards by logical replication (the
    nodes run with ``wal_level = logical``): reads and writes go on during the copy
    and wait only for the short switch-over at the end. It needs the tables' owner
    or a superuser, so it runs on the admin URL, as bootstrap does.
    """
    with psycopg.connect(admin_url, autocommit=True) as conn:
        found = conn.execute(
            _PLACEMENTS + " WHERE s.schemaid::regnamespace::text = %s", (schema,)
        ).fetchone()
        if found is None:
            raise NotFound(
                Message(
                    "schema %(schema)s is not a distributed schema with tables", schema=repr(schema)
                )
            )
        source = Node(found[1], found[2])
        active = conn.execute(
            "SELECT 1 FROM pg_dist_node WHERE nodename = %s AND nodeport = %s"
            " AND noderole = 'primary' AND isactive AND shouldhaveshards",
            (target.host, target.port),
        ).fetchone()
        if active is None:
            raise InvalidInput(
                Message("unknown node"),
                {"node": Message("%(node)s is not an active worker", node=str(target))},
            )
        if source != target:
            conn.execute(
                "SELECT citus_schema_move(%s::regnamespace, %s, %s)",
                (schema, target.host, target.port),
            )
        return source
