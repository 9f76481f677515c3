"""ebudgeting: users carry its roles as ``ebudgeting.<role>``.

Revision ID: eb0006
Revises: eb0005
Create Date: 2026-12-07

Role names were bare strings shared by every app; the registry now names an
app's roles ``<app>.<key>`` (``smartcity.apps.roles.role_name``), so a bare
``opd_head`` in ``users.roles`` would grant nothing. Only e-Budgeting's own
role names are rewritten; the core's (``admin``, ``member``) and any other
app's stay as they are, and the order of a user's roles is kept.
"""

import sqlalchemy as sa
from alembic import op

revision = "eb0006"
down_revision = "eb0005"
branch_labels = None
depends_on = None

#: The role keys e-Budgeting declared when this revision was written.
KEYS = ("opd_operator", "opd_head", "tapd_member", "tapd_chair", "viewer")


def _rewrite(old: list[str], new: list[str]) -> None:
    op.get_bind().execute(
        sa.text(
            "UPDATE users SET roles = ARRAY("
            "  SELECT coalesce(new[array_position(old, CAST(r AS text))], r)"
            "  FROM unnest(roles) WITH ORDINALITY AS u(r, n) ORDER BY n"
            ") FROM (SELECT CAST(:old AS text[]) AS old, CAST(:new AS text[]) AS new) AS names "
            "WHERE CAST(roles AS text[]) && old"
        ),
        {"old": old, "new": new},
    )


def upgrade() -> None:
    _rewrite(list(KEYS), [f"ebudgeting.{k}" for k in KEYS])


def downgrade() -> None:
    _rewrite([f"ebudgeting.{k}" for k in KEYS], list(KEYS))
