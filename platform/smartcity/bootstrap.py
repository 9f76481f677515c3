"""One-time database set-up with an admin connection: the app's roles and schemas.

The app itself never runs as a superuser: superusers bypass every permission
check, which would silently remove the role wall between tenants. Its login
role is NOINHERIT (it holds no tenant's rights until ``SET LOCAL ROLE``) and
holds no CREATEROLE: on PostgreSQL 15 that attribute lets a role grant itself
``pg_read_all_data`` or ``pg_execute_server_program``, so an injection in the
app would become a takeover of the server. Tenant roles are created and dropped
by two SECURITY DEFINER functions owned by ``<prefix>_provisioner`` (NOLOGIN,
CREATEROLE), which take a tenant schema name of the deployment's shape and
nothing else (see :mod:`smartcity.tenancy.roles`).

Every statement is idempotent, so running bootstrap again also upgrades a
database set up by an older version (whose app role had CREATEROLE).
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from smartcity.config import Settings
from smartcity.db import PLATFORM_SCHEMA, sqlalchemy_url
from smartcity.tenancy.roles import SCHEMA as PROVISIONER_SCHEMA
from smartcity.tenancy.roles import SCHEMA_PATTERN

# Attributes stated in full on every run, so a re-run removes what an older
# bootstrap (or a hand edit) gave.
_APP_ATTRIBUTES = sql.SQL("LOGIN NOINHERIT NOCREATEROLE NOCREATEDB")
# NOINHERIT: it is a member of every tenant role (CREATE SCHEMA ... AUTHORIZATION
# needs that) but holds none of their rights.
_PROVISIONER_ATTRIBUTES = sql.SQL("NOLOGIN NOINHERIT CREATEROLE NOCREATEDB")
# Only a superuser may state these, even to switch them off (PostgreSQL 15).
_SUPERUSER_ATTRIBUTES = ("rolsuper", "rolreplication", "rolbypassrls")
_NO_SUPERUSER_ATTRIBUTES = sql.SQL(" NOSUPERUSER NOREPLICATION NOBYPASSRLS")

# The functions' bodies; {check} is _CHECK_SCHEMA. {pattern}, {prefix}, {app} and
# {provisioner} are literals baked in at bootstrap, so nothing the caller passes names a role.
# search_path is pinned (pg_temp last) so no object the app creates can stand
# in for a built-in; identifiers reach EXECUTE only through format('%I').
_CHECK_SCHEMA = """
  IF tenant_schema IS NULL OR tenant_schema !~ {pattern}
     OR strpos(tenant_schema, '__') > 0 THEN
    RAISE EXCEPTION 'not a tenant schema name: %', quote_nullable(tenant_schema)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  tenant_role := {prefix} || '_' || tenant_schema;
