"""sakip: indicators linked to public services' figures, and where a figure was taken from.

Revision ID: sk0003_sources
Revises: sk0002_sakip
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "sk0003_sources"
down_revision = "sk0002_sakip"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sakip_indicator_links",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("indicator_lineage", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("measure", sa.String(length=40), nullable=False),
        sa.Column("service_id", sa.BigInteger(), nullable=True),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("linked_by", sa.BigInteger(), nullable=True),
        sa.Column(
            "linked_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["linked_by"], ["users.id"], name=op.f("fk_sakip_indicator_links_linked_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"],
            ["org_units.id"],
            name=op.f("fk_sakip_indicator_links_org_unit_id_org_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sakip_indicator_links")),
        sa.UniqueConstraint(
            "org_unit_id",
            "indicator_lineage",
            name=op.f("uq_sakip_indicator_links_org_unit_id_indicator_lineage"),
        ),
    )
    op.create_index(
        op.f("ix_sakip_indicator_links_org_unit_id"),
        "sakip_indicator_links",
        ["org_unit_id"],
        unique=False,
    )
    for table in ("sakip_realizations", "sakip_realization_months"):
        op.add_column(
            table, sa.Column("source", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
        )


def downgrade() -> None:
    for table in ("sakip_realization_months", "sakip_realizations"):
        op.drop_column(table, "source")
    op.drop_index(op.f("ix_sakip_indicator_links_org_unit_id"), table_name="sakip_indicator_links")
    op.drop_table("sakip_indicator_links")
