"""ekinerja: objections to TPP statements, the BKN connection, SKP sync runs and SKP.

Revision ID: ekn0003_ekntpp
Revises: ekn0002_eknsources
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "ekn0003_ekntpp"
down_revision = "ekn0002_eknsources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ekn_objections",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("month", sa.SmallInteger(), nullable=False),
        sa.Column("line_day", sa.Date(), nullable=True),
        sa.Column("line_component", sa.String(length=20), nullable=True),
        sa.Column("line_rule", sa.String(length=60), nullable=True),
        sa.Column("line_amount", sa.Integer(), nullable=True),
        sa.Column("line_record", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.LargeBinary(), nullable=True),
        sa.Column("evidence_name", sa.String(length=255), nullable=True),
        sa.Column("evidence_type", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("correction", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("decided_by", sa.String(length=254), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("month BETWEEN 1 AND 12", name=op.f("ck_ekn_objections_month")),
        sa.CheckConstraint(
            "status IN ('submitted', 'accepted', 'rejected')",
            name=op.f("ck_ekn_objections_status"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_ekn_objections_org_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_ekn_objections_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_objections")),
    )
    op.create_index(
        op.f("ix_ekn_objections_org_unit_id"), "ekn_objections", ["org_unit_id"], unique=False
    )
    op.create_index(
        op.f("ix_ekn_objections_staff_id"), "ekn_objections", ["staff_id"], unique=False
    )
    op.create_table(
        "ekn_bkn_config",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("base_url", sa.String(length=300), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("client_secret", sa.String(length=500), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_bkn_config")),
    )
    op.create_table(
        "ekn_skp_sync_runs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=7), nullable=False),
        sa.Column("requested_by", sa.String(length=254), nullable=False),
        sa.Column("asked", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("problems", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('ok', 'partial', 'failed')", name=op.f("ck_ekn_skp_sync_runs_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_skp_sync_runs")),
    )
    op.create_table(
        "ekn_skp",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("predicate", sa.String(length=20), nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["ekn_skp_sync_runs.id"], name=op.f("fk_ekn_skp_run_id_ekn_skp_sync_runs")
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_ekn_skp_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_skp")),
        sa.UniqueConstraint("staff_id", "year", name=op.f("uq_ekn_skp_staff_id_year")),
    )


def downgrade() -> None:
    op.drop_table("ekn_skp")
    op.drop_table("ekn_skp_sync_runs")
    op.drop_table("ekn_bkn_config")
    op.drop_index(op.f("ix_ekn_objections_staff_id"), table_name="ekn_objections")
    op.drop_index(op.f("ix_ekn_objections_org_unit_id"), table_name="ekn_objections")
    op.drop_table("ekn_objections")
