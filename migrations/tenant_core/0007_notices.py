"""Notices (table user_notices): what an app tells a user, listed on their page and
e-mailed after commit; users' notice language and opt-out.

Revision ID: c0007
Revises: c0006
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c0007"
down_revision: str | Sequence[str] | None = "c0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("locale", sa.String(length=5), nullable=True))
    # The server default fills existing rows and keeps any writer that does not name
    # the column (an older worker during a rolling deploy, a SQL import) working.
    op.add_column(
        "users",
        sa.Column("notices_muted", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "user_notices",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("app", sa.String(length=31), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("subject_params", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("body", sa.String(length=4000), nullable=False),
        sa.Column("body_params", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("dedup_key", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("mail_status", sa.String(length=10), nullable=False),
        sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_notices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_notices")),
    )
    op.create_index(op.f("ix_user_notices_user_id"), "user_notices", ["user_id"], unique=False)
    op.create_index(
        "ix_user_notices_user_key", "user_notices", ["user_id", "app", "dedup_key"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_user_notices_user_key", table_name="user_notices")
    op.drop_index(op.f("ix_user_notices_user_id"), table_name="user_notices")
    op.drop_table("user_notices")
    op.drop_column("users", "notices_muted")
    op.drop_column("users", "locale")
