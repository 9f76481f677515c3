"""ekinerja: assemblies and ceremonies (apel, upacara, senam, sidak), who missed them,
and which units' roll has been taken.

Revision ID: ekn0006_eknevents
Revises: ekn0005_eknsanctions
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "ekn0006_eknevents"
down_revision = "ekn0005_eknsanctions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ekn_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("roll_taken_by", sa.String(length=254), nullable=True),
        sa.Column("roll_taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=254), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_ekn_events_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_events")),
    )
    op.create_index(op.f("ix_ekn_events_day"), "ekn_events", ["day"], unique=False)
    op.create_index(op.f("ix_ekn_events_org_unit_id"), "ekn_events", ["org_unit_id"], unique=False)
    op.create_table(
        "ekn_event_absences",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("recorded_by", sa.String(length=254), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["ekn_events.id"],
            name=op.f("fk_ekn_event_absences_event_id_ekn_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_ekn_event_absences_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_event_absences")),
        sa.UniqueConstraint(
            "event_id", "staff_id", name=op.f("uq_ekn_event_absences_event_id_staff_id")
        ),
    )
    op.create_index(
        op.f("ix_ekn_event_absences_staff_id"), "ekn_event_absences", ["staff_id"], unique=False
    )
    op.create_table(
        "ekn_event_rolls",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("taken_by", sa.String(length=254), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["ekn_events.id"],
            name=op.f("fk_ekn_event_rolls_event_id_ekn_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_ekn_event_rolls_org_unit_id_org_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_event_rolls")),
        sa.UniqueConstraint(
            "event_id", "org_unit_id", name=op.f("uq_ekn_event_rolls_event_id_org_unit_id")
        ),
    )
    op.create_index(
        op.f("ix_ekn_event_rolls_org_unit_id"), "ekn_event_rolls", ["org_unit_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ekn_event_rolls_org_unit_id"), table_name="ekn_event_rolls")
    op.drop_table("ekn_event_rolls")
    op.drop_index(op.f("ix_ekn_event_absences_staff_id"), table_name="ekn_event_absences")
    op.drop_table("ekn_event_absences")
    op.drop_index(op.f("ix_ekn_events_org_unit_id"), table_name="ekn_events")
    op.drop_index(op.f("ix_ekn_events_day"), table_name="ekn_events")
    op.drop_table("ekn_events")
