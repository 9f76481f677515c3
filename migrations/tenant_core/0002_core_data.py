"""Tenant core data: org units, staff, holidays, settings, roster imports, activity.

Also makes the audit log append-only: a trigger refuses UPDATE, DELETE and
TRUNCATE, so not even a bug in a service can rewrite history.

Revision ID: c0002
Revises: c0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from smartcity.tenantcore.audit import append_only_ddl, drop_append_only_ddl
from sqlalchemy.dialects import postgresql

revision: str = "c0002"
down_revision: str | Sequence[str] | None = "c0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activity",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("app", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "app", "day", name=op.f("pk_activity")),
    )
    op.create_table(
        "holidays",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("source_version", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holidays")),
        sa.UniqueConstraint("day", "kind", name=op.f("uq_holidays_day_kind")),
    )
    op.create_index(op.f("ix_holidays_day"), "holidays", ["day"], unique=False)
    op.create_table(
        "org_units",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("region_code", sa.String(length=13), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["org_units.id"], name=op.f("fk_org_units_parent_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_units")),
        sa.UniqueConstraint("code", name=op.f("uq_org_units_code")),
    )
    op.create_index(op.f("ix_org_units_parent_id"), "org_units", ["parent_id"], unique=False)
    op.create_table(
        "roster_imports",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("problems", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("summary", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("uploaded_by", sa.String(length=254), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_imports")),
    )
    op.create_table(
        "settings",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("timezone", sa.String(length=40), nullable=False),
        sa.Column("primary_color", sa.String(length=7), nullable=False),
        sa.Column("accent_color", sa.String(length=7), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_type", sa.String(length=40), nullable=True),
        sa.Column("work_days", postgresql.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column(
            "weekly_hours", sa.Numeric(precision=4, scale=1, asdecimal=False), nullable=False
        ),
        sa.Column("values", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settings")),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=5), nullable=False),
        sa.Column("golongan", sa.String(length=6), nullable=True),
        sa.Column("position", sa.String(length=200), nullable=False),
        sa.Column("position_class", sa.SmallInteger(), nullable=True),
        sa.Column("echelon", sa.String(length=5), nullable=True),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("supervisor_id", sa.BigInteger(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"], ["staff.id"], name=op.f("fk_staff_supervisor_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_staff_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("nip", name=op.f("uq_staff_nip")),
    )
    op.create_index(op.f("ix_staff_supervisor_id"), "staff", ["supervisor_id"], unique=False)
    op.create_index(op.f("ix_staff_unit_id"), "staff", ["unit_id"], unique=False)
    schema = op.get_context().version_table_schema
    for statement in append_only_ddl(schema):
        op.execute(statement)


def downgrade() -> None:
    schema = op.get_context().version_table_schema
    for statement in drop_append_only_ddl(schema):
        op.execute(statement)
    op.drop_index(op.f("ix_staff_unit_id"), table_name="staff")
    op.drop_index(op.f("ix_staff_supervisor_id"), table_name="staff")
    op.drop_table("staff")
    op.drop_table("settings")
    op.drop_table("roster_imports")
    op.drop_index(op.f("ix_org_units_parent_id"), table_name="org_units")
    op.drop_table("org_units")
    op.drop_index(op.f("ix_holidays_day"), table_name="holidays")
    op.drop_table("holidays")
    op.drop_table("activity")
