"""ekinerja: disciplinary sanctions and other per-person deductions (LHKPN, TPTGR), and
the sanction part of each stored TPP statement.

Revision ID: ekn0005_eknsanctions
Revises: ekn0004_eknpages
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "ekn0005_eknsanctions"
down_revision = "ekn0004_eknpages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ekn_sanctions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("decree_number", sa.String(length=100), nullable=False),
        sa.Column("decree_date", sa.Date(), nullable=False),
        sa.Column("first_month", sa.Date(), nullable=False),
        sa.Column("months", sa.SmallInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("evidence", sa.LargeBinary(), nullable=True),
        sa.Column("evidence_name", sa.String(length=255), nullable=True),
        sa.Column("evidence_type", sa.String(length=40), nullable=True),
        sa.Column("recorded_by", sa.String(length=254), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("annulled_by", sa.String(length=254), nullable=True),
        sa.Column("annulled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("annul_reason", sa.Text(), nullable=True),
        sa.Column("annulled_from", sa.Date(), nullable=True),
        sa.CheckConstraint("months BETWEEN 1 AND 12", name=op.f("ck_ekn_sanctions_months")),
        sa.CheckConstraint(
            "EXTRACT(DAY FROM first_month) = 1", name=op.f("ck_ekn_sanctions_first_month")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_ekn_sanctions_org_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_ekn_sanctions_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_sanctions")),
    )
    op.create_index(
        op.f("ix_ekn_sanctions_first_month"), "ekn_sanctions", ["first_month"], unique=False
    )
    op.create_index(
        op.f("ix_ekn_sanctions_org_unit_id"), "ekn_sanctions", ["org_unit_id"], unique=False
    )
    op.create_index(op.f("ix_ekn_sanctions_staff_id"), "ekn_sanctions", ["staff_id"], unique=False)
    op.add_column(
        "ekn_tpp_statements",
        sa.Column("sanction_deduction", sa.BigInteger(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("ekn_tpp_statements", "sanction_deduction")
    op.drop_index(op.f("ix_ekn_sanctions_staff_id"), table_name="ekn_sanctions")
    op.drop_index(op.f("ix_ekn_sanctions_org_unit_id"), table_name="ekn_sanctions")
    op.drop_index(op.f("ix_ekn_sanctions_first_month"), table_name="ekn_sanctions")
    op.drop_table("ekn_sanctions")
