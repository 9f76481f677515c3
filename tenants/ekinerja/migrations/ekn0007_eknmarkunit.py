"""ekinerja: an event's absence mark remembers the unit its person was called in.

Someone marked absent who then moves to another unit used to drop off every
roll of that event (the roll is of the people in the units it covers), so
nobody could clear the mark, and the counts per unit moved with the person.
Marks already made take the person's unit now: the best there is, and right
for everyone who has not moved since.

Revision ID: ekn0007_eknmarkunit
Revises: ekn0006_eknevents
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "ekn0007_eknmarkunit"
down_revision = "ekn0006_eknevents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ekn_event_absences", sa.Column("org_unit_id", sa.BigInteger(), nullable=True))
    op.execute(
        """
        UPDATE ekn_event_absences AS a
        SET org_unit_id = s.unit_id
        FROM staff AS s
        WHERE s.id = a.staff_id
        """
    )
    op.alter_column("ekn_event_absences", "org_unit_id", nullable=False)
    op.create_foreign_key(
        op.f("fk_ekn_event_absences_org_unit_id_org_units"),
        "ekn_event_absences",
        "org_units",
        ["org_unit_id"],
        ["id"],
    )
    op.create_index(
        op.f("ix_ekn_event_absences_org_unit_id"),
        "ekn_event_absences",
        ["org_unit_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ekn_event_absences_org_unit_id"), table_name="ekn_event_absences")
    op.drop_constraint(
        op.f("fk_ekn_event_absences_org_unit_id_org_units"),
        "ekn_event_absences",
        type_="foreignkey",
    )
    op.drop_column("ekn_event_absences", "org_unit_id")
