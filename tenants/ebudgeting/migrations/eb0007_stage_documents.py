"""ebudgeting: stages carry their legal document; sub-activities their target group
and implementation period; OPDs their long SIPD code.

Revision ID: eb0007
Revises: eb0006
Create Date: 2026-12-06

A stage is taken on a document (the KUA-PPAS agreement, the Perda APBD with the
Perkada on its elaboration, the DPA): its number and date are kept with the
snapshot and printed on the RKA/DPA. Snapshots taken before this revision have
none (they stay empty; the printout says so). The RKA's header block also names
the target group (kelompok sasaran) and the implementation period (waktu
pelaksanaan) of each sub-activity: empty for those drafted before. ``eb_unit_codes``
keeps the long code SIPD knows each OPD by (``1.02.0.00.0.00.01.0000``); TAPD enters
it before the first SIPD export.
"""

import sqlalchemy as sa
from alembic import op

revision = "eb0007"
down_revision = "eb0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("eb_snapshots", sa.Column("document_number", sa.String(100), nullable=True))
    op.add_column("eb_snapshots", sa.Column("document_date", sa.Date(), nullable=True))
    op.add_column("eb_snapshots", sa.Column("elaboration_number", sa.String(100), nullable=True))
    op.add_column(
        "eb_sub_activities",
        sa.Column("target_group", sa.String(200), nullable=False, server_default=""),
    )
    op.add_column(
        "eb_sub_activities",
        sa.Column("implementation_period", sa.String(100), nullable=False, server_default=""),
    )

    op.create_table(
        "eb_unit_codes",
        sa.Column("org_unit_id", sa.BigInteger(), nullable=False),
        sa.Column("skpd_code", sa.String(30), nullable=False),
        sa.Column("updated_by", sa.String(254), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_units.id"], name=op.f("fk_eb_unit_codes_org_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("org_unit_id", name=op.f("pk_eb_unit_codes")),
        sa.UniqueConstraint("skpd_code", name=op.f("uq_eb_unit_codes_skpd_code")),
    )


def downgrade() -> None:
    op.drop_table("eb_unit_codes")
    op.drop_column("eb_sub_activities", "implementation_period")
    op.drop_column("eb_sub_activities", "target_group")
    op.drop_column("eb_snapshots", "elaboration_number")
    op.drop_column("eb_snapshots", "document_date")
    op.drop_column("eb_snapshots", "document_number")
