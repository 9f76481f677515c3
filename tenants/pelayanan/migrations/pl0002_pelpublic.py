"""pelayanan: the SKM respondent's profile, and the service a complaint is about.

The profile is what PermenPANRB 14/2017's questionnaire asks (age, sex,
education, occupation), stored as groups that identify nobody. A complaint may
name the published service it is about, so the dashboard can set the actual
handling time beside the time the standard promises.

Revision ID: pl0002_pelpublic
Revises: pl0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "pl0002_pelpublic"
down_revision = "pl0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for name, length in (("age_group", 10), ("sex", 1), ("education", 10), ("occupation", 20)):
        op.add_column(
            "pl_survey_responses", sa.Column(name, sa.String(length=length), nullable=True)
        )
    op.add_column("pl_complaints", sa.Column("service_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_pl_complaints_service_id_pl_services"),
        "pl_complaints",
        "pl_services",
        ["service_id"],
        ["id"],
    )
    op.create_index(
        op.f("ix_pl_complaints_service_id"), "pl_complaints", ["service_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_pl_complaints_service_id"), table_name="pl_complaints")
    op.drop_constraint(
        op.f("fk_pl_complaints_service_id_pl_services"), "pl_complaints", type_="foreignkey"
    )
    op.drop_column("pl_complaints", "service_id")
    for name in ("occupation", "education", "sex", "age_group"):
        op.drop_column("pl_survey_responses", name)
