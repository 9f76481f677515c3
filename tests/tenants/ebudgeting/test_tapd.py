"""e-Budgeting's TAPD list: people of the roster by NIP, with the PPKD who signs the DPA."""

from __future__ import annotations

from datetime import date

import pytest
from smartcity.errors import Forbidden, InvalidInput, NotFound
from smartcity.tenantcore.models import AuditEntry, OrgUnit, Staff
from sqlalchemy import select

from tenants.ebudgeting import tapd
from tenants.ebudgeting.budget_documents import tapd_members
from tests.conftest import PASSWORD, bearer, tenant_token
from tests.ebudgeting_support import CHAIR, TAPD, make_opds, make_users
from tests.support.web import csrf_token, sign_in

API = "/t/{slug}/api/v1/ebudgeting"
PEOPLE = (
    ("196805121990031003", "Ir. Sekda Utama", "Sekretaris Daerah"),
    ("197205151995031002", "Drs. Bambang Wibowo", "Kepala BPKAD"),
    ("198001012005011004", "Tapd", "Kepala Bappeda"),
)


@pytest.fixture
def regency(provision, tenant_db, state):
    slug = provision(apps=("ebudgeting",))
    with tenant_db(slug) as session:
        opds = make_opds(session)
        make_users(session, state.registry, opds, PASSWORD)
        for nip, name, position in PEOPLE:
            session.add(
                Staff(
                    nip=nip,
                    name=name,
                    status="PNS",
                    position=position,
                    echelon="II.b",
                    unit_id=opds.dinkes,
                    sex="L",
                    birth_date=date(1970, 1, 1),
                )
            )
        session.flush()
    return slug, opds


def _id(session, nip):
    return session.scalar(select(Staff.id).where(Staff.nip == nip))


def test_the_tapd_list_is_kept_by_nip_and_has_one_ppkd(regency, tenant_db):
    slug, _opds = regency
    with tenant_db(slug) as session:
        # A user called "Tapd" holds the TAPD member role, but only the list counts.
        assert tapd_members(session) == []
        sekda, bpkad, bappeda = (_id(session, nip) for nip, _n, _p in PEOPLE)
        with pytest.raises(Forbidden):
            tapd.set_member(session, sekda, "chair", is_ppkd=False, actor=TAPD)
        with pytest.raises(InvalidInput, match="is not a place in the TAPD"):
            tapd.set_member(session, sekda, "king", is_ppkd=False, actor=CHAIR)
        with pytest.raises(NotFound):
            tapd.set_member(session, 10**12, "chair", is_ppkd=False, actor=CHAIR)
        for bad in ("1968", "19680512199003100x", "", "9" * 40):
            with pytest.raises(InvalidInput, match="a NIP has 18 digits"):
                tapd.staff_by_nip(session, bad)
        with pytest.raises(NotFound, match="no active staff with NIP 196805121990031099"):
            tapd.staff_by_nip(session, "196805121990031099")
        assert tapd.staff_by_nip(session, " 19680512 199003 1 003 ").id == sekda

        tapd.set_member(session, bappeda, "member", is_ppkd=True, actor=CHAIR)
        tapd.set_member(session, sekda, "chair", is_ppkd=False, actor=CHAIR)
        # Marking the head of BPKAD the PPKD takes the mark from the other.
        tapd.set_member(session, bpkad, "secretary", is_ppkd=True, actor=CHAIR)
        assert tapd_members(session) == [
            ("Ir. Sekda Utama", "196805121990031003", "Ketua TAPD"),
            ("Drs. Bambang Wibowo", "197205151995031002", "Sekretaris TAPD"),
            ("Tapd", "198001012005011004", "Anggota TAPD"),
        ]
        assert tapd.ppkd(session).nip == "197205151995031002"
        tapd.remove_member(session, bappeda, actor=CHAIR)
        with pytest.raises(NotFound):
            tapd.remove_member(session, bappeda, actor=CHAIR)
        assert [m.name for m in tapd.members(session)] == [
            "Ir. Sekda Utama",
            "Drs. Bambang Wibowo",
        ]
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("ebudgeting.tapd.%"))
        ).all()
        assert actions.count("ebudgeting.tapd.set") == 3 and "ebudgeting.tapd.remove" in actions


