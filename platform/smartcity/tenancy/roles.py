"""Creating and dropping a tenant's role: only through the provisioner's functions.

The app's login role holds no CREATEROLE. On PostgreSQL 15 that attribute lets
a role grant itself any predefined role (``pg_read_all_data``,
``pg_execute_server_program``...), so any SQL injection in the app would have
become a takeover of the database server. Instead, bootstrap installs two
SECURITY DEFINER functions in schema ``provisioner``, owned by the NOLOGIN role
``<prefix>_provisioner`` (see :mod:`smartcity.bootstrap`); only the app may run
them, and they accept nothing but a tenant schema name (``t_<slug>``) from
which they derive the role (``<prefix>_t_<slug>``) themselves.

Both run in the caller's transaction, so a failed provisioning or purge leaves
nothing behind.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from smartcity.tenancy.names import quote_ident, role_name, schema_name

SCHEMA = "provisioner"

# A tenant schema as smartcity.tenancy.names.schema_name builds it (plus: no "__").
SCHEMA_PATTERN = "^t_[a-z][a-z0-9_]{0,38}[a-z0-9]$"


def create_tenant(conn: Connection, schema: str) -> None:
    """Create the tenant's NOLOGIN role and its schema; the app may SET ROLE to it."""
    conn.execute(text(f"SELECT {SCHEMA}.create_tenant(:schema)"), {"schema": schema})


def drop_tenant(conn: Connection, role_prefix: str, slug: str) -> None:
    """Drop the tenant's schema (as its owner) and then its role."""
    schema, role = schema_name(slug), role_name(role_prefix, slug)
    if conn.scalar(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}):
        # The app's role is NOINHERIT: only the owner itself may drop the schema.
        conn.execute(text(f"SET LOCAL ROLE {quote_ident(role)}"))
        conn.execute(text(f"DROP SCHEMA {quote_ident(schema)} CASCADE"))
        conn.execute(text("SET LOCAL ROLE NONE"))
    conn.execute(text(f"SELECT {SCHEMA}.drop_tenant_role(:schema)"), {"schema": schema})
