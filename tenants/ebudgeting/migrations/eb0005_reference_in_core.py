"""ebudgeting: reference versions are recorded by the core's reference sync.

Revision ID: eb0005
Revises: eb0004
Create Date: 2026-12-06

The code tree, accounts and catalogue rows stay as they are; the platform's
``tenant_reference_versions`` has no record of them yet, so the next catch-up
push finds the regency behind and re-applies the same content (idempotent:
rows are updated in place) and records the version there.
"""

import sqlalchemy as sa
from alembic import op

revision = "eb0005"
down_revision = "eb0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("eb_reference_versions")


def downgrade() -> None:
    op.create_table(
        "eb_reference_versions",
        sa.Column("dataset", sa.String(length=40), nullable=False),
        sa.Column("version", sa.String(length=60), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column(
            "loaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("dataset", name=op.f("pk_eb_reference_versions")),
    )
