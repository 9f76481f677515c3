"""Versioned reference datasets and the version each tenant holds.

Revision ID: p0004
Revises: p0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "p0004"
down_revision: str | Sequence[str] | None = "p0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reference_datasets",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "published_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_datasets")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_reference_datasets_name_version")),
        schema="platform",
    )
    op.create_table(
        "tenant_reference_versions",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("dataset", sa.String(length=60), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["platform.tenants.id"],
            name=op.f("fk_tenant_reference_versions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "dataset", name=op.f("pk_tenant_reference_versions")),
        schema="platform",
    )


def downgrade() -> None:
    op.drop_table("tenant_reference_versions", schema="platform")
    op.drop_table("reference_datasets", schema="platform")
