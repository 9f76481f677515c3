"""ekinerja: accounts, settings, offices, hours, shifts, punches, day records, absences,
duties, work logs, TPP rule versions, months, statements and their lines.

Revision ID: ekn0001
Revises:
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "ekn0001"
down_revision = None
branch_labels = ("ekinerja",)
# No depends_on: Alembic would fold the core row into this branch; the platform
# always installs and upgrades tenant_core before any app branch (this tree
# refers to the core's staff, org_units and users tables).
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ekn_absences",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.LargeBinary(), nullable=True),
        sa.Column("evidence_name", sa.String(length=255), nullable=True),
        sa.Column("evidence_type", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.String(length=254), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('submitted', 'approved', 'rejected')", name=op.f("ck_ekn_absences_status")
        ),
        sa.CheckConstraint("end_day >= start_day", name=op.f("ck_ekn_absences_span")),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_ekn_absences_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_absences")),
    )
    op.create_index(op.f("ix_ekn_absences_staff_id"), "ekn_absences", ["staff_id"], unique=False)
    op.create_table(
        "ekn_accounts",
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_ekn_accounts_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_ekn_accounts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_ekn_accounts")),
        sa.UniqueConstraint("user_id", name=op.f("uq_ekn_accounts_user_id")),
    )
    op.create_table(
        "ekn_duties",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("standard_minutes", sa.Integer(), nullable=False),
        sa.Column("output_unit", sa.String(length=60), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_ekn_duties_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_duties")),
    )
    op.create_index(op.f("ix_ekn_duties_org_unit_id"), "ekn_duties", ["org_unit_id"], unique=False)
    op.create_table(
        "ekn_offices",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("radius_m", sa.Integer(), nullable=False),
        sa.Column("polygon", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_ekn_offices_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_offices")),
    )
    op.create_index(
        op.f("ix_ekn_offices_org_unit_id"), "ekn_offices", ["org_unit_id"], unique=False
    )
    op.create_table(
        "ekn_rule_sets",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=6), nullable=False),
        sa.Column("rules", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("status IN ('draft', 'active')", name=op.f("ck_ekn_rule_sets_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_rule_sets")),
    )
    op.create_table(
        "ekn_schedule_rules",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("weekdays", sa.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_ekn_schedule_rules_org_unit_id_org_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_schedule_rules")),
    )
    op.create_index(
        op.f("ix_ekn_schedule_rules_org_unit_id"),
        "ekn_schedule_rules",
        ["org_unit_id"],
        unique=False,
    )
    op.create_table(
        "ekn_settings",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("values", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_settings")),
    )
    op.create_table(
        "ekn_shifts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_ekn_shifts_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_shifts")),
        sa.UniqueConstraint("staff_id", "day", name=op.f("uq_ekn_shifts_staff_id_day")),
    )
    op.create_table(
        "ekn_punches",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=3), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("device_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("device_id", sa.String(length=120), nullable=True),
        sa.Column("office_id", sa.BigInteger(), nullable=True),
        sa.Column("flags", sa.ARRAY(sa.String(length=30)), nullable=False),
        sa.Column("review", sa.String(length=10), nullable=False),
        sa.Column("reviewed_by", sa.String(length=254), nullable=True),
        sa.CheckConstraint("kind IN ('in', 'out')", name=op.f("ck_ekn_punches_kind")),
        sa.CheckConstraint(
            "review IN ('accepted', 'pending', 'rejected')", name=op.f("ck_ekn_punches_review")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["ekn_offices.id"], name=op.f("fk_ekn_punches_office_id_ekn_offices")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_ekn_punches_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_punches")),
        sa.UniqueConstraint(
            "staff_id", "idempotency_key", name=op.f("uq_ekn_punches_staff_id_idempotency_key")
        ),
    )
    op.create_index(op.f("ix_ekn_punches_staff_id"), "ekn_punches", ["staff_id"], unique=False)
    op.create_table(
        "ekn_tpp_months",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("month", sa.SmallInteger(), nullable=False),
        sa.Column("rule_set_id", sa.BigInteger(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sa.String(length=254), nullable=True),
        sa.ForeignKeyConstraint(
            ["rule_set_id"],
            ["ekn_rule_sets.id"],
            name=op.f("fk_ekn_tpp_months_rule_set_id_ekn_rule_sets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_tpp_months")),
        sa.UniqueConstraint("year", "month", name=op.f("uq_ekn_tpp_months_year_month")),
    )
    op.create_table(
        "ekn_work_logs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("duty_id", sa.BigInteger(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("output", sa.Text(), nullable=False),
        sa.Column("evidence_url", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=254), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('submitted', 'approved', 'returned')", name=op.f("ck_ekn_work_logs_status")
        ),
        sa.ForeignKeyConstraint(
            ["duty_id"], ["ekn_duties.id"], name=op.f("fk_ekn_work_logs_duty_id_ekn_duties")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_ekn_work_logs_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_work_logs")),
    )
    op.create_index(op.f("ix_ekn_work_logs_staff_id"), "ekn_work_logs", ["staff_id"], unique=False)
    op.create_table(
        "ekn_attendance_days",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("check_in", sa.DateTime(timezone=True), nullable=True),
        sa.Column("check_out", sa.DateTime(timezone=True), nullable=True),
        sa.Column("check_in_punch_id", sa.BigInteger(), nullable=True),
        sa.Column("check_out_punch_id", sa.BigInteger(), nullable=True),
        sa.Column("pending", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_in_punch_id"],
            ["ekn_punches.id"],
            name=op.f("fk_ekn_attendance_days_check_in_punch_id_ekn_punches"),
        ),
        sa.ForeignKeyConstraint(
            ["check_out_punch_id"],
            ["ekn_punches.id"],
            name=op.f("fk_ekn_attendance_days_check_out_punch_id_ekn_punches"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_ekn_attendance_days_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_attendance_days")),
        sa.UniqueConstraint("staff_id", "day", name=op.f("uq_ekn_attendance_days_staff_id_day")),
    )
    op.create_index(
        op.f("ix_ekn_attendance_days_day"), "ekn_attendance_days", ["day"], unique=False
    )
    op.create_table(
        "ekn_tpp_statements",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("month_id", sa.BigInteger(), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("position_class", sa.SmallInteger(), nullable=False),
        sa.Column("base", sa.BigInteger(), nullable=False),
        sa.Column("performance_part", sa.BigInteger(), nullable=False),
        sa.Column("discipline_part", sa.BigInteger(), nullable=False),
        sa.Column("performance_deduction", sa.BigInteger(), nullable=False),
        sa.Column("discipline_deduction", sa.BigInteger(), nullable=False),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("approved_minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["month_id"],
            ["ekn_tpp_months.id"],
            name=op.f("fk_ekn_tpp_statements_month_id_ekn_tpp_months"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_ekn_tpp_statements_org_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_ekn_tpp_statements_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_tpp_statements")),
        sa.UniqueConstraint(
            "month_id", "staff_id", name=op.f("uq_ekn_tpp_statements_month_id_staff_id")
        ),
    )
    op.create_index(
        op.f("ix_ekn_tpp_statements_staff_id"), "ekn_tpp_statements", ["staff_id"], unique=False
    )
    op.create_table(
        "ekn_tpp_lines",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("statement_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("component", sa.String(length=20), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("percent", sa.Numeric(precision=9, scale=4), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("record", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["ekn_tpp_statements.id"],
            name=op.f("fk_ekn_tpp_lines_statement_id_ekn_tpp_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_tpp_lines")),
    )
    op.create_index(
        op.f("ix_ekn_tpp_lines_statement_id"), "ekn_tpp_lines", ["statement_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ekn_tpp_lines_statement_id"), table_name="ekn_tpp_lines")
    op.drop_table("ekn_tpp_lines")
    op.drop_index(op.f("ix_ekn_tpp_statements_staff_id"), table_name="ekn_tpp_statements")
    op.drop_table("ekn_tpp_statements")
    op.drop_index(op.f("ix_ekn_attendance_days_day"), table_name="ekn_attendance_days")
    op.drop_table("ekn_attendance_days")
    op.drop_index(op.f("ix_ekn_work_logs_staff_id"), table_name="ekn_work_logs")
    op.drop_table("ekn_work_logs")
    op.drop_table("ekn_tpp_months")
    op.drop_index(op.f("ix_ekn_punches_staff_id"), table_name="ekn_punches")
    op.drop_table("ekn_punches")
    op.drop_table("ekn_shifts")
    op.drop_table("ekn_settings")
    op.drop_index(op.f("ix_ekn_schedule_rules_org_unit_id"), table_name="ekn_schedule_rules")
    op.drop_table("ekn_schedule_rules")
    op.drop_table("ekn_rule_sets")
    op.drop_index(op.f("ix_ekn_offices_org_unit_id"), table_name="ekn_offices")
    op.drop_table("ekn_offices")
    op.drop_index(op.f("ix_ekn_duties_org_unit_id"), table_name="ekn_duties")
    op.drop_table("ekn_duties")
    op.drop_table("ekn_accounts")
    op.drop_index(op.f("ix_ekn_absences_staff_id"), table_name="ekn_absences")
    op.drop_table("ekn_absences")
