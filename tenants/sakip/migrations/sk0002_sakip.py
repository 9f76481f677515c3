"""sakip: monthly realization (a regency setting) and the LKE's consistency rules.

Revision ID: sk0002_sakip
Revises: sk0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "sk0002_sakip"
down_revision = "sk0001"
branch_labels = None
depends_on = None

#: The default worksheet's rules (as evaluation.DEFAULT_RULES installs them on a new
#: regency): each pemanfaatan criterion is not worth more than the pemenuhan one it
#: rests on, and a Y or A answer needs evidence.
DEFAULT_VERSION = "PermenPANRB 88/2021"
DEFAULT_RULES = (
    ("not_above", "1.3.1", "1.1.2", ""),
    ("not_above", "1.3.2", "1.1.2", ""),
    ("not_above", "2.3.1", "2.1.2", ""),
    ("not_above", "2.3.2", "2.1.2", ""),
    ("not_above", "3.3.1", "3.1.1", ""),
    ("not_above", "4.3.1", "4.1.1", ""),
    ("evidence", "", "", "Y,A"),
)


def upgrade() -> None:
    op.add_column(
        "sakip_settings",
        sa.Column("monthly_realization", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "sakip_realization_months",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("indicator_lineage", sa.BigInteger(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("month", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("entered_by", sa.BigInteger(), nullable=True),
        sa.Column(
            "entered_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["entered_by"],
            ["users.id"],
            name=op.f("fk_sakip_realization_months_entered_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_sakip_realization_months_org_unit_id_org_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sakip_realization_months")),
        sa.UniqueConstraint(
            "org_unit_id",
            "indicator_lineage",
            "year",
            "month",
            name="uq_sakip_realization_months_unit_lineage_month",
        ),
    )
    op.create_index(
        op.f("ix_sakip_realization_months_org_unit_id"),
        "sakip_realization_months",
        ["org_unit_id"],
        unique=False,
    )
    rules = op.create_table(
        "sakip_lke_rules",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("version_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("criterion_code", sa.String(length=20), nullable=False),
        sa.Column("prerequisite_code", sa.String(length=20), nullable=False),
        sa.Column("answers", sa.String(length=20), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["sakip_lke_versions.id"],
            name=op.f("fk_sakip_lke_rules_version_id_sakip_lke_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sakip_lke_rules")),
    )
    op.create_index(
        op.f("ix_sakip_lke_rules_version_id"), "sakip_lke_rules", ["version_id"], unique=False
    )
    # A regency that already has the default worksheet gets its rules.
    version_id = (
        op.get_bind()
        .execute(
            sa.text("SELECT id FROM sakip_lke_versions WHERE name = :name"),
            {"name": DEFAULT_VERSION},
        )
        .scalar()
    )
    if version_id is not None:
        op.bulk_insert(
            rules,
            [
                {
                    "version_id": version_id,
                    "kind": kind,
                    "criterion_code": code,
                    "prerequisite_code": prerequisite,
                    "answers": answers,
                    "position": position,
                }
                for position, (kind, code, prerequisite, answers) in enumerate(DEFAULT_RULES)
            ],
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_sakip_lke_rules_version_id"), table_name="sakip_lke_rules")
    op.drop_table("sakip_lke_rules")
    op.drop_index(
        op.f("ix_sakip_realization_months_org_unit_id"), table_name="sakip_realization_months"
    )
    op.drop_table("sakip_realization_months")
    op.drop_column("sakip_settings", "monthly_realization")
