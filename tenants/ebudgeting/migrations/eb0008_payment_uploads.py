"""ebudgeting: payment files too big for the request wait for a job to import them.

Revision ID: eb0008
Revises: eb0007
Create Date: 2026-12-06

An SP2D export of thousands of rows took seconds to read and check in the request
(issue 9, finding 2). Above ``UPLOAD_JOB_BYTES`` the file is kept in
``eb_payment_uploads`` and a job imports it with progress, then records there what
became of it (imported, rejected with its rows' problems, or refused by a bound).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "eb0008"
down_revision = "eb0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eb_payment_uploads",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("fiscal_year_id", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("uploaded_by", sa.String(254), nullable=False),
        sa.Column("uploaded_by_user_id", sa.BigInteger(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=True),
        sa.Column("import_id", sa.BigInteger(), nullable=True),
        sa.Column("problems", postgresql.JSONB(), nullable=False),
        sa.Column("refusal", postgresql.JSONB(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["eb_fiscal_years.id"],
            name=op.f("fk_eb_payment_uploads_fiscal_year_id_eb_fiscal_years"),
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["eb_payment_imports.id"],
            name=op.f("fk_eb_payment_uploads_import_id_eb_payment_imports"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_user_id"],
            ["users.id"],
            name=op.f("fk_eb_payment_uploads_uploaded_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eb_payment_uploads")),
    )


def downgrade() -> None:
    op.drop_table("eb_payment_uploads")
