"""The org units over JSON: read by any signed-in user, changed by the regency admin,
with SIPD's long code checked by the same service as the admin pages."""

from __future__ import annotations

import pytest
from smartcity.tenantcore import users
from smartcity.tenantcore.models import OrgUnit
from sqlalchemy import select

from tests.conftest import PASSWORD, bearer, tenant_token

MEMBER = "anggota@example.go.id"
DINKES = "1.02.0.00.0.00.01.0000"


@pytest.fixture
def regency(provision, tenant_db):
    slug = provision(region_code="33.18")
    with tenant_db(slug) as session:
        users.create_user(
            session,
            email=MEMBER,
            name="Anggota",
            password=PASSWORD,
            roles=["member"],
            allowed_roles=["admin", "member"],
            actor="t",
        )
    return slug


def _error(response) -> dict:
    body = response.get_json()
    assert "error" in body, body
    return body["error"]


def test_the_admin_adds_units_with_sipd_codes_and_a_member_reads_them(client, regency):
    api = f"/t/{regency}/api/v1/org-units"
    admin = bearer(tenant_token(client, regency))
    member = bearer(tenant_token(client, regency, MEMBER))
    opd = client.post(
        api,
        json={"code": "1.02", "name": "Dinas Kesehatan", "kind": "dinas", "sipd_code": DINKES},
        headers=admin,
    )
    assert opd.status_code == 201, opd.get_json()
    assert opd.get_json()["sipd_code"] == DINKES
    assert opd.headers["Location"].endswith(f"/org-units/{opd.get_json()['id']}")
    sub = client.post(
        api,
        json={
            "code": "1.02.01",
            "name": "UPTD Puskesmas Pati I",
            "kind": "uptd",
            "parent_id": opd.get_json()["id"],
            "sipd_code": "1.02.0.00.0.00.01.0001",
        },
        headers=admin,
    )
    assert sub.status_code == 201, sub.get_json()
    listed = client.get(api, headers=member)
    assert listed.status_code == 200
    assert [(u["code"], u["sipd_code"]) for u in listed.get_json()["org_units"]] == [
        ("1.02", DINKES),
        ("1.02.01", "1.02.0.00.0.00.01.0001"),
    ]
    one = client.get(f"{api}/{sub.get_json()['id']}", headers=member).get_json()
    assert one["parent_id"] == opd.get_json()["id"]
    # A member reads, but does not change.
    refused = client.post(api, json={"code": "1.03", "name": "x", "kind": "dinas"}, headers=member)
    assert refused.status_code == 403
    assert (
        client.patch(f"{api}/{one['id']}", json={"sipd_code": None}, headers=member).status_code
        == 403
    )
    assert client.get(api).status_code == 401


def test_patch_sets_keeps_and_clears_the_sipd_code(client, regency, tenant_db):
    api = f"/t/{regency}/api/v1/org-units"
    admin = bearer(tenant_token(client, regency))
    unit = client.post(
        api, json={"code": "4.01", "name": "Setda", "kind": "sekretariat_daerah"}, headers=admin
    ).get_json()
    url = f"{api}/{unit['id']}"
    assert unit["sipd_code"] is None
    set_ = client.patch(url, json={"sipd_code": "4.01.0.00.0.00.01.0000"}, headers=admin)
    assert set_.status_code == 200 and set_.get_json()["sipd_code"] == "4.01.0.00.0.00.01.0000"
    renamed = client.patch(url, json={"name": "Sekretariat Daerah"}, headers=admin).get_json()
    assert (renamed["name"], renamed["sipd_code"]) == (
        "Sekretariat Daerah",
        "4.01.0.00.0.00.01.0000",
    )
    cleared = client.patch(url, json={"sipd_code": None}, headers=admin).get_json()
    assert cleared["sipd_code"] is None
    with tenant_db(regency) as session:
        assert session.scalar(select(OrgUnit.sipd_code).where(OrgUnit.id == unit["id"])) is None


