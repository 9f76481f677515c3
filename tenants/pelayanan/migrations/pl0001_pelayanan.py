"""pelayanan: complaints, dispatches, attachments, events, service standards, survey answers.

Revision ID: pl0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "pl0001"
down_revision = None
branch_labels = ("pelayanan",)
# No depends_on: Alembic would fold the core row into this branch; the platform
# always installs and upgrades tenant_core before any app branch (this tree
# refers to the core's org_units table).
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pl_complaints",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("tracking_hash", sa.String(length=64), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("kecamatan_code", sa.String(length=13), nullable=True),
        sa.Column("kelurahan", sa.String(length=120), nullable=True),
        sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("reporter_name", sa.String(length=200), nullable=True),
        sa.Column("reporter_contact", sa.String(length=254), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_note", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verify_due", sa.Date(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("followed_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_due", sa.Date(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("rating_note", sa.Text(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pl_complaints")),
        sa.UniqueConstraint("tracking_hash", name=op.f("uq_pl_complaints_tracking_hash")),
    )
    op.create_index(op.f("ix_pl_complaints_status"), "pl_complaints", ["status"], unique=False)
    op.create_table(
        "pl_services",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("components", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("promised_days", sa.SmallInteger(), nullable=True),
        sa.Column("drafted_by", sa.String(length=254), nullable=False),
        sa.Column("approved_by", sa.String(length=254), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_pl_services_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pl_services")),
        sa.UniqueConstraint("org_unit_id", "name", name=op.f("uq_pl_services_org_unit_id_name")),
    )
    op.create_index(
        op.f("ix_pl_services_org_unit_id"), "pl_services", ["org_unit_id"], unique=False
    )
    op.create_table(
        "pl_attachments",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("complaint_id", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["pl_complaints.id"],
            name=op.f("fk_pl_attachments_complaint_id_pl_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pl_attachments")),
    )
    op.create_index(
        op.f("ix_pl_attachments_complaint_id"), "pl_attachments", ["complaint_id"], unique=False
    )
    op.create_table(
        "pl_dispatches",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("complaint_id", sa.BigInteger(), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("instruction", sa.Text(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["pl_complaints.id"],
            name=op.f("fk_pl_dispatches_complaint_id_pl_complaints"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_pl_dispatches_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pl_dispatches")),
        sa.UniqueConstraint(
            "complaint_id", "org_unit_id", name=op.f("uq_pl_dispatches_complaint_id_org_unit_id")
        ),
    )
    op.create_index(
        op.f("ix_pl_dispatches_complaint_id"), "pl_dispatches", ["complaint_id"], unique=False
    )
    op.create_index(
        op.f("ix_pl_dispatches_org_unit_id"), "pl_dispatches", ["org_unit_id"], unique=False
    )
    op.create_table(
        "pl_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("complaint_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["pl_complaints.id"],
            name=op.f("fk_pl_events_complaint_id_pl_complaints"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_pl_events_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pl_events")),
    )
    op.create_index(op.f("ix_pl_events_complaint_id"), "pl_events", ["complaint_id"], unique=False)
    op.create_table(
        "pl_survey_responses",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("service_id", sa.BigInteger(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("answers", postgresql.ARRAY(sa.SmallInteger()), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["pl_services.id"],
            name=op.f("fk_pl_survey_responses_service_id_pl_services"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pl_survey_responses")),
    )
    op.create_index(
        op.f("ix_pl_survey_responses_answered_on"),
        "pl_survey_responses",
        ["answered_on"],
        unique=False,
    )
    op.create_index(
        op.f("ix_pl_survey_responses_service_id"),
        "pl_survey_responses",
        ["service_id"],
        unique=False,
    )


def downgrade() -> None:
    for table in (
        "pl_survey_responses",
        "pl_events",
        "pl_attachments",
        "pl_dispatches",
        "pl_services",
        "pl_complaints",
    ):
        op.drop_table(table)
