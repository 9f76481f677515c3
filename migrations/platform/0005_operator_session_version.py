"""Operators' session version: signing out ends the operator's console sessions on the server.

Revision ID: p0005
Revises: p0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "p0005"
down_revision: str | Sequence[str] | None = "p0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The server default fills existing rows; the model sets the value itself.
    op.add_column(
        "operators",
        sa.Column("session_version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        schema="platform",
    )
    op.alter_column("operators", "session_version", server_default=None, schema="platform")


def downgrade() -> None:
    op.drop_column("operators", "session_version", schema="platform")
