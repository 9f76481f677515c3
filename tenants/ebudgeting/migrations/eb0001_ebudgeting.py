"""ebudgeting: reference data, fiscal years, ceilings, plans, reviews, stages, realization.

Revision ID: eb0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "eb0001"
down_revision = None
branch_labels = ("ebudgeting",)
# No depends_on: Alembic would fold the core row into this branch; the platform
# always installs and upgrades tenant_core before any app branch (this tree
# refers to the core's org_units and users tables).
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eb_accounts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("parent_code", sa.String(length=30), nullable=True),
        sa.Column("source_version", sa.String(length=60), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["eb_accounts.code"],
            name=op.f("fk_eb_accounts_parent_code_eb_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eb_accounts")),
        sa.UniqueConstraint("code", name=op.f("uq_eb_accounts_code")),
    )
    op.create_index(
        op.f("ix_eb_accounts_parent_code"), "eb_accounts", ["parent_code"], unique=False
    )
    op.create_table(
        "eb_catalogue_items",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("specification", sa.String(length=500), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("max_price", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("account_codes", postgresql.ARRAY(sa.String(length=30)), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("proposed_by", sa.String(length=254), nullable=True),
        sa.Column("decided_by", sa.String(length=254), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("source_version", sa.String(length=60), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eb_catalogue_items")),
        sa.UniqueConstraint("year", "code", name=op.f("uq_eb_catalogue_items_year_code")),
    )
    op.create_table(
        "eb_fiscal_years",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("stage", sa.String(length=8), nullable=True),
        sa.Column("revision_open", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eb_fiscal_years")),
        sa.UniqueConstraint("year", name=op.f("uq_eb_fiscal_years_year")),
    )
    op.create_table(
        "eb_nomenclature",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("parent_code", sa.String(length=30), nullable=True),
        sa.Column("indicator", sa.String(length=400), nullable=True),
        sa.Column("indicator_unit", sa.String(length=60), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("source_version", sa.String(length=60), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["eb_nomenclature.code"],
            name=op.f("fk_eb_nomenclature_parent_code_eb_nomenclature"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eb_nomenclature")),
        sa.UniqueConstraint("code", name=op.f("uq_eb_nomenclature_code")),
    )
    op.create_index(
        op.f("ix_eb_nomenclature_parent_code"), "eb_nomenclature", ["parent_code"], unique=False
    )
    op.create_table(
        "eb_opd_members",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_eb_opd_members_org_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_eb_opd_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "org_unit_id", name=op.f("pk_eb_opd_members")),
    )
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
    op.create_table(
        "eb_ceilings",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("fiscal_year_id", sa.BigInteger(), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["eb_fiscal_years.id"],
            name=op.f("fk_eb_ceilings_fiscal_year_id_eb_fiscal_years"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_eb_ceilings_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eb_ceilings")),
        sa.UniqueConstraint(
            "fiscal_year_id", "org_unit_id", name=op.f("uq_eb_ceilings_fiscal_year_id_org_unit_id")
        ),
    )
    op.create_index(
        op.f("ix_eb_ceilings_org_unit_id"), "eb_ceilings", ["org_unit_id"], unique=False
    )
    op.create_table(
        "eb_payment_imports",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("fiscal_year_id", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("total", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("imported_by", sa.String(length=254), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["eb_fiscal_years.id"],
            name=op.f("fk_eb_payment_imports_fiscal_year_id_eb_fiscal_years"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eb_payment_imports")),
    )
    op.create_table(
        "eb_snapshots",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("fiscal_year_id", sa.BigInteger(), nullable=False),
        sa.Column("stage", sa.String(length=8), nullable=False),
        sa.Column("total", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("taken_by", sa.String(length=254), nullable=False),
        sa.Column(
            "taken_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["eb_fiscal_years.id"],
            name=op.f("fk_eb_snapshots_fiscal_year_id_eb_fiscal_years"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eb_snapshots")),
        sa.UniqueConstraint(
            "fiscal_year_id", "stage", name=op.f("uq_eb_snapshots_fiscal_year_id_stage")
        ),
    )
    op.create_table(
        "eb_sub_activities",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("fiscal_year_id", sa.BigInteger(), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("sub_kegiatan_code", sa.String(length=30), nullable=False),
        sa.Column("output_indicator", sa.String(length=400), nullable=False),
        sa.Column("target", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("target_unit", sa.String(length=60), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("funding_source", sa.String(length=60), nullable=False),
        sa.Column("ceiling", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["eb_fiscal_years.id"],
            name=op.f("fk_eb_sub_activities_fiscal_year_id_eb_fiscal_years"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_eb_sub_activities_org_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["sub_kegiatan_code"],
            ["eb_nomenclature.code"],
            name=op.f("fk_eb_sub_activities_sub_kegiatan_code_eb_nomenclature"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eb_sub_activities")),
        sa.UniqueConstraint(
            "fiscal_year_id",
            "org_unit_id",
            "sub_kegiatan_code",
            name=op.f("uq_eb_sub_activities_fiscal_year_id_org_unit_id_sub_kegiatan_code"),
        ),
    )
    op.create_index(
        "ix_eb_sub_activities_year_unit",
        "eb_sub_activities",
        ["fiscal_year_id", "org_unit_id"],
        unique=False,
    )
    op.create_table(
        "eb_budget_lines",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("sub_activity_id", sa.BigInteger(), nullable=False),
        sa.Column("account_code", sa.String(length=30), nullable=False),
        sa.Column("catalogue_item_id", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("factors", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("volume", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("unit", sa.String(length=120), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("override_note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["account_code"],
            ["eb_accounts.code"],
            name=op.f("fk_eb_budget_lines_account_code_eb_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["catalogue_item_id"],
            ["eb_catalogue_items.id"],
            name=op.f("fk_eb_budget_lines_catalogue_item_id_eb_catalogue_items"),
        ),
        sa.ForeignKeyConstraint(
            ["sub_activity_id"],
            ["eb_sub_activities.id"],
            name=op.f("fk_eb_budget_lines_sub_activity_id_eb_sub_activities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eb_budget_lines")),
    )
    op.create_index(
        op.f("ix_eb_budget_lines_sub_activity_id"),
        "eb_budget_lines",
        ["sub_activity_id"],
        unique=False,
    )
    op.create_table(
        "eb_cash_plans",
        sa.Column("sub_activity_id", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.SmallInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["sub_activity_id"],
            ["eb_sub_activities.id"],
            name=op.f("fk_eb_cash_plans_sub_activity_id_eb_sub_activities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sub_activity_id", "month", name=op.f("pk_eb_cash_plans")),
    )
    op.create_table(
        "eb_payments",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("fiscal_year_id", sa.BigInteger(), nullable=False),
        sa.Column("sp2d_number", sa.String(length=60), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("sub_activity_id", sa.BigInteger(), nullable=False),
        sa.Column("account_code", sa.String(length=30), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("import_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["account_code"],
            ["eb_accounts.code"],
            name=op.f("fk_eb_payments_account_code_eb_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["eb_fiscal_years.id"],
            name=op.f("fk_eb_payments_fiscal_year_id_eb_fiscal_years"),
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["eb_payment_imports.id"],
            name=op.f("fk_eb_payments_import_id_eb_payment_imports"),
        ),
        sa.ForeignKeyConstraint(
            ["sub_activity_id"],
            ["eb_sub_activities.id"],
            name=op.f("fk_eb_payments_sub_activity_id_eb_sub_activities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eb_payments")),
        sa.UniqueConstraint(
            "fiscal_year_id",
            "sp2d_number",
            "sub_activity_id",
            "account_code",
            name=op.f("uq_eb_payments_fiscal_year_id_sp2d_number_sub_activity_id_account_code"),
        ),
    )
    op.create_index(op.f("ix_eb_payments_import_id"), "eb_payments", ["import_id"], unique=False)
    op.create_index(
        "ix_eb_payments_sub_account",
        "eb_payments",
        ["sub_activity_id", "account_code"],
        unique=False,
    )
    op.create_table(
        "eb_review_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("sub_activity_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("from_status", sa.String(length=10), nullable=False),
        sa.Column("to_status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["sub_activity_id"],
            ["eb_sub_activities.id"],
            name=op.f("fk_eb_review_events_sub_activity_id_eb_sub_activities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eb_review_events")),
    )
    op.create_index(
        op.f("ix_eb_review_events_sub_activity_id"),
        "eb_review_events",
        ["sub_activity_id"],
        unique=False,
    )
    op.create_table(
        "eb_snapshot_lines",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("snapshot_id", sa.BigInteger(), nullable=False),
        sa.Column("line_id", sa.BigInteger(), nullable=False),
        sa.Column("sub_activity_id", sa.BigInteger(), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("sub_kegiatan_code", sa.String(length=30), nullable=False),
        sa.Column("account_code", sa.String(length=30), nullable=False),
        sa.Column("catalogue_item_id", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("factors", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("volume", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("unit", sa.String(length=120), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["eb_snapshots.id"],
            name=op.f("fk_eb_snapshot_lines_snapshot_id_eb_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eb_snapshot_lines")),
    )
    op.create_index(
        "ix_eb_snapshot_lines_snapshot_sub",
        "eb_snapshot_lines",
        ["snapshot_id", "sub_activity_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_eb_snapshot_lines_snapshot_sub", table_name="eb_snapshot_lines")
    op.drop_table("eb_snapshot_lines")
    op.drop_index(op.f("ix_eb_review_events_sub_activity_id"), table_name="eb_review_events")
    op.drop_table("eb_review_events")
    op.drop_index("ix_eb_payments_sub_account", table_name="eb_payments")
    op.drop_index(op.f("ix_eb_payments_import_id"), table_name="eb_payments")
    op.drop_table("eb_payments")
    op.drop_table("eb_cash_plans")
    op.drop_index(op.f("ix_eb_budget_lines_sub_activity_id"), table_name="eb_budget_lines")
    op.drop_table("eb_budget_lines")
    op.drop_index("ix_eb_sub_activities_year_unit", table_name="eb_sub_activities")
    op.drop_table("eb_sub_activities")
    op.drop_table("eb_snapshots")
    op.drop_table("eb_payment_imports")
    op.drop_index(op.f("ix_eb_ceilings_org_unit_id"), table_name="eb_ceilings")
    op.drop_table("eb_ceilings")
    op.drop_table("eb_reference_versions")
    op.drop_table("eb_opd_members")
    op.drop_index(op.f("ix_eb_nomenclature_parent_code"), table_name="eb_nomenclature")
    op.drop_table("eb_nomenclature")
    op.drop_table("eb_fiscal_years")
    op.drop_table("eb_catalogue_items")
    op.drop_index(op.f("ix_eb_accounts_parent_code"), table_name="eb_accounts")
    op.drop_table("eb_accounts")
