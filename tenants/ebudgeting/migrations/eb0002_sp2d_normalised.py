"""ebudgeting: an SP2D number counts once per DPA line whatever its case or spacing.

Stored numbers are brought to the normal form the service now writes, and a
unique index on that form replaces the unique constraint on the raw text.

A regency may already hold the same SP2D twice on one DPA line, typed in
another case or spacing ("0012/sp2d/ls" and "0012 / SP2D / LS"). The migration
cannot tell which row is right (their amounts or dates may differ, or one may
be a real payment mistyped), so it deletes nothing and does not fail: the
oldest row keeps the number, each later one gets it with ``DUPLIKAT-<id>``
appended (cut to fit 60 characters), and the audit log records every renamed
row with the row it repeats, so TAPD can find and correct them.

Revision ID: eb0002
Revises: eb0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "eb0002"
down_revision = "eb0001"
branch_labels = None
depends_on = None

# Frozen copy of models.sp2d_key: a migration must not change when the app does.
KEY = (
    "upper(regexp_replace(btrim(regexp_replace(sp2d_number, '\\s+', ' ', 'g')), "
    "' ?([-/.]) ?', '\\1', 'g'))"
)
OLD_UNIQUE = "uq_eb_payments_fiscal_year_id_sp2d_number_sub_activity_id_account_code"


def upgrade() -> None:
    op.execute(
        f"""
        WITH keyed AS (
            SELECT id, sp2d_number AS old, {KEY} AS key,
                   row_number() OVER line AS n, min(id) OVER line AS first_id
            FROM eb_payments
            WINDOW line AS (
                PARTITION BY fiscal_year_id, {KEY}, sub_activity_id, account_code ORDER BY id
            )
        ),
        marked AS (
            UPDATE eb_payments AS p
            SET sp2d_number = rtrim(left(k.key, 60 - length(' DUPLIKAT-' || k.id)))
                || ' DUPLIKAT-' || k.id
            FROM keyed AS k
            WHERE p.id = k.id AND k.n > 1
            RETURNING p.id, k.old, p.sp2d_number AS new, k.first_id
        )
        INSERT INTO audit_log (actor, action, entity, entity_id, before, after)
        SELECT 'migration eb0002', 'ebudgeting.payment.duplicate_marked', 'eb_payment',
               id::text, jsonb_build_object('sp2d', old),
               jsonb_build_object('sp2d', new, 'repeats_payment', first_id)
        FROM marked
        """  # noqa: S608 - KEY is this module's constant SQL expression, no input
    )
    op.execute(f"UPDATE eb_payments SET sp2d_number = {KEY} WHERE sp2d_number <> {KEY}")  # noqa: S608 - constant
    op.drop_constraint(op.f(OLD_UNIQUE), "eb_payments", type_="unique")
    op.create_index(
        "uq_eb_payments_sp2d",
        "eb_payments",
        ["fiscal_year_id", sa.text(KEY), "sub_activity_id", "account_code"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_eb_payments_sp2d", table_name="eb_payments")
    op.create_unique_constraint(
        op.f(OLD_UNIQUE),
        "eb_payments",
        ["fiscal_year_id", "sp2d_number", "sub_activity_id", "account_code"],
    )
