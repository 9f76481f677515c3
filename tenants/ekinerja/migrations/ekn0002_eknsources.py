"""ekinerja: fingerprint machine user ids, machine file imports, check-in selfies.

Revision ID: ekn0002_eknsources
Revises: ekn0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "ekn0002_eknsources"
down_revision = "ekn0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ekn_machine_ids",
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("machine_user_id", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_ekn_machine_ids_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_ekn_machine_ids")),
        sa.UniqueConstraint("machine_user_id", name=op.f("uq_ekn_machine_ids_machine_user_id")),
    )
    op.create_table(
        "ekn_machine_imports",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("uploaded_by", sa.String(length=254), nullable=False),
        sa.Column("uploaded_by_user_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("problems", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("refusal", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("job_id", sa.BigInteger(), nullable=True),
        sa.Column("applied_by", sa.String(length=254), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('checking', 'ready', 'rejected', 'applied')",
            name=op.f("ck_ekn_machine_imports_status"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_user_id"],
            ["users.id"],
            name=op.f("fk_ekn_machine_imports_uploaded_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_machine_imports")),
    )
    op.create_table(
        "ekn_punch_photos",
        sa.Column("punch_id", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=20), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["punch_id"],
            ["ekn_punches.id"],
            name=op.f("fk_ekn_punch_photos_punch_id_ekn_punches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("punch_id", name=op.f("pk_ekn_punch_photos")),
    )


def downgrade() -> None:
    op.drop_table("ekn_punch_photos")
    op.drop_table("ekn_machine_imports")
    op.drop_table("ekn_machine_ids")
