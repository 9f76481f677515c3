"""Operators' second factor, support grants, daily usage aggregates.

Revision ID: p0002
Revises: p0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "p0002"
down_revision: str | Sequence[str] | None = "p0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "support_grants",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("operator_id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handover_nonce", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["platform.operators.id"],
            name=op.f("fk_support_grants_operator_id_operators"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["platform.tenants.id"],
            name=op.f("fk_support_grants_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_support_grants")),
        schema="platform",
    )
    op.create_index(
        op.f("ix_platform_support_grants_operator_id"),
        "support_grants",
        ["operator_id"],
        unique=False,
        schema="platform",
    )
    op.create_index(
        op.f("ix_platform_support_grants_tenant_id"),
        "support_grants",
        ["tenant_id"],
        unique=False,
        schema="platform",
    )
    op.create_table(
        "tenant_usage_daily",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("app", sa.String(length=40), nullable=False),
        sa.Column("active_users", sa.Integer(), nullable=False),
        sa.Column("active_users_7d", sa.Integer(), nullable=False),
        sa.Column("active_users_30d", sa.Integer(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("jobs", sa.Integer(), nullable=False),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["platform.tenants.id"],
            name=op.f("fk_tenant_usage_daily_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "day", "app", name=op.f("pk_tenant_usage_daily")),
        schema="platform",
    )
    op.add_column(
        "operators",
        sa.Column("totp_secret", sa.String(length=64), nullable=True),
        schema="platform",
    )
    op.add_column(
        "operators",
        sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True),
        schema="platform",
    )
    op.add_column(
        "operators",
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        schema="platform",
    )


def downgrade() -> None:
    op.drop_column("operators", "totp_last_step", schema="platform")
    op.drop_column("operators", "totp_enabled_at", schema="platform")
    op.drop_column("operators", "totp_secret", schema="platform")
    op.drop_table("tenant_usage_daily", schema="platform")
    op.drop_index(
        op.f("ix_platform_support_grants_tenant_id"), table_name="support_grants", schema="platform"
    )
    op.drop_index(
        op.f("ix_platform_support_grants_operator_id"),
        table_name="support_grants",
        schema="platform",
    )
    op.drop_table("support_grants", schema="platform")
