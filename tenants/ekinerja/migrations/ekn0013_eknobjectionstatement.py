"""ekinerja: an objection remembers the statement it was made on.

A recalculation replaces a person's statement (and its lines) with a new one, so
the statement's id says whether the figures objected to are still the ones shown:
a decided objection is final for its statement, and a new objection to the same
line is accepted only once the statement has been recalculated. Objections made
before this have none, and bar nothing.

Revision ID: ekn0013_eknobjectionstatement
Revises: ekn0012_eknabsencewithdrawn
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "ekn0013_eknobjectionstatement"
down_revision = "ekn0012_eknabsencewithdrawn"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ekn_objections", sa.Column("statement_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("ekn_objections", "statement_id")
