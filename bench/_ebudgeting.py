"""Set-up shared by the e-budgeting benchmarks: a regency with a large budget, fast.

The set-up is not what is measured, so it writes rows in bulk (Core inserts)
instead of going through the services line by line; the figures it produces
(snapshots, totals) still come from the services.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Any

from _common import ACTOR, APPS, PASSWORD, provision_batch, reuse_password_hash
from smartcity.db import db, tenant_bind
from smartcity.state import PlatformState
from smartcity.tenancy.names import role_name, schema_name
from smartcity.tenantcore import users
from smartcity.tenantcore.models import OrgUnit
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tenants.ebudgeting import kua_ppas, stages
from tenants.ebudgeting.access import ROLE_NAMES, system_actor
from tenants.ebudgeting.models import (
    Account,
    BudgetLine,
    CatalogueItem,
    Ceiling,
    FiscalYear,
    Nomenclature,
    Payment,
    SubActivity,
)

EBUDGETING = "tenants.ebudgeting.manifest:manifest"
BENCH_APPS = (*APPS, EBUDGETING)
YEAR = 2026
TAPD_EMAIL = "tapd@example.go.id"


def tenant_session(state: PlatformState, slug: str) -> Session:
    bind = tenant_bind(db.engine, schema_name(slug), role_name(state.settings.role_prefix, slug))
    return db.session(bind=bind)


def make_regency(state: PlatformState, slug: str) -> None:
    with reuse_password_hash():
        provision_batch(state, [slug], ["ebudgeting"])
    with tenant_session(state, slug) as session:
        users.create_user(
            session,
            email=TAPD_EMAIL,
            name="TAPD",
            password=PASSWORD,
            roles=[ROLE_NAMES["tapd_member"]],
            allowed_roles=list(ROLE_NAMES.values()),
            actor=ACTOR,
        )
        session.commit()


def bulk_budget(
    session: Session,
    *,
    opds: int,
    subs_per_opd: int,
    lines_per_sub: int,
    distinct_accounts: bool,
) -> list[int]:
    """A fiscal year with ``opds`` OPDs, their sub-activities and lines; the sub ids.

    ``distinct_accounts``: every line of a sub-activity on its own account, so
    each line is also a DPA line (a sub-activity's account).
    """
    rng = random.Random(7)
    fiscal_year = FiscalYear(year=YEAR, stage=None, revision_open=False, created_by=ACTOR)
    session.add(fiscal_year)
    session.flush()
    unit_ids = list(
        session.scalars(
            insert(OrgUnit).returning(OrgUnit.id),
            [
                {"code": f"9.{n:03d}", "name": f"Dinas Bench {n}", "kind": "dinas"}
                for n in range(opds)
            ],
        )
    )
    codes = list(
        session.scalars(
            select(Nomenclature.code)
            .where(Nomenclature.level == "sub_kegiatan")
            .order_by(Nomenclature.code)
        )
    )[:subs_per_opd]
    accounts = list(
        session.scalars(select(Account.code).where(Account.level == 6).order_by(Account.code))
    )
    items = session.execute(
        select(CatalogueItem.id, CatalogueItem.max_price).where(CatalogueItem.year == YEAR)
    ).all()
    session.execute(
        insert(Ceiling),
        [
            {
                "fiscal_year_id": fiscal_year.id,
                "org_unit_id": unit_id,
                "amount": Decimal(10) ** 13,
                "updated_by": ACTOR,
            }
            for unit_id in unit_ids
        ],
    )
    sub_ids = list(
        session.scalars(
            insert(SubActivity).returning(SubActivity.id),
            [
                {
                    "fiscal_year_id": fiscal_year.id,
                    "org_unit_id": unit_id,
                    "sub_kegiatan_code": code,
                    "output_indicator": "Jumlah dokumen",
                    "target": Decimal(1),
                    "target_unit": "Dokumen",
                    "location": "Kabupaten",
                    "funding_source": "PAD",
                    "ceiling": Decimal(10) ** 12,
                    "status": "locked",
                    "created_by": ACTOR,
                }
                for unit_id in unit_ids
                for code in codes
            ],
        )
    )
    rows: list[dict[str, Any]] = []
    for sub_id in sub_ids:
        for n in range(lines_per_sub):
            item_id, price = rng.choice(items)
            quantity = rng.randint(1, 40)
            rows.append(
                {
                    "sub_activity_id": sub_id,
                    "account_code": accounts[n % len(accounts)]
                    if distinct_accounts
                    else rng.choice(accounts),
                    "catalogue_item_id": item_id,
                    "description": f"rincian {n + 1}",
                    "factors": [{"quantity": str(quantity), "unit": "unit"}],
                    "volume": Decimal(quantity),
                    "unit": "unit",
                    "unit_price": price,
                    "amount": price * quantity,
                    "created_by": ACTOR,
                }
            )
    for start in range(0, len(rows), 10_000):
        session.execute(insert(BudgetLine), rows[start : start + 10_000])
    session.flush()
    return sub_ids


def to_dpa_with_payments(session: Session, payments_per_line: int) -> int:
    """RKA, APBD and DPA snapshots through the service, then bulk SP2D payments."""
    fiscal_year = session.scalar(select(FiscalYear).where(FiscalYear.year == YEAR))
    assert fiscal_year is not None
    actor = system_actor(ACTOR)
    kua_ppas.agree(
        session, fiscal_year, f"900/{YEAR - 1}/KUA-PPAS", date(YEAR - 1, 8, 1), actor=actor
    )
    for stage in ("rka", "apbd", "dpa"):
        document = stages.document_for(stage, fiscal_year.year, date(fiscal_year.year, 1, 2))
        stages.take_snapshot(session, fiscal_year, stage, document=document, actor=actor)
    lines = session.execute(
        select(BudgetLine.sub_activity_id, BudgetLine.account_code, BudgetLine.amount)
    ).all()
    rng = random.Random(11)
    rows = []
    for n, (sub_id, account, amount) in enumerate(lines):
        share = (amount / (payments_per_line + 1)).quantize(Decimal("0.01"))
        for k in range(payments_per_line):
            rows.append(
                {
                    "fiscal_year_id": fiscal_year.id,
                    "sp2d_number": f"{n:06d}-{k}/SP2D",
                    "paid_on": date(YEAR, rng.randint(1, 11), rng.randint(1, 28)),
                    "sub_activity_id": sub_id,
                    "account_code": account,
                    "amount": share,
                    "description": "bench",
                    "created_by": ACTOR,
                }
            )
    for start in range(0, len(rows), 10_000):
        session.execute(insert(Payment), rows[start : start + 10_000])
    session.flush()
    return len(rows)
