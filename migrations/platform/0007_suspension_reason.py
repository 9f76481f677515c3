"""A suspended regency says why and whom to contact: its users see both on the notice.

Revision ID: p0007
Revises: p0006
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "p0007"
down_revision: str | Sequence[str] | None = "p0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tenants", sa.Column("suspension_reason", sa.Text()), schema="platform")
    op.add_column(
        "tenants", sa.Column("suspension_contact", sa.String(length=200)), schema="platform"
    )


def downgrade() -> None:
    op.drop_column("tenants", "suspension_contact", schema="platform")
    op.drop_column("tenants", "suspension_reason", schema="platform")
