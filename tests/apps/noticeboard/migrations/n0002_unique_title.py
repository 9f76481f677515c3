"""noticeboard: titles are unique (fails where a tenant already has duplicates).

Revision ID: n0002
Revises: n0001
Create Date: 2026-11-29
"""

from alembic import op

revision = "n0002"
down_revision = "n0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_unique_constraint("uq_notices_title", "notices", ["title"])


def downgrade() -> None:
    op.drop_constraint("uq_notices_title", "notices")
