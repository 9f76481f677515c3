"""ebudgeting: a sub-activity may sit at a sub-unit of its OPD (SIPD's unit SKPD).

Revision ID: eb0011
Revises: eb0010
Create Date: 2026-12-07

SIPD budgets per sub-unit (kode sub SKPD): a puskesmas, a UPTD, a bagian of the
Sekretariat Daerah (issue 11, 3). ``sub_unit_id`` names the OPD's sub-unit that carries
a sub-activity, None for the OPD itself (every plan drafted before); snapshot lines
keep the sub-unit the plan had when the stage was taken.
"""

import sqlalchemy as sa
from alembic import op

revision = "eb0011"
down_revision = "eb0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("eb_sub_activities", sa.Column("sub_unit_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_eb_sub_activities_sub_unit_id_org_units"),
        "eb_sub_activities",
        "org_units",
        ["sub_unit_id"],
        ["id"],
    )
    op.add_column("eb_snapshot_lines", sa.Column("sub_unit_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("eb_snapshot_lines", "sub_unit_id")
    op.drop_constraint(
        op.f("fk_eb_sub_activities_sub_unit_id_org_units"), "eb_sub_activities", type_="foreignkey"
    )
    op.drop_column("eb_sub_activities", "sub_unit_id")
