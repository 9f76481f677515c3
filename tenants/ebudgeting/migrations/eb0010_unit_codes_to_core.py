"""ebudgeting: the OPDs' SIPD codes move to the core's org units (``org_units.sipd_code``).

Revision ID: eb0010
Revises: eb0009_ebkua
Create Date: 2026-12-07

The long SKPD code is the unit's, kept and checked by the core with its sub-units'
(issue 11, 3; core revision c0008, which the platform always runs before any app's
tree). Each code e-Budgeting kept is copied onto its unit, unless the unit already has
one or another unit holds the same code (the core's wins: it is the one an admin
entered there); then ``eb_unit_codes`` goes. Codes are copied as they were, also the
few the core's rules would now refuse (an OPD ending in 0001): the core checks a code
when it changes, so they keep working until someone edits them.
"""

import sqlalchemy as sa
from alembic import op

revision = "eb0010"
down_revision = "eb0009_ebkua"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE org_units AS u SET sipd_code = c.skpd_code FROM eb_unit_codes AS c "
        "WHERE c.org_unit_id = u.id AND u.sipd_code IS NULL AND length(c.skpd_code) <= 22 "
        "AND NOT EXISTS (SELECT 1 FROM org_units AS o WHERE o.sipd_code = c.skpd_code)"
    )
    op.drop_table("eb_unit_codes")


def downgrade() -> None:
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
    # Only OPDs had a code in e-Budgeting; the core keeps its column (and sub-units').
    # Read, then written row by row: Citus (schema-based sharding) failed to deparse
    # this INSERT ... SELECT into the table just created ("syntax error at or near NOT").
    conn = op.get_bind()
    codes = conn.execute(
        sa.text(
            "SELECT id, sipd_code FROM org_units WHERE parent_id IS NULL AND sipd_code IS NOT NULL"
        )
    ).all()
    if codes:
        conn.execute(
            sa.text(
                "INSERT INTO eb_unit_codes (org_unit_id, skpd_code, updated_by)"
                " VALUES (:id, :code, 'migration eb0010')"
            ),
            [{"id": unit_id, "code": code} for unit_id, code in codes],
        )
