"""The platform registry: regions, tenants, domains, apps, operators, audit.

Revision ID: p0001
Revises:
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from smartcity.reference import region_rows
from sqlalchemy.dialects import postgresql

revision: str = "p0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("platform",)
depends_on: str | Sequence[str] | None = None

S = "platform"


def upgrade() -> None:
    regions = op.create_table(
        "regions",
        sa.Column("code", sa.String(13), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_regions"),
        schema=S,
    )
    op.bulk_insert(regions, [r._asdict() for r in region_rows()])
    status = postgresql.ENUM("active", "suspended", "archived", name="tenant_status", schema=S)
    op.create_table(
        "tenants",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("slug", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("region_code", sa.String(13), nullable=False),
        sa.Column("province", sa.String(120), nullable=False),
        sa.Column("status", status, nullable=False),
        sa.Column("maintenance", sa.Boolean(), nullable=False),
        sa.Column("maintenance_reason", sa.Text(), nullable=True),
        sa.Column("settings", postgresql.JSONB(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], [f"{S}.regions.code"], name="fk_tenants_region_code_regions"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
        sa.UniqueConstraint("slug", name="uq_tenants_slug"),
        schema=S,
    )
    op.create_table(
        "tenant_domains",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("domain", sa.String(253), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            [f"{S}.tenants.id"],
            ondelete="CASCADE",
            name="fk_tenant_domains_tenant_id_tenants",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_tenant_domains"),
        sa.UniqueConstraint("domain", name="uq_tenant_domains_domain"),
        schema=S,
    )
    op.create_table(
        "tenant_apps",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("app", sa.String(40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            [f"{S}.tenants.id"],
            ondelete="CASCADE",
            name="fk_tenant_apps_tenant_id_tenants",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "app", name="pk_tenant_apps"),
        schema=S,
    )
    op.create_table(
        "tenant_migrations",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("versions", postgresql.JSONB(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "finished_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            [f"{S}.tenants.id"],
            ondelete="CASCADE",
            name="fk_tenant_migrations_tenant_id_tenants",
        ),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_tenant_migrations"),
        schema=S,
    )
    op.create_table(
        "operators",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("credential_version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_operators"),
        sa.UniqueConstraint("email", name="uq_operators_email"),
        schema=S,
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("detail", postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        schema=S,
    )


def downgrade() -> None:
    for table in (
        "audit_log",
        "operators",
        "tenant_migrations",
        "tenant_apps",
        "tenant_domains",
        "tenants",
        "regions",
    ):
        op.drop_table(table, schema=S)
    postgresql.ENUM(name="tenant_status", schema=S).drop(op.get_bind())
