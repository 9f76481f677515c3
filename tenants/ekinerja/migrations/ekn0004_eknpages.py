"""ekinerja: an evidence file on a daily work log (kept like an absence's).

Revision ID: ekn0004_eknpages
Revises: ekn0003_ekntpp
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "ekn0004_eknpages"
down_revision = "ekn0003_ekntpp"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ekn_work_logs", sa.Column("evidence", sa.LargeBinary(), nullable=True))
    op.add_column("ekn_work_logs", sa.Column("evidence_name", sa.String(length=255), nullable=True))
    op.add_column("ekn_work_logs", sa.Column("evidence_type", sa.String(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column("ekn_work_logs", "evidence_type")
    op.drop_column("ekn_work_logs", "evidence_name")
    op.drop_column("ekn_work_logs", "evidence")
