"""ekinerja: office hours keep what they read before a change.

Changing a rule's times or weekdays "from" a day stores the hours the days before
it were worked under, so recomputing an open month after the change still cuts
those days by the hours of their time. Rules changed before this have no history:
their days follow the rule as it reads now, as before.

Revision ID: ekn0014_eknhoursversions
Revises: ekn0013_eknobjectionstatement
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "ekn0014_eknhoursversions"
down_revision = "ekn0013_eknobjectionstatement"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ekn_schedule_rule_versions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("rule_id", sa.BigInteger(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("weekdays", postgresql.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["ekn_schedule_rules.id"],
            name=op.f("fk_ekn_schedule_rule_versions_rule_id_ekn_schedule_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ekn_schedule_rule_versions")),
        sa.UniqueConstraint(
            "rule_id", "until", name=op.f("uq_ekn_schedule_rule_versions_rule_id_until")
        ),
    )
    op.create_index(
        op.f("ix_ekn_schedule_rule_versions_rule_id"),
        "ekn_schedule_rule_versions",
        ["rule_id"],
    )


def downgrade() -> None:
    op.drop_table("ekn_schedule_rule_versions")
