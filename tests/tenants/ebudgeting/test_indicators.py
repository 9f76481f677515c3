"""e-Budgeting's performance indicators: set per program and kegiatan, printed in the
RKA/DPA header block, and offered to other apps with a stable id (through the core)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from smartcity.db import db
from smartcity.errors import Forbidden, InvalidInput, NotFound
from smartcity.tenancy import lifecycle
from smartcity.tenantcore.models import OrgUnit
from sqlalchemy import select

from tenants.ebudgeting import indicators
from tenants.ebudgeting.budget_documents import build_document
from tenants.ebudgeting.years import get_year
from tests.conftest import PASSWORD, bearer, tenant_token
from tests.ebudgeting_support import (
    SUB_MOTHERS,
    SUB_PLANNING,
    TAPD,
    budget_year,
    make_opds,
    make_users,
    paper_line,
    sub_activity,
)
from tests.support.web import csrf_token, sign_in

API = "/t/{slug}/api/v1/ebudgeting"
PROGRAM = "1.02.02"  # SUB_MOTHERS's program
KEGIATAN = "1.02.02.2.02"


@pytest.fixture
def regency(provision, tenant_db, state):
    slug = provision(apps=("ebudgeting", "noticeboard"))
    with tenant_db(slug) as session:
        opds = make_opds(session)
        make_users(session, state.registry, opds, PASSWORD)
        fiscal_year = budget_year(session, opds)
        mothers = sub_activity(session, fiscal_year, opds, code=SUB_MOTHERS)
        paper_line(session, mothers, opds, "10")  # Rp 550.000
        sub_activity(session, fiscal_year, opds, code=SUB_PLANNING)
    return slug, opds


def test_indicators_are_refused_unless_they_are_whole(regency, tenant_db):
    slug, opds = regency
    with tenant_db(slug) as session:
        fiscal_year = get_year(session, 2026)
        good = {
            "org_unit_id": opds.dinkes,
            "code": PROGRAM,
            "indicator": "Angka kematian ibu",
            "target": "85,5",
            "unit": "per 100.000 kelahiran hidup",
        }
        for bad_code in (SUB_MOTHERS, "1.02", "9.99.99", "", "1.02.02'--"):
            with pytest.raises(InvalidInput, match="not a program or kegiatan"):
                indicators.set_indicator(
                    session, fiscal_year, **{**good, "code": bad_code}, actor=opds.operator
                )
        for bad_target in ("banyak", "-1", "1e30", "1,234", None):
            with pytest.raises(InvalidInput):
                indicators.set_indicator(
                    session, fiscal_year, **{**good, "target": bad_target}, actor=opds.operator
                )
        for field in ("indicator", "unit"):
            for bad in ("   ", "x" * 401):
                with pytest.raises(InvalidInput):
                    indicators.set_indicator(
                        session, fiscal_year, **{**good, field: bad}, actor=opds.operator
                    )
        # The education office's operator does not act for the health office.
        with pytest.raises(Forbidden):
            indicators.set_indicator(
                session, fiscal_year, **{**good, "org_unit_id": opds.disdik}, actor=opds.operator
            )
        with pytest.raises(NotFound):
            indicators.set_indicator(
                session, fiscal_year, **{**good, "org_unit_id": 10**12}, actor=TAPD
            )
        row = indicators.set_indicator(session, fiscal_year, **good, actor=opds.operator)
        assert (row.level, row.target) == ("program", Decimal("85.50"))
        with pytest.raises(NotFound):
            indicators.set_indicator(
                session,
                fiscal_year,
                **{**good, "org_unit_id": opds.disdik},
                actor=TAPD,
                indicator_id=row.id,
            )


def test_indicators_print_in_the_header_block_and_reach_other_apps_by_id(
    client, state, regency, tenant_db
):
    slug, opds = regency
    with tenant_db(slug) as session:
        fiscal_year = get_year(session, 2026)
        outcome = indicators.set_indicator(
            session,
            fiscal_year,
            org_unit_id=opds.dinkes,
            code=PROGRAM,
            indicator="Angka kematian ibu",
            target=Decimal(85),
            unit="per 100.000 KH",
            actor=opds.operator,
        )
        result = indicators.set_indicator(
            session,
            fiscal_year,
            org_unit_id=opds.dinkes,
            code=KEGIATAN,
            indicator="Persentase ibu hamil mendapat pelayanan",
            target=Decimal(95),
            unit="persen",
            actor=opds.operator,
        )
        outcome_id, result_id = outcome.id, result.id
        unit = session.get(OrgUnit, opds.dinkes)
        document = build_document(
            session,
            fiscal_year,
            "live",
            unit,
            region_name="Kabupaten Sukamaju",
            signing_place="Sukamaju",
            today=date(2026, 1, 2),
            actor=TAPD,
        )
        form = next(f for f in document.forms if f.code == SUB_MOTHERS)
        assert form.indicators[0] == ("Capaian Program", "Angka kematian ibu", "85 per 100.000 KH")
        assert form.indicators[1] == ("Masukan", "Dana yang dibutuhkan", "Rp 550.000")
        assert form.indicators[2][0] == "Keluaran" and form.indicators[2][2].startswith("2 ")
        assert form.indicators[3] == (
            "Hasil",
            "Persentase ibu hamil mendapat pelayanan",
            "95 persen",
        )
        # A program the OPD set nothing for keeps the nomenclature's standard indicator.
        planning = next(f for f in document.forms if f.code == SUB_PLANNING)
        assert planning.indicators[0][1] != "Angka kematian ibu"

    # Another app reads them through the core, each with an id it can keep.
    token = bearer(tenant_token(client, slug))
    url = f"/t/{slug}/api/v1/noticeboard/indicators?year=2026&org_unit_id={opds.dinkes}"
    body = client.get(url, headers=token).get_json()
    assert body["available"] is True
    by_id = {row["id"]: row for row in body["indicators"]}
    assert by_id[f"capaian_program-{outcome_id}"] == {
        "id": f"capaian_program-{outcome_id}",
        "kind": "capaian_program",
        "code": PROGRAM,
        "indicator": "Angka kematian ibu",
        "target": "85.00",
        "unit": "per 100.000 KH",
    }
    assert by_id[f"hasil-{result_id}"]["target"] == "95.00"
    kinds = sorted(row["kind"] for row in body["indicators"])
    assert kinds == ["capaian_program", "hasil", "keluaran", "keluaran", "masukan", "masukan"]
    masukan = [r for r in body["indicators"] if r["kind"] == "masukan" and r["code"] == SUB_MOTHERS]
    assert masukan[0]["target"] == "550000.00" and masukan[0]["unit"] == "Rupiah"
    none = client.get(url.replace("year=2026", "year=2031"), headers=token).get_json()
    assert none == {"available": True, "indicators": []}

    # The same over e-Budgeting's own API, and hostile bodies refused.
    api = API.format(slug=slug)
    operator = bearer(tenant_token(client, slug, "operator@dinkes.go.id"))
    own = client.get(f"{api}/years/2026/opds/{opds.dinkes}/indicators", headers=operator)
    assert own.status_code == 200 and len(own.get_json()["indicators"]) == 6
    assert (
        client.get(f"{api}/years/2026/opds/{opds.disdik}/indicators", headers=operator).status_code
        == 403
    )
    body = {
        "org_unit_id": opds.dinkes,
        "code": KEGIATAN,
        "indicator": "Cakupan K4",
        "target": 90,
        "unit": "persen",
    }
    for hostile in (
        {**body, "target": "banyak"},
        {**body, "target": -1},
        {**body, "target": 10**30},
        {**body, "code": SUB_MOTHERS},
        {**body, "indicator": ""},
        {**body, "org_unit_id": "x"},
        {**body, "extra": 1},
    ):
        answer = client.post(f"{api}/years/2026/indicators", json=hostile, headers=operator)
        assert answer.status_code == 422, hostile
    added = client.post(f"{api}/years/2026/indicators", json=body, headers=operator)
    assert added.status_code == 201
    assert len(added.get_json()["indicators"]) == 7
    changed = client.put(
        f"{api}/years/2026/indicators/{result_id}",
        json={**body, "target": 97},
        headers=operator,
    )
    assert changed.status_code == 200
    assert {i["id"]: i["target"] for i in changed.get_json()["indicators"]}[
        f"hasil-{result_id}"
    ] == "97.00"
    assert (
        client.delete(f"{api}/years/2026/indicators/{10**12}", headers=operator).status_code == 404
    )
    assert (
        client.delete(f"{api}/years/2026/indicators/{outcome_id}", headers=operator).status_code
        == 204
    )

    # Without e-Budgeting the other app says so instead of failing.
    with db.platform_transaction() as session:
        tenant = lifecycle.get_tenant(session, slug, for_update=True)
        lifecycle.disable_app(
            session,
            tenant,
            "ebudgeting",
            registry=state.registry,
            role_prefix=state.settings.role_prefix,
            actor="tests",
        )
    assert client.get(url, headers=token).get_json() == {"available": False, "indicators": []}
    with tenant_db(slug) as session:
        assert session.scalar(select(OrgUnit.id).where(OrgUnit.id == opds.dinkes))


def test_the_opd_sets_its_indicators_on_a_page(app, regency):
    slug, opds = regency
    page = f"/t/{slug}/ebudgeting/2026/opd/{opds.dinkes}/indicators"
    operator = app.test_client()
    assert sign_in(operator, slug, "operator@dinkes.go.id", PASSWORD).status_code in (302, 303)
    opd_page = operator.get(f"/t/{slug}/ebudgeting/2026/opd/{opds.dinkes}").get_data(as_text=True)
    assert page.split(f"/t/{slug}")[1] in opd_page
    shown = operator.get(page).get_data(as_text=True)
    assert "Keluaran" in shown and "Masukan" in shown and "masukan-" in shown

    def post(url, data):
        token = csrf_token(operator.get(page).get_data(as_text=True))
        return operator.post(url, data={"csrf_token": token, **data}, follow_redirects=True)

    refused = post(
        page, {"code": SUB_MOTHERS, "indicator": "x", "target": "banyak", "unit": "persen"}
    )
    assert refused.status_code == 422
    saved = post(
        page,
        {"code": PROGRAM, "indicator": "Angka kematian ibu", "target": "85,5", "unit": "per KH"},
    )
    body = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "Indikator disimpan." in body
    assert "Angka kematian ibu" in body and "85,5" in body and "capaian_program-" in body
    other = operator.get(f"/t/{slug}/ebudgeting/2026/opd/{opds.disdik}/indicators")
    assert other.status_code == 404
