"""e-Budgeting's KUA-PPAS step: ceilings per OPD and per program, agreed on a
numbered document before the RKA, which is refused above them."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from smartcity.errors import Conflict, Forbidden, InvalidInput
from smartcity.tenantcore import orgunits
from smartcity.tenantcore.models import AuditEntry
from sqlalchemy import func, select

from tenants.ebudgeting import ceilings, kua_ppas, review, stages
from tenants.ebudgeting.models import ProgramCeiling
from tenants.ebudgeting.years import get_year
from tests.conftest import PASSWORD, bearer, tenant_token
from tests.ebudgeting_support import (
    CHAIR,
    SUB_MOTHERS,
    SUB_PLANNING,
    TAPD,
    budget_year,
    lock_all,
    make_opds,
    make_users,
    paper_line,
    stage_document,
    sub_activity,
)
from tests.support.web import csrf_token, sign_in

API = "/t/{slug}/api/v1/ebudgeting"
PROGRAM = "1.02.01"  # the support programme of health: SUB_PLANNING's program
MOTHERS_PROGRAM = "1.02.02"


@pytest.fixture
def regency(provision, tenant_db, state):
    slug = provision(apps=("ebudgeting",))
    with tenant_db(slug) as session:
        opds = make_opds(session)
        make_users(session, state.registry, opds, PASSWORD)
        budget_year(session, opds, pagu="10000000")
    return slug, opds


def test_the_rka_waits_for_the_kua_ppas_and_stays_within_its_ceilings(regency, tenant_db):
    slug, opds = regency
    with tenant_db(slug) as session:
        fiscal_year = get_year(session, 2026)
        # A program ceiling needs the OPD's pagu first, and a real program code.
        with pytest.raises(Conflict, match="set the pagu of Dinas Pendidikan before"):
            kua_ppas.set_program_ceiling(
                session, fiscal_year, opds.disdik, "1.01.01", Decimal(1), actor=TAPD
            )
        for code in ("1.02", SUB_PLANNING, "1.02.99", "abc", "1.02.01'; drop table x"):
            with pytest.raises(InvalidInput, match="is not a program of the nomenclature"):
                kua_ppas.set_program_ceiling(
                    session, fiscal_year, opds.dinkes, code, Decimal(1), actor=TAPD
                )
        with pytest.raises(Forbidden):
            kua_ppas.set_program_ceiling(
                session, fiscal_year, opds.dinkes, PROGRAM, Decimal(1), actor=opds.operator
            )
        kua_ppas.set_program_ceiling(
            session, fiscal_year, opds.dinkes, PROGRAM, Decimal(1000000), actor=TAPD
        )
        # Program ceilings add up to at most the pagu (10 jt), and the pagu stays above them.
        with pytest.raises(
            InvalidInput,
            match=re.escape(
                "program ceilings of Dinas Kesehatan would total Rp 10.000.001, "
                "above its pagu Rp 10.000.000"
            ),
        ):
            kua_ppas.set_program_ceiling(
                session, fiscal_year, opds.dinkes, MOTHERS_PROGRAM, Decimal(9000001), actor=TAPD
            )
        kua_ppas.set_program_ceiling(
            session, fiscal_year, opds.dinkes, MOTHERS_PROGRAM, Decimal(4000000), actor=TAPD
        )
        with pytest.raises(
            InvalidInput,
            match=re.escape(
                "pagu Rp 4.000.000 of Dinas Kesehatan is below its program ceilings Rp 5.000.000"
            ),
        ):
            ceilings.set_ceiling(session, fiscal_year, opds.dinkes, Decimal(4000000), actor=TAPD)
        # 0 removes a program's ceiling.
        assert (
            kua_ppas.set_program_ceiling(
                session, fiscal_year, opds.dinkes, MOTHERS_PROGRAM, Decimal(0), actor=TAPD
            )
            is None
        )
        assert [r.program_code for r in kua_ppas.program_ceilings(session, fiscal_year)] == [
            PROGRAM
        ]

        planning = sub_activity(session, fiscal_year, opds, ceiling="2000000")
        paper_line(session, planning, opds, "20")  # Rp 1.100.000 in program 1.02.01
        mothers = sub_activity(session, fiscal_year, opds, code=SUB_MOTHERS, ceiling="2000000")
        paper_line(session, mothers, opds, "10")  # Rp 550.000, no program ceiling
        lock_all(session, fiscal_year, opds)

        # The RKA cannot open before the KUA-PPAS is agreed.
        with pytest.raises(Conflict, match="the KUA-PPAS 2026 is not agreed yet"):
            stages.take_snapshot(
                session, fiscal_year, "rka", document=stage_document("rka"), actor=CHAIR
            )
        # The agreement is the chair's, on its number and a date of 2025 or 2026.
        with pytest.raises(Forbidden):
            kua_ppas.agree(session, fiscal_year, "900/1", date(2025, 8, 1), actor=TAPD)
        with pytest.raises(InvalidInput) as bad:
            kua_ppas.agree(session, fiscal_year, "  ", date(2020, 1, 1), actor=CHAIR)
        assert set(bad.value.fields) == {"document_number", "document_date"}
        with pytest.raises(InvalidInput):
            kua_ppas.agree(session, fiscal_year, "9" * 101, date(2025, 8, 1), actor=CHAIR)
        agreement = kua_ppas.agree(
            session, fiscal_year, " 900/12/KUA-PPAS/2025 ", date(2025, 8, 14), actor=CHAIR
        )
        assert (agreement.document_number, agreement.total) == (
            "900/12/KUA-PPAS/2025",
            Decimal("10000000.00"),
        )
        with pytest.raises(Conflict, match="already agreed"):
            kua_ppas.agree(session, fiscal_year, "900/13", date(2025, 8, 15), actor=CHAIR)
        # Agreed ceilings are fixed until the revision.
        with pytest.raises(Conflict, match="its ceilings change only with the revision"):
            ceilings.set_ceiling(session, fiscal_year, opds.dinkes, Decimal(20000000), actor=TAPD)
        with pytest.raises(Conflict, match="its ceilings change only with the revision"):
            kua_ppas.set_program_ceiling(
                session, fiscal_year, opds.dinkes, PROGRAM, Decimal(2000000), actor=TAPD
            )
        assert not ceilings.may_set_ceilings(session, fiscal_year, TAPD)

    # Lines above a program's ceiling: the RKA is refused, naming the numbers.
    with tenant_db(slug) as session:
        fiscal_year = get_year(session, 2026)
        kua_ppas_rows = {
            r.program_code: r for r in kua_ppas.program_rows(session, fiscal_year, TAPD)
        }
        assert kua_ppas_rows[PROGRAM].over and not kua_ppas_rows[MOTHERS_PROGRAM].over
        assert kua_ppas_rows[MOTHERS_PROGRAM].ceiling is None
        with pytest.raises(Conflict) as refused:
            stages.take_snapshot(
                session, fiscal_year, "rka", document=stage_document("rka"), actor=CHAIR
            )
        assert (
            "Dinas Kesehatan plans Rp 1.100.000 for program 1.02.01, above its PPAS ceiling "
            "Rp 1.000.000"
        ) in str(refused.value.message)
        assert fiscal_year.stage is None
        # The OPD trims its plan within the ceiling, and the RKA is taken.
        sub = next(s for s in kua_ppas_rows.values() if s.program_code == PROGRAM)
        assert sub.planned == Decimal("1100000.00")
        from tenants.ebudgeting import planning as rka
        from tenants.ebudgeting.models import SubActivity

        planning = session.scalar(
            select(SubActivity).where(SubActivity.sub_kegiatan_code == SUB_PLANNING)
        )
        review.transition(session, planning.id, "reopen", note="Sesuai plafon PPAS", actor=CHAIR)
        line = rka.lines_of(session, planning)[0]
        from tests.ebudgeting_support import factors

        rka.update_line(session, line, factors=factors(("18", "rim")), actor=opds.operator)
        lock_all(session, fiscal_year, opds)
        snap = stages.take_snapshot(
            session, fiscal_year, "rka", document=stage_document("rka"), actor=CHAIR
        )
        assert snap.total == Decimal("1540000.00")
        # Too late for another agreement once the RKA is taken.
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("ebudgeting.%ppas%"))
        ).all()
        assert actions == ["ebudgeting.kua_ppas.agree"]


def test_the_rka_is_refused_above_an_opds_ppas_ceiling(regency, tenant_db):
    slug, opds = regency
    with tenant_db(slug) as session:
        fiscal_year = get_year(session, 2026)
        sub = sub_activity(session, fiscal_year, opds, ceiling="2000000")
        paper_line(session, sub, opds, "20")  # Rp 1.100.000
        # TAPD lowers the pagu below the plan with a written reason (an override).
        ceilings.set_ceiling(
            session,
            fiscal_year,
            opds.dinkes,
            Decimal(1000000),
            actor=TAPD,
            override_reason="Rasionalisasi sebelum KUA-PPAS",
        )
        lock_all(session, fiscal_year, opds)
        kua_ppas.agree(session, fiscal_year, "900/1/KUA-PPAS", date(2025, 8, 1), actor=CHAIR)
        with pytest.raises(
            Conflict,
            match=re.escape(
                "Dinas Kesehatan plans Rp 1.100.000 above its PPAS ceiling Rp 1.000.000"
            ),
        ):
            stages.take_snapshot(
                session, fiscal_year, "rka", document=stage_document("rka"), actor=CHAIR
            )


def test_kua_ppas_over_the_api_refuses_hostile_input(client, provision, regency, tenant_db):
    slug, opds = regency
    api = API.format(slug=slug)
    who = {
        role: bearer(tenant_token(client, slug, email))
        for role, email in {
            "tapd": "tapd@example.go.id",
            "chair": "sekda@example.go.id",
            "viewer": "dprd@example.go.id",
            "operator": "operator@dinkes.go.id",
        }.items()
    }
    # Another regency whose org unit ids run beyond this one's.
    other = provision(apps=("ebudgeting",))
    with tenant_db(other) as session:
        make_opds(session, regency_code="33.19")
        foreign = orgunits.create_unit(
            session,
            code="1.03.01",
            name="Dinas PUPR",
            kind="dinas",
            regency_code="33.19",
            actor="tests",
        ).id
    with tenant_db(slug) as session:
        from smartcity.tenantcore.models import OrgUnit

        assert session.get(OrgUnit, foreign) is None

    url = f"{api}/years/2026/program-ceilings"
    body = {"org_unit_id": opds.dinkes, "program_code": PROGRAM}
    for amount in ("satu juta", -5, "1e30", 10**20, "1.005", None, [1]):
        answer = client.put(url, json={**body, "amount": amount}, headers=who["tapd"])
        assert answer.status_code == 422, amount
    for org_unit_id in (foreign, 0, -1, 2**63, "x", None):
        answer = client.put(
            url, json={**body, "org_unit_id": org_unit_id, "amount": 1}, headers=who["tapd"]
        )
        assert answer.status_code in (404, 422), org_unit_id
    assert client.put(url, json={**body, "amount": 1}, headers=who["operator"]).status_code == 403
    bad_code = client.put(
        url, json={**body, "program_code": "1.02.01.2.01", "amount": 1}, headers=who["tapd"]
    )
    assert bad_code.status_code == 422 and "program_code" in bad_code.get_json()["error"]["fields"]
    saved = client.put(url, json={**body, "amount": "2500000"}, headers=who["tapd"])
    assert saved.status_code == 200
    programs = saved.get_json()["programs"]
    assert [(p["program_code"], p["ceiling"], p["planned"]) for p in programs] == [
        (PROGRAM, "2500000.00", "0.00")
    ]
    too_much = client.put(url, json={**body, "amount": 10000001}, headers=who["tapd"])
    assert too_much.status_code == 422
    assert "Rp 10.000.001" in too_much.get_json()["error"]["message"]

    agree = f"{api}/years/2026/kua-ppas"
    assert (
        client.post(
            agree,
            json={"document_number": "900/1", "document_date": "2025-08-01"},
            headers=who["tapd"],
        ).status_code
        == 403
    )
    for hostile in (
        {"document_number": "900/1", "document_date": "kemarin"},
        {"document_number": "900/1", "document_date": "2019-08-01"},
        {"document_number": "", "document_date": "2025-08-01"},
        {"document_number": "x" * 101, "document_date": "2025-08-01"},
        {"document_number": "900/1"},
        {"document_number": "900/1", "document_date": "2025-08-01", "total": 1},
    ):
        assert client.post(agree, json=hostile, headers=who["chair"]).status_code == 422, hostile
    assert client.get(agree, headers=who["viewer"]).get_json()["agreed"] is False
    agreed = client.post(
        agree,
        json={"document_number": "900/1/KUA-PPAS", "document_date": "2025-08-01"},
        headers=who["chair"],
    )
    assert agreed.status_code == 201
    out = agreed.get_json()
    assert (out["agreed"], out["ceilings_fixed"], out["total"]) == (True, True, "10000000.00")
    assert (
        client.post(
            agree,
            json={"document_number": "900/2", "document_date": "2025-08-02"},
            headers=who["chair"],
        ).status_code
        == 409
    )
    fixed = client.put(url, json={**body, "amount": 1}, headers=who["tapd"])
    assert fixed.status_code == 409
    assert client.get(f"{api}/years/1999/kua-ppas", headers=who["viewer"]).status_code == 404
    with tenant_db(slug) as session:
        assert session.scalar(select(func.count()).select_from(ProgramCeiling)) == 1


def test_the_kua_ppas_page(app, regency):
    slug, opds = regency
    base = f"/t/{slug}/ebudgeting"
    page = f"{base}/2026/kua-ppas"
    chair = app.test_client()
    assert sign_in(chair, slug, "sekda@example.go.id", PASSWORD).status_code in (302, 303)
    tapd = app.test_client()
    assert sign_in(tapd, slug, "tapd@example.go.id", PASSWORD).status_code in (302, 303)

    def post(client, url, data):
        token = csrf_token(client.get(page).get_data(as_text=True))
        return client.post(url, data={"csrf_token": token, **data}, follow_redirects=True)

    shown = tapd.get(page).get_data(as_text=True)
    assert "Plafon per program" in shown and "Nota Kesepakatan KUA-PPAS" not in shown
    refused = post(
        tapd,
        f"{base}/2026/kua-ppas/programs",
        {"unit_id": str(opds.dinkes), "program_code": PROGRAM, "amount": "-5"},
    )
    assert refused.status_code == 422
    refused = post(
        tapd,
        f"{base}/2026/kua-ppas/programs",
        {"unit_id": "99999999999999999999", "program_code": PROGRAM, "amount": "5"},
    )
    assert refused.status_code == 422
    saved = post(
        tapd,
        f"{base}/2026/kua-ppas/programs",
        {"unit_id": str(opds.dinkes), "program_code": PROGRAM, "amount": "2.500.000"},
    )
    assert saved.status_code == 200 and "Plafon program disimpan." in saved.get_data(as_text=True)
    assert "Rp 2.500.000" in saved.get_data(as_text=True)

    overview = chair.get(f"{base}/2026/").get_data(as_text=True)
    assert "RKA diambil setelah kesepakatan KUA-PPAS" in overview
    form = chair.get(page).get_data(as_text=True)
    assert "Nota Kesepakatan KUA-PPAS: nomor" in form
    wrong = post(
        chair, f"{base}/2026/kua-ppas", {"document_number": "900/1", "document_date": "2030-01-01"}
    )
    assert wrong.status_code == 422
    agreed = post(
        chair,
        f"{base}/2026/kua-ppas",
        {"document_number": "900/7/KUA-PPAS/2025", "document_date": "2025-07-31"},
    )
    body = agreed.get_data(as_text=True)
    assert agreed.status_code == 200 and "KUA-PPAS 2026 dicatat: 900/7/KUA-PPAS/2025" in body
    assert "31 Juli 2025" in body
    assert "RKA diambil setelah" not in chair.get(f"{base}/2026/").get_data(as_text=True)
    late = post(
        tapd,
        f"{base}/2026/kua-ppas/programs",
        {"unit_id": str(opds.dinkes), "program_code": PROGRAM, "amount": "1"},
    )
    assert late.status_code == 409
