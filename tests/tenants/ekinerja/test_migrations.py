"""e-Kinerja's migration tree builds exactly the tables its models describe."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from smartcity.db import TenantBase, db
from smartcity.tenancy import roles
from smartcity.tenancy.names import quote_ident, role_name, schema_name
from sqlalchemy import text

from tenants.ekinerja.models import Base


def test_ekinerja_models_match_its_migrations(state: Any, settings: Any) -> None:
    slug = "replay-ekn"
    schema, role = schema_name(slug), role_name(settings.role_prefix, slug)
    with db.session() as session:
        conn = session.connection()
        roles.create_tenant(session, schema)
        conn.execute(text(f"SET LOCAL ROLE {quote_ident(role)}"))
        state.migrations.upgrade_tenant(conn, schema, ["tenant_core", "ekinerja"])
        conn.execute(text(f"SET LOCAL search_path TO {quote_ident(schema)}"))
        context = MigrationContext.configure(
            conn, opts={"include_name": lambda name, *_: name != "alembic_version"}
        )
        diff = compare_metadata(context, [TenantBase.metadata, Base.metadata])
        session.rollback()
    assert diff == []
