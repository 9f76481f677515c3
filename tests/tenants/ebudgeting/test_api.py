"""e-Budgeting over JSON: the whole flow, refusals, imports, isolation and gating."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest
from smartcity.db import db
from smartcity.tenancy.lifecycle import disable_app, enable_app, get_tenant
from sqlalchemy import func, select

from tenants.ebudgeting.models import BudgetLine, Payment, SubActivity
from tests.conftest import PASSWORD, bearer, tenant_token
from tests.ebudgeting_support import (
    FEES_ACCOUNT,
    HVS,
    MEALS_ACCOUNT,
    PAPER_ACCOUNT,
    SNACK,
    SPEAKER,
    SUB_MOTHERS,
    SUB_PLANNING,
    item,
    make_opds,
    make_users,
)
from tests.support.web import sign_in

SIPD_SCHEMA = Path(__file__).parents[3] / "tenants/ebudgeting/data/sipd_apbd.schema.json"
API = "/t/{slug}/api/v1/ebudgeting"


@pytest.fixture
def regency(provision, tenant_db, state):
    slug = provision(apps=("ebudgeting",), region_code="33.18")  # SIPD writes kode pemda 3318
    with tenant_db(slug) as session:
        opds = make_opds(session)
        make_users(session, state.registry, opds, PASSWORD)
        items = {code: item(session, code).id for code in (HVS, SNACK, SPEAKER)}
    return slug, opds, items


def _tokens(client, slug):
    names = {
        "operator": "operator@dinkes.go.id",
        "head": "kadis@dinkes.go.id",
        "tapd": "tapd@example.go.id",
        "chair": "sekda@example.go.id",
        "viewer": "dprd@example.go.id",
    }
    return {role: bearer(tenant_token(client, slug, email)) for role, email in names.items()}


def test_the_api_takes_a_plan_from_pagu_to_lock(client, regency):
    slug, opds, items = regency
    api = API.format(slug=slug)
    who = _tokens(client, slug)
    assert (
        client.post(f"{api}/years", json={"year": 2026}, headers=who["operator"]).status_code == 403
    )
    assert client.post(f"{api}/years", json={"year": 2026}, headers=who["tapd"]).status_code == 201
    pagu = client.put(
        f"{api}/years/2026/ceilings/{opds.dinkes}",
        json={"amount": "250000000"},
        headers=who["tapd"],
    )
    assert pagu.status_code == 200 and pagu.get_json()["pagu"] == "250000000.00"

    created = client.post(
        f"{api}/years/2026/sub-activities",
        json={
            "org_unit_id": opds.dinkes,
            "sub_kegiatan_code": SUB_MOTHERS,
            "target": 1200,
            "location": "25 Puskesmas",
            "funding_source": "DAK Non Fisik",
            "ceiling": "150000000",
            "target_group": "Ibu hamil",
        },
        headers=who["operator"],
    )
    assert created.status_code == 201, created.get_json()
    sub = created.get_json()
    # Kelompok sasaran and waktu pelaksanaan, for the RKA's header block.
    assert (sub["target_group"], sub["implementation_period"]) == ("Ibu hamil", "")
    period = client.patch(
        f"{api}/sub-activities/{sub['id']}",
        json={"implementation_period": "Januari - Desember"},
        headers=who["operator"],
    )
    assert period.get_json()["implementation_period"] == "Januari - Desember"
    assert period.get_json()["target_group"] == "Ibu hamil"
    assert sub["name"] == "Pengelolaan Pelayanan Kesehatan Ibu Hamil" and sub["status"] == "draft"
    assert sub["output_indicator"].startswith("Jumlah Ibu Hamil") and sub["target_unit"] == "Orang"
    lines = f"{api}/sub-activities/{sub['id']}/lines"

    line = client.post(
        lines,
        json={
            "catalogue_item_id": items[SNACK],
            "account_code": MEALS_ACCOUNT,
            "coefficient": "25 orang x 4 kali",
            "description": "kelas ibu hamil",
        },
        headers=who["operator"],
    )
    assert line.status_code == 201, line.get_json()
    assert line.get_json()["amount"] == "2000000.00"
    assert line.get_json()["coefficient"] == "25 orang x 4 kali"

    refused = client.post(
        lines,
        json={
            "catalogue_item_id": items[SPEAKER],
            "account_code": FEES_ACCOUNT,
            "factors": [{"quantity": 1, "unit": "orang"}, {"quantity": 2, "unit": "jam"}],
            "unit_price": "1250000",
        },
        headers=who["operator"],
    )
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "rule_violation"
    assert "price Rp 1.250.000 exceeds the catalogue maximum Rp 1.000.000" in error["message"]
    assert list(error["fields"]) == ["catalogue_price"]
    bad_body = client.post(lines, json={"catalogue_item_id": "x"}, headers=who["operator"])
    assert (
        bad_body.status_code == 422
        and "catalogue_item_id" in bad_body.get_json()["error"]["fields"]
    )

    review = f"{api}/sub-activities/{sub['id']}/review"
    assert (
        client.post(review, json={"action": "submit"}, headers=who["operator"]).status_code == 403
    )
    assert client.post(review, json={"action": "submit"}, headers=who["head"]).status_code == 200
    returned = client.post(
        review,
        json={"action": "return", "note": "Tambahkan kudapan untuk kader"},
        headers=who["tapd"],
    )
    assert returned.get_json()["status"] == "returned"
    notes = client.get(f"{api}/years/2026/notes", headers=who["operator"]).get_json()["notes"]
    assert [n["note"] for n in notes] == ["Tambahkan kudapan untuk kader"]
    line_id = line.get_json()["id"]
    patched = client.patch(
        f"{api}/lines/{line_id}", json={"coefficient": "30 orang x 4 kali"}, headers=who["operator"]
    )
    assert patched.get_json()["amount"] == "2400000.00"
    assert client.post(review, json={"action": "submit"}, headers=who["head"]).status_code == 200
    assert client.post(review, json={"action": "lock"}, headers=who["tapd"]).status_code == 403
    locked = client.post(review, json={"action": "lock"}, headers=who["chair"])
    assert locked.get_json()["status"] == "locked"
    assert [r["action"] for r in locked.get_json()["reviews"]] == [
        "lock",
        "submit",
        "return",
        "submit",
    ]
    after = client.patch(f"{api}/lines/{line_id}", json={"description": "x"}, headers=who["tapd"])
    assert after.status_code == 422 and "locked" in after.get_json()["error"]["fields"]

    # The viewer (e.g. the DPRD) reads everything and changes nothing.
    seen = client.get(f"{api}/years/2026/sub-activities", headers=who["viewer"]).get_json()
    assert [s["total"] for s in seen["sub_activities"]] == ["2400000.00"]
    assert (
        client.post(
            f"{api}/years/2026/stages",
            json={"stage": "rka", "document_number": "900/1", "document_date": "2025-08-01"},
            headers=who["viewer"],
        ).status_code
        == 403
    )
    agreed = client.post(
        f"{api}/years/2026/kua-ppas",
        json={"document_number": "900/1/KUA-PPAS", "document_date": "2025-08-01"},
        headers=who["chair"],
    )
    assert agreed.status_code == 201 and agreed.get_json()["total"] == "250000000.00"
    stage = client.post(
        f"{api}/years/2026/stages",
        json={"stage": "rka", "document_number": "900/2/SE-RKA", "document_date": "2025-08-02"},
        headers=who["chair"],
    )
    assert stage.status_code == 201 and stage.get_json()["year"]["stage"] == "rka"
    ceilings = client.get(f"{api}/years/2026/ceilings", headers=who["viewer"]).get_json()
    dinkes = next(c for c in ceilings["ceilings"] if c["org_unit_id"] == opds.dinkes)
    assert (dinkes["pagu"], dinkes["allocated"], dinkes["planned"]) == (
        "250000000.00",
        "150000000.00",
        "2400000.00",
    )

    # The regency's one document lists e-Budgeting's operations under /ebudgeting.
    doc = client.get(f"/t/{slug}/api/v1/openapi.json").get_json()
    assert doc["servers"] == [{"url": f"/t/{slug}/api/v1"}]
    assert "/ebudgeting/sub-activities/{sub_activity_id}/lines" in doc["paths"]
    assert "LineCreate" in doc["components"]["schemas"]
    imports = doc["paths"]["/ebudgeting/years/{year}/payments/import"]["post"]
    assert imports["summary"].startswith("Import")


def test_payment_files_are_imported_whole_or_not_at_all(client, regency, tenant_db):
    slug, opds, items = regency
    api = API.format(slug=slug)
    who = _tokens(client, slug)
    client.post(f"{api}/years", json={"year": 2026}, headers=who["tapd"])
    client.put(
        f"{api}/years/2026/ceilings/{opds.dinkes}", json={"amount": 9000000}, headers=who["tapd"]
    )
    sub = client.post(
        f"{api}/years/2026/sub-activities",
        json={
            "org_unit_id": opds.dinkes,
            "sub_kegiatan_code": SUB_PLANNING,
            "target": 1,
            "location": "Dinas",
            "funding_source": "PAD",
            "ceiling": 5000000,
        },
        headers=who["operator"],
    ).get_json()
    client.post(
        f"{api}/sub-activities/{sub['id']}/lines",
        json={
            "catalogue_item_id": items[HVS],
            "account_code": PAPER_ACCOUNT,
            "coefficient": "40 rim",
        },
        headers=who["operator"],
    )
    client.post(
        f"{api}/years/2026/opds/{opds.dinkes}/review",
        json={"action": "submit"},
        headers=who["head"],
    )
    assert (
        client.post(
            f"{api}/years/2026/opds/{opds.dinkes}/review",
            json={"action": "lock"},
            headers=who["chair"],
        ).status_code
        == 200
    )
    # A stage is taken on its document: without its number and date it is refused.
    bare = client.post(f"{api}/years/2026/stages", json={"stage": "rka"}, headers=who["chair"])
    assert bare.status_code == 422
    documents = {
        "rka": {"document_number": "900/12/KUA-PPAS/2025", "document_date": "2025-08-14"},
        "apbd": {"document_number": "Perda 5/2025", "document_date": "2025-11-28"},
        "dpa": {"document_number": "DPA/1.02.01/001/2026", "document_date": "2026-01-02"},
    }
    client.post(
        f"{api}/years/2026/kua-ppas",
        json={"document_number": "900/1/KUA-PPAS", "document_date": "2025-08-01"},
        headers=who["chair"],
    )
    no_perkada = client.post(
        f"{api}/years/2026/stages", json={"stage": "rka", **documents["rka"]}, headers=who["chair"]
    )
    assert no_perkada.status_code == 201
    refused = client.post(
        f"{api}/years/2026/stages",
        json={"stage": "apbd", **documents["apbd"]},
        headers=who["chair"],
    )
    assert refused.status_code == 422
    assert "elaboration_number" in refused.get_json()["error"]["fields"]
    documents["apbd"]["elaboration_number"] = "Perbup 60/2025"
    for stage in ("apbd", "dpa"):
        taken = client.post(
            f"{api}/years/2026/stages",
            json={"stage": stage, **documents[stage]},
            headers=who["chair"],
        )
        assert taken.status_code == 201
    snapshots = {s["stage"]: s for s in taken.get_json()["snapshots"]}
    assert snapshots["dpa"]["document_number"] == "DPA/1.02.01/001/2026"
    assert snapshots["apbd"]["elaboration_number"] == "Perbup 60/2025"
    assert snapshots["rka"]["document_date"] == "2025-08-14"

    bad = (
        "nomor_sp2d;tanggal;kode_opd;kode_sub_kegiatan;kode_rekening;nilai\n"
        f"001/SP2D/2026;2026-02-03;1.02.01;{SUB_PLANNING};{PAPER_ACCOUNT};1.000.000\n"
        f"002/SP2D/2026;31/02/2026;1.02.01;{SUB_PLANNING};{PAPER_ACCOUNT};500000\n"
        f"003/SP2D/2026;2026-03-01;1.02.01;{SUB_PLANNING};{PAPER_ACCOUNT};1.500.000\n"
    ).encode()
    response = client.post(
        f"{api}/years/2026/payments/import",
        data={"file": (io.BytesIO(bad), "sp2d.csv")},
        headers=who["tapd"],
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "import_rejected"
    assert error["problems"] == [
        {"row": 3, "column": "tanggal", "message": "'31/02/2026' is not a date (YYYY-MM-DD)"},
        {
            "row": 4,
            "column": "nilai",
            "message": "payments to account 5.1.02.01.01.0025 of "
            "1.02.01.2.01.0001 would reach Rp 2.500.000, above its DPA amount Rp 2.200.000",
        },
    ]
    with tenant_db(slug) as session:
        assert session.scalar(select(func.count()).select_from(Payment)) == 0

    good = bad.replace(b"31/02/2026", b"28/02/2026").replace(b"1.500.000", b"700.000")
    response = client.post(
        f"{api}/years/2026/payments/import",
        data={"file": (io.BytesIO(good), "sp2d.csv")},
        headers=who["tapd"],
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["rows"] == 3 and response.get_json()["total"] == "2200000.00"
    report = client.get(f"{api}/years/2026/realization", headers=who["operator"]).get_json()
    assert report["basis_stage"] == "dpa"
    assert report["by_opd"] == [
        {
            "code": "1.02.01",
            "name": "Dinas Kesehatan",
            "budget": "2200000.00",
            "realized": "2200000.00",
            "percent": "100.00",
        }
    ]
    assert report["by_month"][1]["realized"] == "1500000.00"  # February
    # SIPD names the OPD by its long code, kept on the core's org unit: until the
    # regency's admin enters it there, the export says so (409).
    missing = client.get(f"{api}/years/2026/sipd", headers=who["viewer"])
    assert missing.status_code == 409 and "1.02.01" in missing.get_json()["error"]["message"]
    assert "admin" in missing.get_json()["error"]["message"]
    # e-Budgeting no longer keeps a code of its own: one place to edit it.
    gone = client.put(
        f"{api}/opds/{opds.dinkes}/skpd-code",
        json={"skpd_code": "1.02.0.00.0.00.01.0000"},
        headers=who["tapd"],
    )
    assert gone.status_code in (404, 405)
    unit_url = f"/t/{slug}/api/v1/org-units/{opds.dinkes}"
    body = {"sipd_code": "1.02.0.00.0.00.01.0000"}
    assert client.patch(unit_url, json=body, headers=who["tapd"]).status_code == 403
    admin = bearer(tenant_token(client, slug))
    for bad in ("1.02.01", "1.02.0.00.0.00.00.0000", "9.99.0.00.0.00.01.0000"):
        refused = client.patch(unit_url, json={"sipd_code": bad}, headers=admin)
        assert refused.status_code == 422, bad
    assert (
        client.patch(unit_url, json=body, headers=admin).get_json()["sipd_code"]
        == (body["sipd_code"])
    )
    clash = client.patch(f"/t/{slug}/api/v1/org-units/{opds.disdik}", json=body, headers=admin)
    assert clash.status_code == 409
    sipd = client.get(f"{api}/years/2026/sipd", headers=who["viewer"]).get_json()
    jsonschema.validate(sipd, json.loads(SIPD_SCHEMA.read_text()))
    assert sipd["kode_pemda"] == "3318" and sipd["tahapan"] == "dpa"
    opd = sipd["skpd"][0]
    assert (opd["kode_skpd"], opd["kode_sub_skpd"]) == ("1.02.0.00.0.00.01.0000",) * 2
    assert opd["pagu"] == 2200000 and sipd["total"] == 2200000
    sub = opd["sub_kegiatan"][0]
    assert (sub["kode_sumber_dana"], sub["nama_sumber_dana"]) == ("1.1", "PAD")
    rincian = sub["rincian"][0]
    assert (
        rincian["kode_rekening"],
        rincian["koefisien"],
        rincian["volume"],
        rincian["harga_satuan"],
        rincian["total"],
    ) == (PAPER_ACCOUNT, "40 rim", 40, 55000, 2200000)


def test_another_regency_sees_none_of_it(client, regency, provision, tenant_db):
    slug, opds, _items = regency
    who = _tokens(client, slug)
    api = API.format(slug=slug)
    client.post(f"{api}/years", json={"year": 2026}, headers=who["tapd"])
    client.put(
        f"{api}/years/2026/ceilings/{opds.dinkes}", json={"amount": 9000000}, headers=who["tapd"]
    )
    sub = client.post(
        f"{api}/years/2026/sub-activities",
        json={
            "org_unit_id": opds.dinkes,
            "sub_kegiatan_code": SUB_PLANNING,
            "target": 1,
            "location": "Dinas",
            "funding_source": "PAD",
            "ceiling": 5000000,
        },
        headers=who["operator"],
    ).get_json()

    other = provision(apps=("ebudgeting",), region_code="35.19")
    other_api = API.format(slug=other)
    admin = bearer(tenant_token(client, other))
    # A token of regency A is nobody on regency B, and B's admin finds none of A's data.
    assert client.get(f"{other_api}/years", headers=who["tapd"]).status_code == 401
    assert client.get(f"{other_api}/members", headers=admin).status_code == 200
    with tenant_db(other) as session:
        assert session.scalar(select(func.count()).select_from(SubActivity)) == 0
    assert client.get(f"{other_api}/sub-activities/{sub['id']}", headers=admin).status_code in (
        403,
        404,
    )
    # Within regency A, an OPD operator of another OPD does not see Dinas Kesehatan's plan.
    with tenant_db(slug) as session:
        from smartcity.tenantcore import users

        from tests.ebudgeting_support import SYSTEM

        user = users.create_user(
            session,
            email="operator@disdik.go.id",
            name="Operator Disdik",
            password=PASSWORD,
            roles=["ebudgeting.opd_operator"],
            allowed_roles=["ebudgeting.opd_operator"],
            actor="tests",
        )
        from tenants.ebudgeting import members

        members.set_units(session, user.id, [opds.disdik], actor=SYSTEM)
    disdik = bearer(tenant_token(client, slug, "operator@disdik.go.id"))
    assert client.get(f"{api}/sub-activities/{sub['id']}", headers=disdik).status_code == 404
    listed = client.get(f"{api}/years/2026/sub-activities", headers=disdik).get_json()
    assert listed["sub_activities"] == []


def test_disabling_the_app_hides_it_and_keeps_its_data(app, client, regency, state, tenant_db):
    slug, opds, items = regency
    who = _tokens(client, slug)
    api = API.format(slug=slug)
    client.post(f"{api}/years", json={"year": 2026}, headers=who["tapd"])
    client.put(
        f"{api}/years/2026/ceilings/{opds.dinkes}", json={"amount": 9000000}, headers=who["tapd"]
    )
    sub = client.post(
        f"{api}/years/2026/sub-activities",
        json={
            "org_unit_id": opds.dinkes,
            "sub_kegiatan_code": SUB_PLANNING,
            "target": 1,
            "location": "Dinas",
            "funding_source": "PAD",
            "ceiling": 5000000,
        },
        headers=who["operator"],
    ).get_json()
    client.post(
        f"{api}/sub-activities/{sub['id']}/lines",
        json={
            "catalogue_item_id": items[HVS],
            "account_code": PAPER_ACCOUNT,
            "coefficient": "4 rim",
        },
        headers=who["operator"],
    )
    browser = app.test_client()
    assert sign_in(browser, slug, "tapd@example.go.id").status_code in (302, 303)
    assert browser.get(f"/t/{slug}/ebudgeting/2026/").status_code == 200
    assert f'href="/t/{slug}/ebudgeting/"' in browser.get(f"/t/{slug}/").get_data(as_text=True)
    kinds = client.get(f"/t/{slug}/api/v1/jobs/kinds", headers=who["tapd"]).get_json()["kinds"]
    assert "report:ebudgeting_rka" in [k["kind"] for k in kinds]

    with db.platform_transaction() as session:
        disable_app(
            session,
            get_tenant(session, slug),
            "ebudgeting",
            registry=state.registry,
            role_prefix=state.settings.role_prefix,
            actor="tests",
        )
    state.cache.invalidate()
    assert client.get(f"{api}/years", headers=who["tapd"]).status_code == 404
    doc = client.get(f"/t/{slug}/api/v1/openapi.json").get_json()
    assert not [p for p in doc["paths"] if p.startswith("/ebudgeting/")]
    me = client.get(f"/t/{slug}/api/v1/me", headers=who["tapd"]).get_json()
    assert not [p for p in me["permissions"] if p.startswith("ebudgeting.")]
    assert browser.get(f"/t/{slug}/ebudgeting/2026/").status_code == 404
    home = browser.get(f"/t/{slug}/")
    assert home.status_code == 200 and f"/t/{slug}/ebudgeting/" not in home.get_data(as_text=True)
    kinds = client.get(f"/t/{slug}/api/v1/jobs/kinds", headers=who["tapd"]).get_json()["kinds"]
    assert not [k["kind"] for k in kinds if k["kind"].startswith("report:ebudgeting")]
    with tenant_db(slug) as session:  # its data stays
        assert session.scalar(select(func.count()).select_from(BudgetLine)) == 1

    with db.platform_transaction() as session:
        enable_app(
            session,
            get_tenant(session, slug),
            "ebudgeting",
            registry=state.registry,
            migrations=state.migrations,
            role_prefix=state.settings.role_prefix,
            actor="tests",
        )
    state.cache.invalidate()
    back = client.get(f"{api}/sub-activities/{sub['id']}", headers=who["tapd"]).get_json()
    assert back["total"] == "220000.00" and len(back["lines"]) == 1


def test_a_sub_activity_is_placed_at_a_sub_unit_over_the_api(client, regency, tenant_db):
    from smartcity.tenantcore import orgunits

    slug, opds, _items = regency
    api = API.format(slug=slug)
    who = _tokens(client, slug)
    admin = bearer(tenant_token(client, slug))
    core = f"/t/{slug}/api/v1/org-units"
    client.patch(
        f"{core}/{opds.dinkes}", json={"sipd_code": "1.02.0.00.0.00.01.0000"}, headers=admin
    )
    puskesmas = client.post(
        core,
        json={
            "code": "1.02.01.01",
            "name": "UPTD Puskesmas Kayen",
            "kind": "uptd",
            "parent_id": opds.dinkes,
            "sipd_code": "1.02.0.00.0.00.01.0001",
        },
        headers=admin,
    ).get_json()["id"]
    with tenant_db(slug) as session:
        other = orgunits.create_unit(
            session, code="9.01", name="Unit Lain", kind="dinas", regency_code="33.18", actor="t"
        ).id
    client.post(f"{api}/years", json={"year": 2026}, headers=who["tapd"])
    client.put(
        f"{api}/years/2026/ceilings/{opds.dinkes}", json={"amount": 9000000}, headers=who["tapd"]
    )
    body = {
        "org_unit_id": opds.dinkes,
        "sub_kegiatan_code": SUB_PLANNING,
        "target": 1,
        "location": "Kayen",
        "funding_source": "PAD",
        "ceiling": 1000000,
    }
    for wrong, status in ((other, 422), (2**63, 422), ("x", 422), (-1, 422), (1.5, 422)):
        refused = client.post(
            f"{api}/years/2026/sub-activities",
            json={**body, "sub_unit_id": wrong},
            headers=who["operator"],
        )
        assert refused.status_code == status, (wrong, refused.get_json())
        assert "sub_unit_id" in refused.get_json()["error"]["fields"]
    created = client.post(
        f"{api}/years/2026/sub-activities",
        json={**body, "sub_unit_id": puskesmas},
        headers=who["operator"],
    )
    assert created.status_code == 201 and created.get_json()["sub_unit_id"] == puskesmas
    url = f"{api}/sub-activities/{created.get_json()['id']}"
    kept = client.patch(url, json={"location": "Kayen Kidul"}, headers=who["operator"]).get_json()
    assert kept["sub_unit_id"] == puskesmas
    moved = client.patch(url, json={"sub_unit_id": None}, headers=who["operator"]).get_json()
    assert moved["sub_unit_id"] is None
