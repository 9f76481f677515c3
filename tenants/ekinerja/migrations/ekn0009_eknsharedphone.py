"""ekinerja: punches by phone are found by their device, to flag one phone punching
for several people on a day ("titip absen").

Every check-in from a phone asks whether someone else punched from it that day,
so the question is an index probe, not a scan of the day's punches.

Revision ID: ekn0009_eknsharedphone
Revises: ekn0008_eknapelcheckin
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "ekn0009_eknsharedphone"
down_revision = "ekn0008_eknapelcheckin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_ekn_punches_device_id_at",
        "ekn_punches",
        ["device_id", "at"],
        unique=False,
        postgresql_where=sa.text("device_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_ekn_punches_device_id_at", table_name="ekn_punches")
