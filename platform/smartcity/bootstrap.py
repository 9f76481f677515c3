"""One-time database set-up with an admin connection: the app's login role and schema.

The app itself never runs as a superuser: superusers bypass every permission
check, which would silently remove the role wall between tenants. Its login
role is NOINHERIT (it holds no tenant's rights until ``SET LOCAL ROLE``) and
CREATEROLE (provisioning creates one role per tenant).
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from smartcity.config import Settings
from smartcity.db import PLATFORM_SCHEMA, sqlalchemy_url


def libpq_url(url: str) -> str:
    return sqlalchemy_url(url).replace("postgresql+psycopg://", "postgresql://", 1)


def bootstrap_database(settings: Settings) -> None:
    """Idempotent: create or fix the app role, its grants and the platform schema."""
    role = sql.Identifier(settings.app_role)
    with psycopg.connect(libpq_url(settings.DATABASE_URL), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = %s", (settings.app_role,)
        ).fetchone()
        verb = sql.SQL("ALTER") if exists else sql.SQL("CREATE")
        stmt = sql.SQL("{} ROLE {} LOGIN NOINHERIT CREATEROLE NOSUPERUSER").format(verb, role)
        if settings.DB_APP_PASSWORD:
            stmt += sql.SQL(" PASSWORD {}").format(sql.Literal(settings.DB_APP_PASSWORD))
        conn.execute(stmt)
        conn.execute(
            sql.SQL("GRANT CONNECT, CREATE ON DATABASE {} TO {}").format(
                sql.Identifier(settings.database_name), role
            )
        )
        conn.execute(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(
                sql.Identifier(PLATFORM_SCHEMA), role
            )
        )


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
