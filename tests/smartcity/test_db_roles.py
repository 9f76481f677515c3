"""The app's database role cannot escalate: no CREATEROLE, no predefined roles, no programs.

Provisioning and purging still create and drop tenant roles, through the
SECURITY DEFINER functions that bootstrap installs; these accept nothing but a
tenant schema name of this deployment's shape.
"""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql
from smartcity.bootstrap import bootstrap_database, drop_deployment_roles, libpq_url
from smartcity.db import db, tenant_bind
from smartcity.tenancy import roles
from smartcity.tenancy.models import Tenant, TenantStatus
from smartcity.tenancy.names import role_name, schema_name
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from tests.conftest import bearer, tenant_token, unique_slug

PREDEFINED = (
    "pg_read_all_data",
    "pg_write_all_data",
    "pg_execute_server_program",
    "pg_read_server_files",
    "pg_write_server_files",
    "pg_signal_backend",
    "pg_monitor",
)


def _refused_as_app(statement: str, params: dict[str, str] | None = None) -> DBAPIError:
    """Run ``statement`` as the app role; it must fail. Returns the error."""
    with db.engine.connect() as conn:
        with pytest.raises(DBAPIError) as caught:
            conn.execute(text(statement), params or {})
        conn.rollback()
    return caught.value


def _admin(settings):
    return psycopg.connect(libpq_url(settings.DATABASE_URL), autocommit=True)


def test_the_app_role_cannot_create_roles_grant_predefined_roles_or_run_programs(app, settings):
    with db.engine.connect() as conn:
        me = conn.execute(
            text("SELECT rolcreaterole, rolsuper, rolcreatedb FROM pg_roles WHERE rolname = :r"),
            {"r": settings.app_role},
        ).one()
        conn.rollback()
    assert tuple(me) == (False, False, False)

    error = _refused_as_app('CREATE ROLE "escalate_probe" NOLOGIN')
    assert error.orig.sqlstate == "42501", error  # insufficient_privilege
    for predefined in PREDEFINED:
        error = _refused_as_app(f"GRANT {predefined} TO CURRENT_USER")
        assert error.orig.sqlstate == "42501", (predefined, error)
    for server_side in (
        "COPY (SELECT 1) TO PROGRAM 'id'",
        "CREATE TEMP TABLE probe (line text); COPY probe FROM PROGRAM 'id'",
        "CREATE TEMP TABLE probe (line text); COPY probe FROM '/etc/passwd'",
        "SELECT pg_read_file('/etc/passwd')",
    ):
        error = _refused_as_app(server_side)
        assert error.orig.sqlstate == "42501", (server_side, error)


def test_the_app_role_cannot_reach_the_provisioner_or_change_its_functions(app, settings):
    provisioner = settings.provisioner_role
    for statement in (
        f'SET ROLE "{provisioner}"',
        f'GRANT "{provisioner}" TO CURRENT_USER',
        f"ALTER FUNCTION {roles.SCHEMA}.create_tenant(text) SECURITY INVOKER",
        f"CREATE OR REPLACE FUNCTION {roles.SCHEMA}.create_tenant(tenant_schema text) "
        "RETURNS void LANGUAGE sql AS 'SELECT NULL'",
        f"CREATE FUNCTION {roles.SCHEMA}.probe() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    ):
        error = _refused_as_app(statement)
        assert error.orig.sqlstate == "42501", (statement, error)
    with _admin(settings) as conn:
        flags = conn.execute(
            "SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = %s", (provisioner,)
        ).fetchone()
        executors = {
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT grantee::regrole::text FROM pg_proc p, aclexplode(p.proacl) a"
                " WHERE p.pronamespace = %s::regnamespace AND a.privilege_type = 'EXECUTE'",
                (roles.SCHEMA,),
            )
        }
        public_may_run = conn.execute(
            "SELECT bool_or(has_function_privilege('public', p.oid, 'EXECUTE'))"
            " FROM pg_proc p WHERE p.pronamespace = %s::regnamespace",
            (roles.SCHEMA,),
        ).fetchone()
    assert flags == (False, False)
    assert {e.strip('"') for e in executors} == {settings.app_role, provisioner}
    assert public_may_run == (False,)


@pytest.mark.parametrize(
    "name",
    [
        "pg_read_all_data",
        "platform",
        "t_",
        "t_a",  # a slug has at least two characters
        "t_x_",
        "t_a__b",
        "t_Kab",
        't_kab"; CREATE ROLE x SUPERUSER; --',
        "t_kab\n",
        "t_" + "a" * 41,
        "app",
        "provisioner",
    ],
)
def test_the_functions_accept_only_tenant_schema_names(app, settings, name):
    for function in ("create_tenant", "drop_tenant_role"):
        error = _refused_as_app(f"SELECT {roles.SCHEMA}.{function}(:n)", {"n": name})
        assert error.orig.sqlstate == "22023", (function, name, error)  # invalid_parameter_value


