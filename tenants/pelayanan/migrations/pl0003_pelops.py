"""pelayanan: duplicate links, full-text index, SP4N-LAPOR! links and sync runs.

Revision ID: pl0003_pelops
Revises: pl0002_pelpublic
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "pl0003_pelops"
down_revision = "pl0002_pelpublic"
branch_labels = None
depends_on = None

FTS = "to_tsvector('simple'::regconfig, title || ' ' || body)"


def upgrade() -> None:
    op.add_column("pl_complaints", sa.Column("duplicate_of_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_pl_complaints_duplicate_of_id_pl_complaints"),
        "pl_complaints",
        "pl_complaints",
        ["duplicate_of_id"],
        ["id"],
    )
    op.create_index(op.f("ix_pl_complaints_duplicate_of_id"), "pl_complaints", ["duplicate_of_id"])
    op.create_index(
        op.f("ix_pl_complaints_submitted_at"), "pl_complaints", ["submitted_at"], unique=False
    )
    op.execute(f"CREATE INDEX ix_pl_complaints_fts ON pl_complaints USING gin ({FTS})")
    op.create_table(
        "pl_lapor_links",
        sa.Column("complaint_id", sa.BigInteger(), nullable=False),
        sa.Column("lapor_id", sa.String(length=64), nullable=False),
        sa.Column("pushed_hash", sa.String(length=64), nullable=False),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remote_status", sa.String(length=40), nullable=True),
        sa.Column("remote_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["pl_complaints.id"],
            name=op.f("fk_pl_lapor_links_complaint_id_pl_complaints"),
        ),
        sa.PrimaryKeyConstraint("complaint_id", name=op.f("pk_pl_lapor_links")),
        sa.UniqueConstraint("lapor_id", name=op.f("uq_pl_lapor_links_lapor_id")),
    )
    op.create_table(
        "pl_sync_runs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("pushed", sa.Integer(), nullable=False),
        sa.Column("pulled", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("errors", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pl_sync_runs")),
    )


def downgrade() -> None:
    op.drop_table("pl_sync_runs")
    op.drop_table("pl_lapor_links")
    op.execute("DROP INDEX IF EXISTS ix_pl_complaints_fts")
    op.drop_index(op.f("ix_pl_complaints_submitted_at"), table_name="pl_complaints")
    op.drop_index(op.f("ix_pl_complaints_duplicate_of_id"), table_name="pl_complaints")
    op.drop_constraint(
        op.f("fk_pl_complaints_duplicate_of_id_pl_complaints"), "pl_complaints", type_="foreignkey"
    )
    op.drop_column("pl_complaints", "duplicate_of_id")
