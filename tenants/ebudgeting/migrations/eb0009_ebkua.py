"""ebudgeting: the KUA-PPAS agreement, the PPAS ceilings per program, the TAPD list,
the performance indicators of programs and kegiatan.

Revision ID: eb0009_ebkua
Revises: eb0008
Create Date: 2026-12-06

The RKA is drafted within the ceilings the KUA-PPAS agreement fixed (issue 11):
``eb_kua_ppas`` keeps each year's agreement (number, date, the total of the OPDs'
pagu when agreed) and ``eb_program_ceilings`` the ceiling of each program of an
OPD. Years that already took their RKA before this revision have no agreement
recorded; they keep going (only the RKA waits for it). ``eb_tapd_members`` is the
TAPD the regency keeps (people of the core's roster, so their NIP is the roster's, not
found by name) with the PPKD among them, who signs the DPA. ``eb_indicators`` holds
each OPD's capaian program and hasil indicators with target and unit (issue 11, 4).
"""

import sqlalchemy as sa
from alembic import op

revision = "eb0009_ebkua"
down_revision = "eb0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eb_kua_ppas",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("fiscal_year_id", sa.BigInteger(), nullable=False),
        sa.Column("document_number", sa.String(100), nullable=False),
        sa.Column("document_date", sa.Date(), nullable=False),
        sa.Column("total", sa.Numeric(20, 2), nullable=False),
        sa.Column("agreed_by", sa.String(254), nullable=False),
        sa.Column(
            "agreed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["eb_fiscal_years.id"],
            name=op.f("fk_eb_kua_ppas_fiscal_year_id_eb_fiscal_years"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eb_kua_ppas")),
        sa.UniqueConstraint("fiscal_year_id", name=op.f("uq_eb_kua_ppas_fiscal_year_id")),
    )
    op.create_table(
        "eb_program_ceilings",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("fiscal_year_id", sa.BigInteger(), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("program_code", sa.String(30), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("updated_by", sa.String(254), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["eb_fiscal_years.id"],
            name=op.f("fk_eb_program_ceilings_fiscal_year_id_eb_fiscal_years"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_eb_program_ceilings_org_unit_id_org_units"),
        ),
        sa.ForeignKeyConstraint(
            ["program_code"],
            ["eb_nomenclature.code"],
            name=op.f("fk_eb_program_ceilings_program_code_eb_nomenclature"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eb_program_ceilings")),
        sa.UniqueConstraint(
            "fiscal_year_id",
            "org_unit_id",
            "program_code",
            name=op.f("uq_eb_program_ceilings_fiscal_year_id_org_unit_id_program_code"),
        ),
    )
    op.create_index(
        op.f("ix_eb_program_ceilings_org_unit_id"), "eb_program_ceilings", ["org_unit_id"]
    )

    op.create_table(
        "eb_tapd_members",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("is_ppkd", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(254), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_eb_tapd_members_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eb_tapd_members")),
        sa.UniqueConstraint("staff_id", name=op.f("uq_eb_tapd_members_staff_id")),
    )
    op.create_index(
        "uq_eb_tapd_members_ppkd",
        "eb_tapd_members",
        ["is_ppkd"],
        unique=True,
        postgresql_where=sa.text("is_ppkd"),
    )
    op.create_table(
        "eb_indicators",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("fiscal_year_id", sa.BigInteger(), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(30), nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("indicator", sa.String(400), nullable=False),
        sa.Column("target", sa.Numeric(18, 2), nullable=False),
        sa.Column("unit", sa.String(60), nullable=False),
        sa.Column("updated_by", sa.String(254), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["eb_fiscal_years.id"],
            name=op.f("fk_eb_indicators_fiscal_year_id_eb_fiscal_years"),
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_eb_indicators_org_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["code"], ["eb_nomenclature.code"], name=op.f("fk_eb_indicators_code_eb_nomenclature")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eb_indicators")),
    )
    op.create_index(
        "ix_eb_indicators_year_unit", "eb_indicators", ["fiscal_year_id", "org_unit_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_eb_indicators_year_unit", table_name="eb_indicators")
    op.drop_table("eb_indicators")
    op.drop_index("uq_eb_tapd_members_ppkd", table_name="eb_tapd_members")
    op.drop_table("eb_tapd_members")
    op.drop_index(op.f("ix_eb_program_ceilings_org_unit_id"), table_name="eb_program_ceilings")
    op.drop_table("eb_program_ceilings")
    op.drop_table("eb_kua_ppas")