@pytest.mark.parametrize(
    ("sipd", "status", "why"),
    [
        ("4.01.0.00.0.00.01.0001", 422, "an OPD's code ends in .0000"),
        ("4.01.0.00.0.00.01.²000", 422, "like 1.02.0.00.0.00.01.0000"),
        ("4.01.0.00.0.00.01.000\u0661", 422, "like 1.02.0.00.0.00.01.0000"),
        ("4.01 .0.00.0.00.01.0000", 422, "like 1.02.0.00.0.00.01.0000"),
        ("9.99.0.00.0.00.01.0000", 422, "bidang 9.99 is not in the urusan list"),
        (DINKES, 409, "already that of Dinas Kesehatan (1.02)"),
    ],
)
def test_a_bad_or_taken_code_is_a_clear_4xx(client, regency, sipd, status, why):
    api = f"/t/{regency}/api/v1/org-units"
    admin = bearer(tenant_token(client, regency))
    client.post(
        api,
        json={"code": "1.02", "name": "Dinas Kesehatan", "kind": "dinas", "sipd_code": DINKES},
        headers=admin,
    )
    unit = client.post(
        api, json={"code": "4.01", "name": "Setda", "kind": "sekretariat_daerah"}, headers=admin
    ).get_json()
    refused = client.patch(f"{api}/{unit['id']}?lang=id", json={"sipd_code": sipd}, headers=admin)
    assert refused.status_code == status
    error = _error(refused)
    assert "sipd_code" in error["fields"], error
    assert why in error["fields"]["sipd_code"] or why in error["message"], error
    created = client.post(
        api,
        json={"code": "4.02", "name": "Setwan", "kind": "sekretariat_dprd", "sipd_code": sipd},
        headers=admin,
    )
    assert created.status_code == status, created.get_json()


def test_hostile_bodies_and_other_regencies_ids_are_4xx(client, regency, provision):
    api = f"/t/{regency}/api/v1/org-units"
    admin = bearer(tenant_token(client, regency))
    other = provision()
    theirs = client.post(
        f"/t/{other}/api/v1/org-units",
        json={"code": "1.02", "name": "Dinas Mereka", "kind": "dinas", "sipd_code": DINKES},
        headers=bearer(tenant_token(client, other)),
    ).get_json()
    # Their unit's id does not exist here, and their token means nothing here.
    assert client.get(f"{api}/{theirs['id']}", headers=admin).status_code == 404
    assert (
        client.patch(f"{api}/{theirs['id']}", json={"name": "x"}, headers=admin).status_code == 404
    )
    assert client.get(api, headers=bearer(tenant_token(client, other))).status_code == 401
    # The same SIPD code is theirs to use in their regency and ours in ours.
    mine = client.post(
        api,
        json={"code": "1.02", "name": "Dinas Kesehatan", "kind": "dinas", "sipd_code": DINKES},
        headers=admin,
    )
    assert mine.status_code == 201
    for body, field in (
        ({"code": "1.03", "name": "x", "kind": "dinas", "sipd_code": "1" * 61}, "sipd_code"),
        ({"code": "1.03", "name": "x", "kind": "dinas", "parent_id": 2**63}, "parent_id"),
        ({"code": "1.03", "name": "x", "kind": "dinas", "sipd_code": 10}, "sipd_code"),
        ({"code": "1.03", "name": "x", "kind": "dinas", "extra": 1}, "extra"),
    ):
        refused = client.post(api, json=body, headers=admin)
        assert refused.status_code == 422, body
        assert field in _error(refused)["fields"], refused.get_json()
    # A NUL byte never reaches the service (the request guard's 400).
    nul = client.patch(
        f"{api}/{mine.get_json()['id']}", json={"sipd_code": DINKES + "\x00"}, headers=admin
    )
    assert nul.status_code == 400
    # A parent that is not there.
    missing = client.post(
        api,
        json={"code": "1.03.01", "name": "x", "kind": "uptd", "parent_id": theirs["id"] + 999},
        headers=admin,
    )
    assert missing.status_code == 404
    assert client.get(f"{api}/{2**63}", headers=admin).status_code == 404


def test_the_openapi_document_describes_the_org_units(client, regency):
    document = client.get(f"/t/{regency}/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(document["paths"]["/org-units"])
    assert {"get", "patch"} <= set(document["paths"]["/org-units/{unit_id}"])
    schemas = document["components"]["schemas"]
    assert "SIPD's long code" in schemas["OrgUnitPatch"]["properties"]["sipd_code"]["description"]
    assert "sipd_code" in schemas["OrgUnitOut"]["properties"]