def test_the_tapd_over_the_api_and_the_page(app, client, provision, regency, tenant_db):
    slug, _opds = regency
    api = API.format(slug=slug)
    chair = bearer(tenant_token(client, slug, "sekda@example.go.id"))
    member = bearer(tenant_token(client, slug, "tapd@example.go.id"))
    # A person of another regency's roster is not in this one's.
    other = provision(apps=("ebudgeting",))
    with tenant_db(other) as session:
        make_opds(session, regency_code="33.19")
        unit = session.scalar(select(OrgUnit.id).limit(1))
        session.add(
            Staff(
                nip="199001012015031001",
                name="Orang Lain",
                status="PNS",
                position="Staf",
                unit_id=unit,
                sex="L",
                birth_date=date(1990, 1, 1),
            )
        )
    url = f"{api}/tapd"
    sekda = {"nip": PEOPLE[0][0], "role": "chair"}
    assert client.put(url, json=sekda, headers=member).status_code == 403
    for hostile, status in (
        ({"nip": "199001012015031001", "role": "chair"}, 404),
        ({"nip": "abc", "role": "chair"}, 422),
        ({"nip": PEOPLE[0][0], "role": "<script>"}, 422),
        ({"nip": PEOPLE[0][0]}, 422),
        ({"nip": PEOPLE[0][0], "role": "chair", "is_ppkd": "maybe"}, 422),
        ({"nip": 196805121990031003, "role": "chair"}, 422),
    ):
        assert client.put(url, json=hostile, headers=chair).status_code == status, hostile
    saved = client.put(url, json={**sekda, "is_ppkd": True}, headers=chair)
    assert saved.status_code == 200
    assert saved.get_json()["members"] == [
        {
            "staff_id": saved.get_json()["members"][0]["staff_id"],
            "name": "Ir. Sekda Utama",
            "nip": "196805121990031003",
            "role": "chair",
            "position": "Ketua TAPD",
            "is_ppkd": True,
        }
    ]
    staff_id = saved.get_json()["members"][0]["staff_id"]
    assert client.get(url, headers=member).get_json() == saved.get_json()
    assert client.delete(f"{url}/{10**12}", headers=chair).status_code == 404
    assert client.delete(f"{url}/{staff_id}", headers=member).status_code == 403
    assert client.delete(f"{url}/{staff_id}", headers=chair).get_json() == {"members": []}

    # The page: the chair adds by NIP; a wrong NIP is refused with why.
    with tenant_db(slug) as session:
        from tenants.ebudgeting import years
        from tenants.ebudgeting.access import GRANTS, Actor

        years.create_fiscal_year(session, 2026, actor=Actor("t", GRANTS["tapd_chair"], None))
    browser = app.test_client()
    assert sign_in(browser, slug, "sekda@example.go.id", PASSWORD).status_code in (302, 303)
    page = f"/t/{slug}/ebudgeting/2026/tapd"
    token = csrf_token(browser.get(page).get_data(as_text=True))
    wrong = browser.post(
        page, data={"csrf_token": token, "nip": "123", "role": "member"}, follow_redirects=True
    )
    assert wrong.status_code == 422 and "NIP terdiri atas 18 digit" in wrong.get_data(as_text=True)
    added = browser.post(
        page,
        data={"csrf_token": token, "nip": PEOPLE[1][0], "role": "secretary", "is_ppkd": "yes"},
        follow_redirects=True,
    )
    body = added.get_data(as_text=True)
    assert added.status_code == 200 and "Drs. Bambang Wibowo" in body and "Sekretaris TAPD" in body
    assert "Pejabat Pengelola Keuangan Daerah" in body
    viewer = app.test_client()
    assert sign_in(viewer, slug, "dprd@example.go.id", PASSWORD).status_code in (302, 303)
    seen = viewer.get(page).get_data(as_text=True)
    assert "Drs. Bambang Wibowo" in seen and 'name="nip"' not in seen
