"""e-Budgeting demo data: realistic sizes, every review state, some realization."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import jsonschema
from smartcity.demo_data import seed_regency
from sqlalchemy import func, select

from tenants.ebudgeting import execution as realization
from tenants.ebudgeting import sipd, stages
from tenants.ebudgeting.access import system_actor
from tenants.ebudgeting.demo import seed
from tenants.ebudgeting.models import Ceiling, Payment, SubActivity
from tenants.ebudgeting.years import get_year

SYSTEM = system_actor("t")


def test_a_java_regency_gets_a_year_in_execution_and_one_in_review(provision, tenant_db):
    slug = provision(apps=("ebudgeting",), region_code="33.18")
    with tenant_db(slug) as session:
        seed_regency(session, "33.18", slug)
    started = time.perf_counter()
    with tenant_db(slug) as session:
        made = seed(session, "33.18")
    elapsed = time.perf_counter() - started
    assert made["lines"] > 300 and made["payments"] > 1000
    assert elapsed < 60  # keeps `smartcity demo` quick enough for a first start
    with tenant_db(slug) as session:
        current, upcoming = get_year(session, 2026), get_year(session, 2027)
        pagu = session.scalar(
            select(func.sum(Ceiling.amount)).where(Ceiling.fiscal_year_id == current.id)
        )
        assert Decimal("1.5e12") <= pagu <= Decimal("2.7e12"), pagu
        assert current.stage == "dpa"
        cut = stages.diff(session, current, "rka", "apbd", actor=system_actor("t"))
        assert [c.kind for c in cut.lines] == ["changed"] and cut.delta < 0
        statuses = set(
            session.scalars(
                select(SubActivity.status).where(SubActivity.fiscal_year_id == upcoming.id)
            )
        )
        assert statuses == {"draft", "submitted", "returned", "locked"}
        per_opd = realization.by_opd(session, current, system_actor("t"))
        paid = sum(r.realized for r in per_opd)
        budget = sum(r.budget for r in per_opd)
        assert Decimal("0.5") < paid / budget < Decimal("0.95")
        assert session.scalar(select(func.max(Payment.paid_on))).month == 11
        # SIPD takes the DPA: every OPD by its code, the Setda also by its Bagian Umum.
        exported = sipd.approved_budget(
            session, current, region_code="33.18", region_name="Kabupaten Pati", actor=SYSTEM
        )
        jsonschema.validate(exported, json.loads(sipd.SCHEMA.read_text()))
        pairs = {(e["kode_skpd"], e["kode_sub_skpd"]) for e in exported["skpd"]}
        assert ("4.01.0.00.0.00.01.0000", "4.01.0.00.0.00.01.0004") in pairs
        assert ("4.01.0.00.0.00.01.0000", "4.01.0.00.0.00.01.0000") in pairs
        assert {e["kode_skpd"] for e in exported["skpd"]} >= {
            "1.02.0.00.0.00.01.0000",
            "2.16.2.20.2.21.01.0000",
            "5.02.0.00.0.00.02.0000",
            "7.01.0.00.0.00.01.0000",
        }
        assert exported["total"] == sum(e["pagu"] for e in exported["skpd"])
        # Seeding again changes nothing.
        assert seed(session, "33.18") == {}
