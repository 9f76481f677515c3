"""Tenant exports; when a tenant was archived and purged.

Revision ID: p0003
Revises: p0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "p0003"
down_revision: str | Sequence[str] | None = "p0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenant_exports",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("tables", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_exports")),
        schema="platform",
    )
    op.create_index(
        op.f("ix_platform_tenant_exports_tenant_id"),
        "tenant_exports",
        ["tenant_id"],
        unique=False,
        schema="platform",
    )
    op.add_column(
        "tenants",
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        schema="platform",
    )
    op.add_column(
        "tenants",
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        schema="platform",
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_column("tenants", "purged_at", schema="platform")
    op.drop_column("tenants", "archived_at", schema="platform")
    op.drop_index(
        op.f("ix_platform_tenant_exports_tenant_id"), table_name="tenant_exports", schema="platform"
    )
    op.drop_table("tenant_exports", schema="platform")
