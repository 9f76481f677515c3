"""SAKIP's migrations tree: upgrading an existing regency gives the models' tables and
installs the default worksheet's consistency rules."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from smartcity.db import db, tenant_bind
from smartcity.tenancy.names import quote_ident, role_name, schema_name
from sqlalchemy import select, text

from tenants.sakip import evaluation
from tenants.sakip.models import Base, LkeRule, LkeVersion


def test_sk0002_upgrades_a_regency_and_matches_the_models(
    provision: Any, tenant_db: Any, state: Any
) -> None:
    slug = provision(apps=("sakip",))
    schema, role = schema_name(slug), role_name(state.settings.role_prefix, slug)
    with tenant_bind(db.engine, schema, role).connect() as conn:
        state.migrations.downgrade_tenant(conn, schema, "sakip", "sk0001")
        state.migrations.upgrade_tenant(conn, schema, ["sakip"])
        conn.commit()
        conn.execute(text(f"SET search_path TO {quote_ident(schema)}"))
        context = MigrationContext.configure(
            conn,
            opts={
                "include_name": lambda name, kind, *_: (
                    kind != "table" or (name or "").startswith("sakip_")
                )
            },
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    with tenant_db(slug) as session:
        version = session.scalar(
            select(LkeVersion).where(LkeVersion.name == evaluation.DEFAULT_VERSION)
        )
        assert version is not None
        rules = session.scalars(
            select(LkeRule).where(LkeRule.version_id == version.id).order_by(LkeRule.position)
        ).all()
        assert [(r.kind, r.criterion_code, r.prerequisite_code, r.answers) for r in rules] == [
            tuple(rule) for rule in evaluation.DEFAULT_RULES
        ]
