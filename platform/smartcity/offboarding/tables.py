"""What a tenant schema holds, read from the catalog, and how its tables are fingerprinted.

Export and restore describe a table the same way (columns, primary key, row
count, checksum), so a round trip can be proven by comparing two manifests.
The checksum is computed in SQL over the columns in *name* order, not in
``attnum`` order: a schema built by migrations (columns appended) and one
created from the models (columns in declaration order) hold the same data and
must fingerprint alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, MetaData, Table, text

from smartcity.apps import AppRegistry
from smartcity.db import TenantBase
from smartcity.tenancy.names import quote_ident

#: table and column names that may become archive member names or reach SQL
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
VERSION_TABLE = "alembic_version"


@dataclass(frozen=True)
class TableShape:
    """A table as the catalog describes it."""

    name: str
    columns: tuple[str, ...]  # in attnum order: the order COPY writes them
    primary_key: tuple[str, ...]


@dataclass(frozen=True)
class TableDigest:
    rows: int
    checksum: str


def schema_tables(conn: Connection, schema: str) -> list[str]:
    """Ordinary tables of ``schema`` except Alembic's (its rows travel in the manifest)."""
    rows = conn.execute(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = :schema AND c.relkind IN ('r', 'p') AND c.relname <> :version"
            " ORDER BY c.relname"
        ),
        {"schema": schema, "version": VERSION_TABLE},
    )
    return list(rows.scalars())


def table_shape(conn: Connection, schema: str, table: str) -> TableShape:
    qualified = f"{quote_ident(schema)}.{quote_ident(table)}"
    columns = conn.execute(
        text(
            "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass)"
            " AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum"
        ),
        {"t": qualified},
    ).scalars()
    primary_key = conn.execute(
        text(
            "SELECT a.attname FROM pg_index i"
            " JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON true"
            " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
            " WHERE i.indrelid = CAST(:t AS regclass) AND i.indisprimary ORDER BY k.n"
        ),
        {"t": qualified},
    ).scalars()
    return TableShape(table, tuple(columns), tuple(primary_key))


def _columns_sql(names: Iterable[str], alias: str = "t") -> str:
    return ", ".join(f"{alias}.{quote_ident(c)}" for c in names)


def row_order_sql(shape: TableShape) -> str:
    """ORDER BY the primary key, else by the whole row (deterministic either way)."""
    if shape.primary_key:
        return _columns_sql(shape.primary_key)
    return f"ROW({_columns_sql(sorted(shape.columns))})::text"


def digest(conn: Connection, schema: str, shape: TableShape) -> TableDigest:
    """Row count and an md5 over every row's md5, in primary-key order, in one query.

    Hashing each row first keeps the aggregate at 32 bytes a row, far from
    PostgreSQL's 1 GB limit on one value, whatever the size of stored files.
    """
    row = conn.execute(
        text(
            f"SELECT count(*), md5(coalesce(string_agg("  # noqa: S608 - quote_ident identifiers only; values are bound
            f"md5(ROW({_columns_sql(sorted(shape.columns))})::text), '' "
            f"ORDER BY {row_order_sql(shape)}), '')) "
            f"FROM {quote_ident(schema)}.{quote_ident(shape.name)} AS t"
        )
    ).one()
    return TableDigest(int(row[0]), str(row[1]))


def copy_out_sql(schema: str, shape: TableShape) -> str:
    return (
        f"COPY (SELECT {_columns_sql(shape.columns)} "  # noqa: S608 - quote_ident identifiers only; values are bound
        f"FROM {quote_ident(schema)}.{quote_ident(shape.name)} AS t "
        f"ORDER BY {row_order_sql(shape)}) TO STDOUT WITH (FORMAT csv, HEADER true)"
    )


def copy_in_sql(schema: str, table: str, columns: Iterable[str]) -> str:
    # HEADER MATCH: PostgreSQL itself refuses a member whose header names other columns.
    cols = ", ".join(quote_ident(c) for c in columns)
    return (
        f"COPY {quote_ident(schema)}.{quote_ident(table)} ({cols}) "
        "FROM STDIN WITH (FORMAT csv, HEADER match)"
    )


def tenant_metadatas(registry: AppRegistry, apps: Iterable[str]) -> list[MetaData]:
    """The core's metadata, then each app's, apps in dependency order."""
    metadatas = [TenantBase.metadata]
    for name in registry.closure(apps):
        metadata = registry.get(name).metadata
        if metadata is not None:
            metadatas.append(metadata)
    return metadatas


def restore_order(registry: AppRegistry, apps: Iterable[str]) -> list[Table]:
    """Every table of the core and the apps, each after the tables it refers to.

    Apps cannot refer to another metadata's tables, so the core first and then
    each app's own foreign-key order is a valid order for the whole schema.
    """
    return [table for md in tenant_metadatas(registry, apps) for table in md.sorted_tables]


def reset_identity_sequences(conn: Connection, schema: str) -> list[str]:
    """Point every identity column's sequence past the largest restored value."""
    columns = conn.execute(
        text(
            "SELECT c.relname, a.attname FROM pg_attribute a"
            " JOIN pg_class c ON c.oid = a.attrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = :schema AND a.attidentity <> '' AND NOT a.attisdropped"
            " ORDER BY c.relname"
        ),
        {"schema": schema},
    ).all()
    reset = []
    for table, column in columns:
        qualified = f"{quote_ident(schema)}.{quote_ident(table)}"
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:t, :c), "  # noqa: S608 - quote_ident identifiers only; values are bound
                f"coalesce(max({quote_ident(column)}), 0) + 1, false) FROM {qualified}"
            ),
            {"t": qualified, "c": column},
        )
        reset.append(f"{table}.{column}")
    return reset
