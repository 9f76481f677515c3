"""ebudgeting: OPD membership moves to the core's org_unit_members (app 'ebudgeting').

Revision ID: eb0004
Revises: eb0003
Create Date: 2026-12-06

The core's tree is always upgraded before any app's, so ``org_unit_members``
exists when this runs; rows are copied, then the old table is dropped.
"""

import sqlalchemy as sa
from alembic import op

revision = "eb0004"
down_revision = "eb0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "INSERT INTO org_unit_members (user_id, org_unit_id, app) "
        "SELECT user_id, org_unit_id, 'ebudgeting' FROM eb_opd_members "
        "ON CONFLICT DO NOTHING"
    )
    op.drop_table("eb_opd_members")


def downgrade() -> None:
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
    op.execute(
        "INSERT INTO eb_opd_members (user_id, org_unit_id) "
        "SELECT user_id, org_unit_id FROM org_unit_members WHERE app = 'ebudgeting'"
    )
    op.execute("DELETE FROM org_unit_members WHERE app = 'ebudgeting'")
