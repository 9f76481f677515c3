"""Org-unit membership per app, in the core (moved from e-Budgeting's eb_opd_members).

Revision ID: c0006
Revises: c0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c0006"
down_revision: str | Sequence[str] | None = "c0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "org_unit_members",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("app", sa.String(length=31), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_org_unit_members_org_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_org_unit_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "org_unit_id", "app", name=op.f("pk_org_unit_members")),
    )
    op.create_index(
        "ix_org_unit_members_app_unit", "org_unit_members", ["app", "org_unit_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_org_unit_members_app_unit", table_name="org_unit_members")
    op.drop_table("org_unit_members")
