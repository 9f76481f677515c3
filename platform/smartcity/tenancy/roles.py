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

from functools import partial

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from smartcity import citus
from smartcity.tenancy.names import quote_ident, role_name, schema_name

SCHEMA = "provisioner"

# A tenant schema as smartcity.tenancy.names.schema_name builds it (plus: no "__").
SCHEMA_PATTERN = "^t_[a-z][a-z0-9_]{0,38}[a-z0-9]$"


def create_tenant(session: Session, schema: str) -> None:
    """Create the tenant's NOLOGIN role and its schema; the app may SET ROLE to it.

    On Citus they are committed first, in a transaction of their own: the caller's
    next statements run on a worker over a new connection as the tenant's role,
    which can see neither the role nor the schema before they are committed there.
    If the caller's transaction then rolls back, both are dropped again (unless a
    committed tenant uses the schema), so a failed provisioning still leaves nothing.
    """
    conn = session.connection()
    create = text(f"SELECT {SCHEMA}.create_tenant(:schema)")
    if not citus.enabled(conn):
        conn.execute(create, {"schema": schema})
        return
    with conn.engine.connect() as own:
        own.execute(create, {"schema": schema})
        own.commit()
    # After the rollback itself (a Connection's "rollback" event comes before it,
    # while the caller's transaction still holds its locks).
    event.listen(
        session, "after_rollback", partial(_drop_uncommitted, conn.engine, schema), once=True
    )


def _drop_uncommitted(engine: Engine, schema: str, _session: Session) -> None:
    """Undo a committed create_tenant whose provisioning rolled back (Citus only)."""
    with engine.connect() as conn:
        # schema_name(slug) in SQL: this schema is in use if a committed tenant has it.
        in_use = conn.scalar(
            text("SELECT 1 FROM platform.tenants WHERE 't_' || replace(slug, '-', '_') = :s"),
            {"s": schema},
        )
        owner = conn.scalar(
            text("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = :s"),
            {"s": schema},
        )
        if in_use or owner is None:
            return
        conn.execute(text(f"SET LOCAL ROLE {owner}"))  # regrole output is quoted
        conn.execute(text(f"DROP SCHEMA {quote_ident(schema)} CASCADE"))
        conn.execute(text("SET LOCAL ROLE NONE"))
        conn.commit()
        conn.execute(_DROP_ROLE, {"schema": schema})
        conn.commit()


def drop_tenant(session: Session, role_prefix: str, slug: str) -> None:
    """Drop the tenant's schema (as its owner) and then its role.

    On Citus the role goes right after the caller commits: the schema's drop on
    the workers runs in this transaction over the tenant role's own connections,
    and DROP ROLE reaches them over the provisioner's, which would still see the
    schema's objects there.
    """
    conn = session.connection()
    schema, role = schema_name(slug), role_name(role_prefix, slug)
    if conn.scalar(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}):
        # The app's role is NOINHERIT: only the owner itself may drop the schema.
        conn.execute(text(f"SET LOCAL ROLE {quote_ident(role)}"))
        conn.execute(text(f"DROP SCHEMA {quote_ident(schema)} CASCADE"))
        conn.execute(text("SET LOCAL ROLE NONE"))
    if not citus.enabled(conn):
        conn.execute(_DROP_ROLE, {"schema": schema})
        return
    event.listen(session, "after_commit", partial(_drop_role, conn.engine, schema), once=True)


_DROP_ROLE = text(f"SELECT {SCHEMA}.drop_tenant_role(:schema)")


def _drop_role(engine: Engine, schema: str, _session: Session) -> None:
    with engine.connect() as conn:
        conn.execute(_DROP_ROLE, {"schema": schema})
        conn.commit()
