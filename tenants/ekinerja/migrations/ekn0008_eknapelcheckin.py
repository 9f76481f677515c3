"""ekinerja: an assembly or ceremony may have a place, and people check in to it by phone.

Revision ID: ekn0008_eknapelcheckin
Revises: ekn0007_eknmarkunit
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "ekn0008_eknapelcheckin"
down_revision = "ekn0007_eknmarkunit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ekn_events", sa.Column("office_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_ekn_events_office_id_ekn_offices"),
        "ekn_events",
        "ekn_offices",
        ["office_id"],
        ["id"],
    )
    op.create_table(
        "ekn_event_checkins",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("device_id", sa.String(length=120), nullable=True),
        sa.Column("flags", sa.ARRAY(sa.String(length=30)), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["ekn_events.id"],
            name=op.f("fk_ekn_event_checkins_event_id_ekn_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_ekn_event_checkins_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_event_checkins")),
        sa.UniqueConstraint(
            "event_id", "staff_id", name=op.f("uq_ekn_event_checkins_event_id_staff_id")
        ),
    )
    op.create_index(
        op.f("ix_ekn_event_checkins_staff_id"), "ekn_event_checkins", ["staff_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ekn_event_checkins_staff_id"), table_name="ekn_event_checkins")
    op.drop_table("ekn_event_checkins")
    op.drop_constraint(
        op.f("fk_ekn_events_office_id_ekn_offices"), "ekn_events", type_="foreignkey"
    )
    op.drop_column("ekn_events", "office_id")
