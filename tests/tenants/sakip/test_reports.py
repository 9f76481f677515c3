"""SAKIP's documents: the signed PK and the LKjIP, built by the worker's own code."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from tenants.sakip import agreements, realization
from tenants.sakip.access import GRANTS, Actor
from tests.conftest import PASSWORD, bearer, tenant_token
from tests.sakip_support import ADMIN, YEAR, make_regency, make_users
from tests.support.documents import pdf_text
from tests.workers import ask, broker_of, redis_server, run_now


@pytest.fixture(scope="module", autouse=True)
def private_broker(app: Any) -> Any:
    with redis_server() as server, broker_of(app, server.url):
        yield server


@pytest.fixture
def regency(provision: Any, tenant_db: Any, state: Any) -> tuple[str, Any, int]:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        make_users(session, state.registry, regency, PASSWORD, ("sakip",))
        pk = agreements.create(
            session,
            ADMIN,
            org_unit_id=regency.dinkes,
            year=YEAR,
            official=agreements.Official(
                "dr. Sri Wahyuni", "Kepala Dinas Kesehatan", "197001101992012001"
            ),
            superior=agreements.Official("H. Budi Santoso", "Bupati Pati"),
            place="Pati",
        )
        target = agreements.set_target(
            session,
            ADMIN,
            pk,
            indicator_lineage=regency.dinkes_indicator,
            year_target=Decimal(1000),
            quarters=[Decimal(250)] * 4,
        )
        agreements.add_budget(
            session,
            ADMIN,
            target,
            sub_activities=None,
            code="1.02.02.2.01.0001",
            name="Pelayanan imunisasi",
            amount=Decimal(250_000_000),
        )
        agreements.sign(session, Actor("kadis", GRANTS["opd_head"], None), pk, date(2026, 2, 2))
        op = Actor("op", GRANTS["operator"], None)
        for quarter, value in ((1, "200"), (2, "300")):
            realization.enter(
                session,
                op,
                org_unit_id=regency.dinkes,
                indicator_lineage=regency.dinkes_indicator,
                year=YEAR,
                quarter=quarter,
                value=Decimal(value),
                note="",
                today=date(2026, quarter * 3, 20),
            )
    return slug, regency, pk.id


def _file(  # noqa: PLR0917 - the fixtures, then who asks for what
    app: Any, client: Any, state: Any, slug: str, email: str, kind: str, **params: Any
) -> bytes:
    token = tenant_token(client, slug, email)
    job = ask(client, slug, token, kind, **params)
    assert run_now(app, state, slug, job["id"]) == "succeeded"
    response = client.get(f"/t/{slug}/api/v1/jobs/{job['id']}/result", headers=bearer(token))
    assert response.status_code == 200
    return response.data  # type: ignore[no-any-return]


def test_the_signed_pk_prints_its_targets_budget_and_both_signatures(
    app: Any, client: Any, state: Any, regency: tuple[str, Any, int]
) -> None:
    slug, _, pk = regency
    data = _file(app, client, state, slug, "kadis@dinkes.go.id", "report:sakip_pk", agreement_id=pk)
    text = pdf_text(data)
    assert "Perjanjian Kinerja Tahun 2026" in text
    assert "Bayi diimunisasi lengkap" in text and "Rp 250.000.000" in text
    assert "H. Budi Santoso" in text and "dr. Sri Wahyuni" in text
    assert "19700110 199201 2 001" in text  # the official's NIP, printed the official way


def test_another_opd_cannot_print_the_pk(
    app: Any, client: Any, state: Any, regency: tuple[str, Any, int], tenant_db: Any
) -> None:
    slug, reg, pk = regency
    from smartcity.tenantcore import memberships, users

    with tenant_db(slug) as session:
        user = users.create_user(
            session,
            email="op@disdik.go.id",
            name="Op",
            password=PASSWORD,
            roles=["sakip.operator"],
            allowed_roles=state.registry.role_names(["sakip"]),
            actor="tests",
        )
        memberships.set_units(session, user.id, "sakip", [reg.disdik], actor="tests")
    token = tenant_token(client, slug, "op@disdik.go.id")
    job = ask(client, slug, token, "report:sakip_pk", agreement_id=pk)
    assert run_now(app, state, slug, job["id"]) == "failed"


def test_lkjip_pdf_and_xlsx_with_the_officers_text(
    app: Any, client: Any, state: Any, regency: tuple[str, Any, int]
) -> None:
    slug, reg, _ = regency
    token = bearer(tenant_token(client, slug, "officer@dinkes.go.id"))
    wrote = client.put(
        f"/t/{slug}/api/v1/sakip/narratives",
        headers=token,
        json={
            "year": YEAR,
            "org_unit_id": reg.dinkes,
            "section": "closing",
            "text": "Cakupan naik.",
        },
    )
    assert wrote.status_code == 200, wrote.get_data(as_text=True)
    foreign = client.put(
        f"/t/{slug}/api/v1/sakip/narratives",
        headers=token,
        json={"year": YEAR, "org_unit_id": reg.disdik, "section": "closing", "text": "x"},
    )
    assert foreign.status_code == 403
    params = {"year": YEAR, "org_unit_id": reg.dinkes}
    pdf = _file(app, client, state, slug, "officer@dinkes.go.id", "report:sakip_lkjip", **params)
    text = pdf_text(pdf)
    assert "LKjIP" in text and "Bayi diimunisasi lengkap" in text
    assert "Cakupan naik." in text
    assert "50 %" in text  # (200 + 300) / 1000, the one engine's figure
    xlsx = _file(
        app,
        client,
        state,
        slug,
        "bappeda@example.go.id",
        "report:sakip_lkjip",
        year=YEAR,
        format="xlsx",
    )
    book = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    cells = [
        c for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row
    ]
    assert "Dinas Kesehatan" in cells and "Rp 250.000.000" in cells


def test_lkjip_sets_ebudgetings_realization_beside_performance(
    app: Any, client: Any, provision: Any, tenant_db: Any, state: Any
) -> None:
    """With e-Budgeting enabled, the LKjIP's chapter III B reads the SP2D payments of the
    PK's sub kegiatan through the capability (the job's own, not a request's)."""
    from functools import partial

    from tenants.ebudgeting import capabilities, ceilings, years
    from tenants.ebudgeting.models import Payment
    from tests.ebudgeting_support import PAPER_ACCOUNT, TAPD, sub_activity

    slug = provision(apps=("ebudgeting", "sakip"))
    with tenant_db(slug) as session:
        reg = make_regency(session)
        make_users(session, state.registry, reg, PASSWORD, ("ebudgeting", "sakip"))
        fiscal_year = years.create_fiscal_year(session, YEAR, actor=TAPD)
        ceilings.set_ceiling(session, fiscal_year, reg.dinkes, Decimal(500_000_000), actor=TAPD)
        holder = type("R", (), {"dinkes": reg.dinkes, "operator": TAPD})()
        sub = sub_activity(session, fiscal_year, holder)
        pk = agreements.create(
            session,
            ADMIN,
            org_unit_id=reg.dinkes,
            year=YEAR,
            official=agreements.Official("dr. Sri Wahyuni", "Kepala Dinas Kesehatan"),
            superior=agreements.Official("H. Budi Santoso", "Bupati Pati"),
            place="Pati",
        )
        target = agreements.set_target(
            session,
            ADMIN,
            pk,
            indicator_lineage=reg.dinkes_indicator,
            year_target=Decimal(1000),
            quarters=[Decimal(250)] * 4,
        )
        agreements.add_budget(
            session,
            ADMIN,
            target,
            sub_activities=partial(capabilities.sub_activities, session),
            sub_activity_id=sub.id,
            code="",
            name="",
            amount=None,
        )
        agreements.sign(session, Actor("kadis", GRANTS["opd_head"], None), pk, date(2026, 2, 2))
        session.add(
            Payment(
                fiscal_year_id=fiscal_year.id,
                sp2d_number="0001/SP2D/LS/2026",
                paid_on=date(2026, 3, 10),
                sub_activity_id=sub.id,
                account_code=PAPER_ACCOUNT,
                amount=Decimal(1_234_000),
                description="Kertas",
                created_by="tests",
            )
        )
    xlsx = _file(
        app,
        client,
        state,
        slug,
        "bappeda@example.go.id",
        "report:sakip_lkjip",
        year=YEAR,
        format="xlsx",
    )
    book = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    cells = [
        c for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row
    ]
    assert "Rp 1.234.000" in cells  # the SP2D paid on the PK's sub kegiatan
