"""sakip: plans, indicators and targets, performance agreements, realization, evidence.

Revision ID: sk0001
Revises:
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "sk0001"
down_revision = None
branch_labels = ("sakip",)
# No depends_on: Alembic would fold the core row into this branch; the platform
# always installs and upgrades tenant_core before any app branch.
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sakip_agreements",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("revision", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("official_name", sa.String(length=200), nullable=False),
        sa.Column("official_nip", sa.String(length=18), nullable=True),
        sa.Column("official_position", sa.String(length=200), nullable=False),
        sa.Column("superior_name", sa.String(length=200), nullable=False),
        sa.Column("superior_nip", sa.String(length=18), nullable=True),
        sa.Column("superior_position", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("supersedes_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_sakip_agreements_org_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["signed_by"], ["users.id"], name=op.f("fk_sakip_agreements_signed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["sakip_agreements.id"],
            name=op.f("fk_sakip_agreements_supersedes_id_sakip_agreements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sakip_agreements")),
        sa.UniqueConstraint(
            "org_unit_id",
            "year",
            "level",
            "revision",
            name=op.f("uq_sakip_agreements_org_unit_id_year_level_revision"),
        ),
    )
    op.create_index(
        op.f("ix_sakip_agreements_org_unit_id"), "sakip_agreements", ["org_unit_id"], unique=False
    )
    op.create_table(
        "sakip_plans",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=True),
        sa.Column("start_year", sa.SmallInteger(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("vision", sa.Text(), nullable=True),
        sa.Column("version", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("change_reason", sa.Text(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["approved_by"], ["users.id"], name=op.f("fk_sakip_plans_approved_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_sakip_plans_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sakip_plans")),
        sa.UniqueConstraint(
            "kind",
            "org_unit_id",
            "start_year",
            "year",
            "version",
            name=op.f("uq_sakip_plans_kind_org_unit_id_start_year_year_version"),
        ),
    )
    op.create_index("ix_sakip_plans_unit", "sakip_plans", ["org_unit_id", "kind"], unique=False)
    op.create_table(
        "sakip_realizations",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("indicator_lineage", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("quarter", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("entered_by", sa.BigInteger(), nullable=True),
        sa.Column(
            "entered_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("verified_by", sa.BigInteger(), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entered_by"], ["users.id"], name=op.f("fk_sakip_realizations_entered_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_sakip_realizations_org_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["verified_by"], ["users.id"], name=op.f("fk_sakip_realizations_verified_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sakip_realizations")),
        sa.UniqueConstraint(
            "org_unit_id",
            "indicator_lineage",
            "year",
            "quarter",
            name=op.f("uq_sakip_realizations_org_unit_id_indicator_lineage_year_quarter"),
        ),
    )
    op.create_index(
        op.f("ix_sakip_realizations_org_unit_id"),
        "sakip_realizations",
        ["org_unit_id"],
        unique=False,
    )
    op.create_table(
        "sakip_settings",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("negative_formula", sa.String(length=20), nullable=False),
        sa.Column("cap_percent", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("green_from", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("amber_from", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("cutoff_days", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sakip_settings")),
    )
    op.create_table(
        "sakip_agreement_targets",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("agreement_id", sa.BigInteger(), nullable=False),
        sa.Column("indicator_lineage", sa.BigInteger(), nullable=False),
        sa.Column("year_target", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("upper", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("q1", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("q2", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("q3", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("q4", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["sakip_agreements.id"],
            name=op.f("fk_sakip_agreement_targets_agreement_id_sakip_agreements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sakip_agreement_targets")),
        sa.UniqueConstraint(
            "agreement_id",
            "indicator_lineage",
            name=op.f("uq_sakip_agreement_targets_agreement_id_indicator_lineage"),
        ),
    )
    op.create_index(
        op.f("ix_sakip_agreement_targets_agreement_id"),
        "sakip_agreement_targets",
        ["agreement_id"],
        unique=False,
    )
    op.create_table(
        "sakip_elements",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("plan_id", sa.BigInteger(), nullable=False),
        sa.Column("lineage", sa.BigInteger(), nullable=True),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("serves_lineage", sa.BigInteger(), nullable=True),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["sakip_elements.id"],
            name=op.f("fk_sakip_elements_parent_id_sakip_elements"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["sakip_plans.id"],
            name=op.f("fk_sakip_elements_plan_id_sakip_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sakip_elements")),
    )
    op.create_index(op.f("ix_sakip_elements_lineage"), "sakip_elements", ["lineage"], unique=False)
    op.create_index(op.f("ix_sakip_elements_plan_id"), "sakip_elements", ["plan_id"], unique=False)
    op.create_index(
        op.f("ix_sakip_elements_serves_lineage"), "sakip_elements", ["serves_lineage"], unique=False
    )
    op.create_table(
        "sakip_evidence",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("realization_id", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.BigInteger(), nullable=True),
        sa.Column(
            "uploaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["realization_id"],
            ["sakip_realizations.id"],
            name=op.f("fk_sakip_evidence_realization_id_sakip_realizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_sakip_evidence_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sakip_evidence")),
    )
    op.create_index(
        op.f("ix_sakip_evidence_realization_id"), "sakip_evidence", ["realization_id"], unique=False
    )
    op.create_table(
        "sakip_agreement_budgets",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("sub_activity_id", sa.BigInteger(), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["sakip_agreement_targets.id"],
            name=op.f("fk_sakip_agreement_budgets_target_id_sakip_agreement_targets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sakip_agreement_budgets")),
    )
    op.create_index(
        op.f("ix_sakip_agreement_budgets_target_id"),
        "sakip_agreement_budgets",
        ["target_id"],
        unique=False,
    )
    op.create_table(
        "sakip_indicators",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("element_id", sa.BigInteger(), nullable=False),
        sa.Column("lineage", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("baseline", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.Column("polarity", sa.String(length=10), nullable=False),
        sa.Column("aggregation", sa.String(length=12), nullable=False),
        sa.Column("data_source", sa.Text(), nullable=False),
        sa.Column("formula_text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("iku_regency", sa.Boolean(), nullable=False),
        sa.Column("iku_opd", sa.Boolean(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["element_id"],
            ["sakip_elements.id"],
            name=op.f("fk_sakip_indicators_element_id_sakip_elements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sakip_indicators")),
    )
    op.create_index(
        op.f("ix_sakip_indicators_element_id"), "sakip_indicators", ["element_id"], unique=False
    )
    op.create_index(
        op.f("ix_sakip_indicators_lineage"), "sakip_indicators", ["lineage"], unique=False
    )
    op.create_table(
        "sakip_indicator_targets",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("indicator_id", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("upper", sa.Numeric(precision=20, scale=4), nullable=True),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["sakip_indicators.id"],
            name=op.f("fk_sakip_indicator_targets_indicator_id_sakip_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sakip_indicator_targets")),
        sa.UniqueConstraint(
            "indicator_id", "year", name=op.f("uq_sakip_indicator_targets_indicator_id_year")
        ),
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    for table in (
        "sakip_evidence",
        "sakip_realizations",
        "sakip_agreement_budgets",
        "sakip_agreement_targets",
        "sakip_agreements",
        "sakip_indicator_targets",
        "sakip_indicators",
        "sakip_elements",
        "sakip_plans",
        "sakip_settings",
    ):
        op.drop_table(table)
