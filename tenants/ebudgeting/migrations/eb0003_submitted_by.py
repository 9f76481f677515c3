"""ebudgeting: a plan records who submitted it, so someone else can be made to lock it.

Plans already submitted get their submitter from the latest submit step of
their review history (the actor there is the user's email); a step by someone
who is no longer a user leaves it empty, which the lock check treats as
unknown and lets through.

Revision ID: eb0003
Revises: eb0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "eb0003"
down_revision = "eb0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("eb_sub_activities", sa.Column("submitted_by_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_eb_sub_activities_submitted_by_id_users"),
        "eb_sub_activities",
        "users",
        ["submitted_by_id"],
        ["id"],
    )
    op.execute(
        """
        UPDATE eb_sub_activities AS s
        SET submitted_by_id = u.id
        FROM (
            SELECT DISTINCT ON (sub_activity_id) sub_activity_id, actor
            FROM eb_review_events
            WHERE action = 'submit'
            ORDER BY sub_activity_id, id DESC
        ) AS last_submit
        JOIN users AS u ON u.email = last_submit.actor
        WHERE s.id = last_submit.sub_activity_id AND s.status = 'submitted'
        """
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_eb_sub_activities_submitted_by_id_users"), "eb_sub_activities", type_="foreignkey"
    )
    op.drop_column("eb_sub_activities", "submitted_by_id")