def test_drop_refuses_a_role_of_the_right_shape_that_is_not_this_deployments(app, settings):
    """A role named like a tenant but not granted to this app (e.g. another deployment's)."""
    schema = schema_name(unique_slug("asing"))
    stranger = f"{settings.role_prefix}_{schema}"
    with _admin(settings) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(stranger)))
    try:
        error = _refused_as_app(f"SELECT {roles.SCHEMA}.drop_tenant_role(:n)", {"n": schema})
        assert error.orig.sqlstate == "42501", error
    finally:
        with _admin(settings) as conn:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(stranger)))


def test_provisioned_roles_are_nologin_and_give_the_app_set_role_without_admin(settings, provision):
    slug = provision()
    role = role_name(settings.role_prefix, slug)
    with _admin(settings) as conn:
        tenant = conn.execute(
            "SELECT rolcanlogin, rolinherit, rolcreaterole FROM pg_roles WHERE rolname = %s",
            (role,),
        ).fetchone()
        grants = conn.execute(
            "SELECT m.member::regrole::text, m.admin_option FROM pg_auth_members m"
            " WHERE m.roleid = %s::regrole ORDER BY 1",
            (role,),
        ).fetchall()
    assert tenant == (False, False, False)
    assert sorted((m.strip('"'), admin) for m, admin in grants) == sorted(
        [(settings.app_role, False), (settings.provisioner_role, False)]
    )
    # The app cannot hand its membership on.
    error = _refused_as_app(f'GRANT "{role}" TO "{settings.provisioner_role}"')
    assert error.orig.sqlstate == "42501", error


def test_bootstrap_again_removes_createrole_and_earlier_tenants_keep_working(
    settings, client, provision
):
    """A database bootstrapped by the old code: the app had CREATEROLE and made the roles."""
    slug = provision()
    role = role_name(settings.role_prefix, slug)
    app_role, provisioner = settings.app_role, settings.provisioner_role
    with _admin(settings) as conn:
        conn.execute(sql.SQL("ALTER ROLE {} CREATEROLE").format(sql.Identifier(app_role)))
        # The old provisioning granted the role to the app only, the app as grantor.
        conn.execute(
            sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(role), sql.Identifier(provisioner))
        )

    bootstrap_database(settings)

    with _admin(settings) as conn:
        createrole = conn.execute(
            "SELECT rolcreaterole FROM pg_roles WHERE rolname = %s", (app_role,)
        ).fetchone()
    assert createrole == (False,)
    error = _refused_as_app('CREATE ROLE "escalate_probe" NOLOGIN')
    assert error.orig.sqlstate == "42501"

    token = tenant_token(client, slug)
    assert client.get(f"/t/{slug}/api/v1/me", headers=bearer(token)).status_code == 200
    bind = tenant_bind(db.engine, schema_name(slug), role)
    with bind.connect() as conn:
        assert conn.scalar(text(f'SELECT count(*) FROM "{schema_name(slug)}".users')) >= 1
        conn.rollback()

    # And the purge path can still drop it (the row is marked as a purge marks it,
    # so the fleet migration in other tests does not look for the schema).
    with db.platform_transaction() as session:
        roles.drop_tenant(session, settings.role_prefix, slug)
        tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
        assert tenant is not None
        tenant.status = TenantStatus.ARCHIVED
        tenant.archived_at = tenant.purged_at = func.now()
    with _admin(settings) as conn:
        left = conn.execute(
            "SELECT (SELECT count(*) FROM pg_roles WHERE rolname = %s),"
            " (SELECT count(*) FROM pg_namespace WHERE nspname = %s)",
            (role, schema_name(slug)),
        ).fetchone()
    assert left == (0, 0)


def test_a_createrole_admin_that_is_not_a_superuser_can_bootstrap_twice(settings):
    """DATABASE_URL may name a CREATEROLE, CREATEDB admin instead of a superuser."""
    suffix = unique_slug("nsu").replace("-", "_")
    admin, database = f"sc_admin_{suffix}", f"sc_{suffix}"
    with _admin(settings) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN CREATEROLE CREATEDB").format(sql.Identifier(admin))
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(database), sql.Identifier(admin)
            )
        )
    url = make_url(settings.DATABASE_URL).set(username=admin, database=database)
    other = settings.replace(DATABASE_URL=url.render_as_string(hide_password=False))
    try:
        bootstrap_database(other)
        bootstrap_database(other)
        with psycopg.connect(libpq_url(other.app_database_url), autocommit=True) as conn:
            with conn.transaction():
                conn.execute(f"SELECT {roles.SCHEMA}.create_tenant('t_uji')")
            flags = conn.execute(
                "SELECT rolcreaterole, pg_has_role(%s, 'MEMBER') FROM pg_roles"
                " WHERE rolname = current_user",
                (f"{other.role_prefix}_t_uji",),
            ).fetchone()
        assert flags == (False, True)
    finally:
        with _admin(settings) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )
        drop_deployment_roles(libpq_url(settings.DATABASE_URL), other.role_prefix)
        with _admin(settings) as conn:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(admin)))
