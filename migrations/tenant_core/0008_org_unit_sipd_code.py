"""Org units carry SIPD's long code (``1.02.0.00.0.00.01.0000``), unique in the regency.

Revision ID: c0008
Revises: c0007
Create Date: 2026-12-07

Until now e-Budgeting kept the code of each OPD in its own table (``eb_unit_codes``);
the code belongs to the unit, so the core keeps it, with its sub-units' (issue 11, 3).
Existing units start without one; e-Budgeting's own migration (eb0010) copies what it
kept into this column.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c0008"
down_revision: str | Sequence[str] | None = "c0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("org_units", sa.Column("sipd_code", sa.String(length=22), nullable=True))
    op.create_unique_constraint(op.f("uq_org_units_sipd_code"), "org_units", ["sipd_code"])


def downgrade() -> None:
    op.drop_constraint(op.f("uq_org_units_sipd_code"), "org_units", type_="unique")
    op.drop_column("org_units", "sipd_code")
