"""ekinerja: a person's account is tied to one phone ("satu akun satu perangkat").

The first punch from a phone ties it; a punch from another phone is flagged or
refused until an admin of the person's unit releases the tie. At most one tie per
person is current (a partial unique index); released ones are kept.

Revision ID: ekn0010_ekndevices
Revises: ekn0009_eknsharedphone
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "ekn0010_ekndevices"
down_revision = "ekn0009_eknsharedphone"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ekn_devices",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.String(length=120), nullable=False),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_ekn_devices_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_devices")),
    )
    op.create_index(
        "uq_ekn_devices_staff_id_current",
        "ekn_devices",
        ["staff_id"],
        unique=True,
        postgresql_where=sa.text("released_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_ekn_devices_staff_id_current", table_name="ekn_devices")
    op.drop_table("ekn_devices")
