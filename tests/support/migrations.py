"""Putting a regency's schema back to an older revision of an app's tree."""

from __future__ import annotations

from smartcity.db import db, tenant_bind
from smartcity.tenancy.names import role_name, schema_name


def downgrade_noticeboard(state, slug: str) -> None:
    schema, role = schema_name(slug), role_name(state.settings.role_prefix, slug)
    with tenant_bind(db.engine, schema, role).connect() as conn:
        state.migrations.downgrade_tenant(conn, schema, "noticeboard", "n0001")
        conn.commit()
