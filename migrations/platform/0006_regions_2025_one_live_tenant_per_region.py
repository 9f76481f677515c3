"""Every kode wilayah of Kepmendagri 300.2.2-2138/2025; one live regency per region code.

Revision ID: p0006
Revises: p0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from smartcity.reference import region_rows
from sqlalchemy.dialects.postgresql import insert

revision: str = "p0006"
down_revision: str | Sequence[str] | None = "p0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "platform"


def upgrade() -> None:
    regions = sa.table(
        "regions",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("level", sa.String),
        schema=S,
    )
    # Upsert, never delete: tenants reference their region code.
    stmt = insert(regions).values([r._asdict() for r in region_rows()])
    op.execute(
        stmt.on_conflict_do_update(
            index_elements=["code"],
            set_={"name": stmt.excluded.name, "level": stmt.excluded.level},
        )
    )
    duplicates = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT region_code, string_agg(slug, ', ' ORDER BY slug) FROM platform.tenants"
                " WHERE status IN ('active', 'suspended') GROUP BY region_code HAVING count(*) > 1"
            )
        )
        .all()
    )
    if duplicates:
        listed = "; ".join(f"{code}: {slugs}" for code, slugs in duplicates)
        raise RuntimeError(
            f"more than one live regency per region code ({listed}): archive all but one first"
        )
    op.create_index(
        "uq_tenants_live_region_code",
        "tenants",
        ["region_code"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("status IN ('active', 'suspended')"),
    )


def downgrade() -> None:
    op.drop_index("uq_tenants_live_region_code", table_name="tenants", schema=S)