"""

_CREATE_TENANT = """
CREATE OR REPLACE FUNCTION {schema}.create_tenant(tenant_schema text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp{citus_settings} AS $fn$
DECLARE
  tenant_role text;
BEGIN{check}
  EXECUTE format('CREATE ROLE %I {login} NOINHERIT', tenant_role);{workers_only}
  EXECUTE format('GRANT %I TO %I', tenant_role, {app});
  -- CREATE SCHEMA ... AUTHORIZATION needs membership in the owner (PostgreSQL 15).
  EXECUTE format('GRANT %I TO %I', tenant_role, {provisioner});
  {create_schema}
END
$fn$
"""

_DROP_TENANT_ROLE = """
CREATE OR REPLACE FUNCTION {schema}.drop_tenant_role(tenant_schema text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  tenant_role text;
BEGIN{check}
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = tenant_role) THEN
    RETURN;
  END IF;
  -- Only a role this deployment's app was given: a role of the same shape from
  -- another deployment (whose prefix happens to be ours + '_t_...') is not ours.
  IF NOT EXISTS (
    SELECT 1 FROM pg_auth_members m
    JOIN pg_roles r ON r.oid = m.roleid
    JOIN pg_roles a ON a.oid = m.member
    WHERE r.rolname = tenant_role AND a.rolname = {app}
  ) THEN
    RAISE EXCEPTION 'role % is not a tenant role of this deployment', quote_ident(tenant_role)
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  EXECUTE format('DROP ROLE %I', tenant_role);
END
$fn$
"""

_FUNCTIONS = ("create_tenant(text)", "drop_tenant_role(text)")

# On Citus the schema becomes a distributed schema (placed whole on one worker),
# and the role logs in on the workers only: Citus connects to them as the current
# role after SET LOCAL ROLE. CREATE ROLE ... LOGIN reaches every node; the
# coordinator, where the app connects, then takes LOGIN back without propagating.
# The schema is created by the provisioner and then given away: Citus records a
# distributed schema on the workers only for its owner, and the provisioner is a
# NOINHERIT member of the tenant role (enough for AUTHORIZATION, not for ownership).
_SINGLE_SERVER = {
    "citus_settings": "",
    "login": "NOLOGIN",
    "workers_only": "",
    "create_schema": (
        "EXECUTE format('CREATE SCHEMA %I AUTHORIZATION %I', tenant_schema, tenant_role);"
    ),
}
_CITUS = {
    "create_schema": """EXECUTE format('CREATE SCHEMA %I', tenant_schema);
  EXECUTE format('ALTER SCHEMA %I OWNER TO %I', tenant_schema, tenant_role);""",
    "citus_settings": "\n  SET citus.enable_schema_based_sharding = on",
    "login": "LOGIN",
    "workers_only": """
  PERFORM set_config('citus.enable_alter_role_propagation', 'off', true);
  EXECUTE format('ALTER ROLE %I NOLOGIN', tenant_role);
  PERFORM set_config('citus.enable_alter_role_propagation', 'on', true);""",
}


def libpq_url(url: str) -> str:
    return sqlalchemy_url(url).replace("postgresql+psycopg://", "postgresql://", 1)


def bootstrap_database(settings: Settings) -> None:
    """Idempotent: create or fix the app and provisioner roles, their grants and schemas."""
    app = sql.Identifier(settings.app_role)
    provisioner = sql.Identifier(settings.provisioner_role)
    database = sql.Identifier(settings.database_name)
    with psycopg.connect(libpq_url(settings.DATABASE_URL), autocommit=True) as conn:
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        admin_is_superuser = superuser.fetchone() == (True,)
        password = (
            sql.SQL(" PASSWORD {}").format(sql.Literal(settings.DB_APP_PASSWORD))
            if settings.DB_APP_PASSWORD
            else None
        )
        for name, attributes, extra in (
            (settings.app_role, _APP_ATTRIBUTES, password),
            (settings.provisioner_role, _PROVISIONER_ATTRIBUTES, None),
        ):
            _upsert_role(conn, name, attributes, extra, admin_is_superuser=admin_is_superuser)
        citus = _citus_enabled(conn)
        if citus:
            _login_on_workers_only(conn, settings.provisioner_role)
            # The audit log's append-only guard is a trigger on the table itself (it
            # touches no other shard), which Citus calls "unsafe" unless told.
            conn.execute(
                sql.SQL("ALTER DATABASE {} SET citus.enable_unsafe_triggers = on").format(database)
            )
            # INSERT ... SELECT with a join inside one tenant schema (e-Budgeting's
            # snapshots) is not pushed down to the worker by Citus 13.2 (router
            # INSERT ... SELECT is not merged upstream); it plans the SELECT as a
            # repartition join, which is refused unless enabled.
            conn.execute(
                sql.SQL("ALTER DATABASE {} SET citus.enable_repartition_joins = on").format(
                    database
                )
            )
            # Citus caches a backend's worker connections per role: a pooled backend
            # that serves many regencies would keep one per tenant role and worker
            # (a bench provisioning 75 in a row ran out of file descriptors). Cached
            # connections older than this are closed at the end of a transaction.
            conn.execute(
                sql.SQL(
                    "ALTER DATABASE {} SET citus.max_cached_connection_lifetime = '10s'"
                ).format(database)
            )
        if _is_member(conn, settings.app_role, settings.provisioner_role):
            conn.execute(sql.SQL("REVOKE {} FROM {}").format(provisioner, app))
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, app))
        # Schemas are created by the provisioner now; an older bootstrap let the app.
        conn.execute(sql.SQL("REVOKE CREATE ON DATABASE {} FROM {}").format(database, app))
        conn.execute(
            sql.SQL("GRANT CONNECT, CREATE ON DATABASE {} TO {}").format(database, provisioner)
        )
        if not admin_is_superuser:
            # A CREATEROLE admin may give a schema to, or SET ROLE to, only a role
            # it is a member of.
            conn.execute(sql.SQL("GRANT {}, {} TO CURRENT_USER").format(app, provisioner))
        conn.execute(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(
                sql.Identifier(PLATFORM_SCHEMA), app
            )
        )
        _install_provisioner(conn, settings, citus=citus)


def _upsert_role(
    conn: psycopg.Connection[tuple[object, ...]],
    name: str,
    attributes: sql.SQL,
    extra: sql.Composable | None,
    *,
    admin_is_superuser: bool,
) -> None:
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
    verb = sql.SQL("ALTER") if exists else sql.SQL("CREATE")
    stmt = sql.SQL("{} ROLE {} {}").format(verb, sql.Identifier(name), attributes)
    if admin_is_superuser:
        stmt += _NO_SUPERUSER_ATTRIBUTES
    conn.execute(stmt if extra is None else stmt + extra)
    flags = conn.execute(
        sql.SQL("SELECT {} FROM pg_roles WHERE rolname = %s").format(
            sql.SQL(", ").join(map(sql.Identifier, _SUPERUSER_ATTRIBUTES))
        ),
        (name,),
    ).fetchone()
    if flags is None or any(flags):
        # A superuser role would bypass every wall; a non-superuser admin cannot undo it.
        raise RuntimeError(f"role {name!r} is a superuser, replication or BYPASSRLS role")


def _is_member(conn: psycopg.Connection[tuple[object, ...]], member: str, role: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid"
        " JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = %s AND u.rolname = %s",
        (role, member),
    ).fetchone()
    return row is not None


def _citus_enabled(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
    """True if the database runs Citus (see :mod:`smartcity.citus`)."""
    found = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'").fetchone()
    return found is not None


def _login_on_workers_only(conn: psycopg.Connection[tuple[object, ...]], role: str) -> None:
    """LOGIN on the workers (Citus runs the provisioner's DDL there as the provisioner),
    NOLOGIN on the coordinator; the workers' pg_hba.conf trusts only the coordinator."""
    name = sql.Identifier(role)
    with conn.transaction():
        conn.execute(sql.SQL("ALTER ROLE {} LOGIN").format(name))
        conn.execute("SET LOCAL citus.enable_alter_role_propagation = off")
        conn.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(name))


def _install_provisioner(
    conn: psycopg.Connection[tuple[object, ...]], settings: Settings, *, citus: bool = False
) -> None:
    """The provisioner's schema and functions, owned by it; EXECUTE for the app alone."""
    app = sql.Identifier(settings.app_role)
    provisioner = sql.Identifier(settings.provisioner_role)
    schema = sql.Identifier(PROVISIONER_SCHEMA)
    with conn.transaction():
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(provisioner))
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
        owner = conn.execute(
            "SELECT r.rolname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner"
            " WHERE n.nspname = %s",
            (PROVISIONER_SCHEMA,),
        ).fetchone()
        if owner is None or owner[0] != settings.provisioner_role:
            # Whoever owns it could replace the functions: refuse rather than trust it.
            raise RuntimeError(
                f"schema {PROVISIONER_SCHEMA!r} is owned by {owner and owner[0]!r}, not "
                f"{settings.provisioner_role!r}: drop it as an admin and bootstrap again"
            )
        conn.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(schema))
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, app))
        names = {
            "schema": schema,
            "pattern": sql.Literal(SCHEMA_PATTERN),
            "prefix": sql.Literal(settings.role_prefix),
            "app": sql.Literal(settings.app_role),
            "provisioner": sql.Literal(settings.provisioner_role),
        }
        check = sql.SQL(_CHECK_SCHEMA).format(**names)
        shape = {k: sql.SQL(v) for k, v in (_CITUS if citus else _SINGLE_SERVER).items()}
        conn.execute(sql.SQL(_CREATE_TENANT).format(check=check, **names, **shape))
        conn.execute(sql.SQL(_DROP_TENANT_ROLE).format(check=check, **names))
        for function in _FUNCTIONS:
            signature = sql.SQL("{}.{}").format(schema, sql.SQL(function))
            conn.execute(sql.SQL("REVOKE ALL ON FUNCTION {} FROM PUBLIC").format(signature))
            conn.execute(sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(signature, app))


def drop_deployment_roles(admin_url: str, prefix: str) -> list[str]:
    """Drop every role of a deployment (tests do this after dropping their database)."""
    with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
        roles = [
            r[0]
            for r in conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE %s ORDER BY rolname DESC",
                (prefix.replace("_", r"\_") + r"\_%",),
            )
        ]
        for name in roles:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
    return roles
