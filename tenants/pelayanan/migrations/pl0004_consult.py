"""pelayanan: the public consultation of a draft service standard and its comments.

Revision ID: pl0004_consult
Revises: pl0003_pelops
Create Date: 2026-12-06

Standards approved or published before this revision keep their status; the
new columns stay empty for them.
"""

import sqlalchemy as sa
from alembic import op

revision = "pl0004_consult"
down_revision = "pl0003_pelops"
branch_labels = None
depends_on = None

COLUMNS = (
    ("consult_opens", sa.Date()),
    ("consult_closes", sa.Date()),
    ("consult_held_on", sa.Date()),
    ("consult_place", sa.String(length=200)),
    ("consult_participants", sa.Integer()),
    ("consult_summary", sa.Text()),
    ("consult_response", sa.Text()),
)


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("pl_services", sa.Column(name, kind, nullable=True))
    op.create_table(
        "pl_consult_comments",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("service_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "submitted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["pl_services.id"],
            name=op.f("fk_pl_consult_comments_service_id_pl_services"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pl_consult_comments")),
    )
    op.create_index(
        op.f("ix_pl_consult_comments_service_id"), "pl_consult_comments", ["service_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_pl_consult_comments_service_id"), table_name="pl_consult_comments")
    op.drop_table("pl_consult_comments")
    for name, _kind in reversed(COLUMNS):
        op.drop_column("pl_services", name)
