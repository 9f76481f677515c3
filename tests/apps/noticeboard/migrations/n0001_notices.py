"""noticeboard: the notices table.

Revision ID: n0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "n0001"
down_revision = None
branch_labels = ("noticeboard",)
# No depends_on: Alembic would fold the core row into this branch; the platform
# always installs and upgrades tenant_core before any app branch.
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notices"),
    )


def downgrade() -> None:
    op.drop_table("notices")
