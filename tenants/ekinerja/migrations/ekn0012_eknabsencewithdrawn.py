"""ekinerja: a person may withdraw their own absence request while it waits.

A withdrawn request keeps its row (the audit log and the approver's history point
at it) under a status of its own, so the status CHECK constraint takes
'withdrawn'. Going back, a withdrawn request becomes a refused one: both give
their days back and count toward no allowance, so nothing is charged or excused
differently.

Revision ID: ekn0012_eknabsencewithdrawn
Revises: ekn0011_eknpunchindexes
Create Date: 2026-12-07
"""

from alembic import op

revision = "ekn0012_eknabsencewithdrawn"
down_revision = "ekn0011_eknpunchindexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint(op.f("ck_ekn_absences_status"), "ekn_absences", type_="check")
    op.create_check_constraint(
        op.f("ck_ekn_absences_status"),
        "ekn_absences",
        "status IN ('submitted', 'approved', 'rejected', 'withdrawn')",
    )


def downgrade() -> None:
    op.execute("UPDATE ekn_absences SET status = 'rejected' WHERE status = 'withdrawn'")
    op.drop_constraint(op.f("ck_ekn_absences_status"), "ekn_absences", type_="check")
    op.create_check_constraint(
        op.f("ck_ekn_absences_status"),
        "ekn_absences",
        "status IN ('submitted', 'approved', 'rejected')",
    )
