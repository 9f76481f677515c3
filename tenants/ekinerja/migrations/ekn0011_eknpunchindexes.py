"""ekinerja: the check-in's look-ups probe an index instead of reading a day's punches.

- "Did anyone else punch from this phone today?" is asked as two ranges of
  staff_id on either side of the person punching: an index on (device_id,
  staff_id, at) answers it with two empty probes for a phone only its owner uses,
  where (device_id, at) read every punch of the owner's that day.
- "The person's last located punch up to now" (the impossible-jump check, by at
  then id) walks (staff_id, at, id) backwards and stops at the first; with
  staff_id alone it read and sorted all of the person's punches. The new index
  also serves every look-up by person, so the old one goes.

Revision ID: ekn0011_eknpunchindexes
Revises: ekn0010_ekndevices
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "ekn0011_eknpunchindexes"
down_revision = "ekn0010_ekndevices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_ekn_punches_device_id_at", table_name="ekn_punches")
    op.create_index(
        "ix_ekn_punches_device_id_staff_id_at",
        "ekn_punches",
        ["device_id", "staff_id", "at"],
        unique=False,
        postgresql_where=sa.text("device_id IS NOT NULL"),
    )
    op.create_index("ix_ekn_punches_staff_id_at_id", "ekn_punches", ["staff_id", "at", "id"])
    op.drop_index(op.f("ix_ekn_punches_staff_id"), table_name="ekn_punches")


def downgrade() -> None:
    op.create_index(op.f("ix_ekn_punches_staff_id"), "ekn_punches", ["staff_id"])
    op.drop_index("ix_ekn_punches_staff_id_at_id", table_name="ekn_punches")
    op.drop_index("ix_ekn_punches_device_id_staff_id_at", table_name="ekn_punches")
    op.create_index(
        "ix_ekn_punches_device_id_at",
        "ekn_punches",
        ["device_id", "at"],
        unique=False,
        postgresql_where=sa.text("device_id IS NOT NULL"),
    )
