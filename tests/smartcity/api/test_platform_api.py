"""The operator API: tokens, provisioning, apps, suspension, hostile input."""

from __future__ import annotations

import re
import secrets

import pytest
from smartcity.db import db
from sqlalchemy import text

from tests.conftest import PASSWORD, bearer, operator_token, take_region, tenant_token, unique_slug
from tests.support.console import page_token


@pytest.fixture
def op(client):
    return bearer(operator_token(client))


def _create(client, op, slug, **extra):
    body = {
        "slug": slug,
        "name": "Kabupaten Pati",
        "region_code": take_region("33.18"),
        "apps": ["noticeboard"],
        "admin": {"email": "admin@patikab.go.id"},
    }
    body.update(extra)
    return client.post("/platform/api/v1/tenants", json=body, headers=op)


def _count(sql: str, **params) -> int:
    with db.engine.connect() as conn:
        value = conn.scalar(text(sql), params)
        conn.rollback()
    return int(value)


def test_provision_then_read_then_list(app, client, op, mailbox, settings):
    slug = unique_slug("pati")
    email = f"admin-{secrets.token_hex(3)}@patikab.go.id"
    created = _create(client, op, slug, admin={"email": email, "name": "Admin Pati"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["slug"] == slug and body["apps"] == ["noticeboard"]
    assert body["province"] == "Jawa Tengah" and body["status"] == "active"
    assert created.headers["Location"].endswith(f"/platform/api/v1/tenants/{slug}")
    assert client.get(f"/platform/api/v1/tenants/{slug}", headers=op).get_json()["name"]
    slugs = [
        t["slug"] for t in client.get("/platform/api/v1/tenants", headers=op).get_json()["tenants"]
    ]
    assert slug in slugs
    # The first admin is invited, as from the console: a link on the regency's own
    # host (not the API's), to choose a password nobody else learns.
    letter = mailbox.wait_for(lambda m: email in m.to)
    link = re.search(r"http://(\S+?)(/set-password/\S+)", letter.body)
    assert link is not None, letter.body
    assert link.group(1) == f"{slug}.{settings.BASE_DOMAIN}"
    invitee = app.test_client()
    own = f"http://{link.group(1)}"
    assert invitee.get(own + link.group(2)).status_code == 303
    token = page_token(invitee, f"{own}/set-password")
    chosen = invitee.post(
        f"{own}/set-password",
        data={"csrf_token": token, "password": PASSWORD, "confirm": PASSWORD},
    )
    assert chosen.status_code == 303, chosen.get_data(as_text=True)
    me = client.get(f"/t/{slug}/api/v1/me", headers=bearer(tenant_token(client, slug, email)))
    assert me.get_json()["user"]["roles"] == ["admin"]


def test_an_archived_regions_reprovisioning_is_an_explicit_choice(client, op):
    first, second = unique_slug("kab"), unique_slug("kab")
    code = take_region()  # not Pati's: every _create takes 33.18 for itself
    assert _create(client, op, first, region_code=code).status_code == 201
    assert client.post(f"/platform/api/v1/tenants/{first}/archive", headers=op).status_code == 200
    refused = _create(client, op, second, region_code=code)
    assert refused.status_code == 409
    assert "reprovision" in refused.get_json()["error"]["fields"]
    again = _create(client, op, second, region_code=code, reprovision=True)
    assert again.status_code == 201, again.get_json()
    assert again.get_json()["region_code"] == code


def test_existing_slug_is_409(client, op):
    slug = unique_slug("dup")
    assert _create(client, op, slug).status_code == 201
    again = _create(client, op, slug)
    assert again.status_code == 409
    assert again.get_json()["error"]["fields"] == {"slug": "taken"}


@pytest.mark.parametrize(
    ("slug", "field"),
    [
        ("Pati", "slug"),
        ("pati;drop", "slug"),
        ("../x", "slug"),
        ("platform", "slug"),
        ("public", "slug"),
        ("pg_toast", "slug"),
        ("pgadmin", "slug"),
        ("a" * 41, "slug"),
        ("-pati", "slug"),
        ("pati-", "slug"),
        ("p", "slug"),
        ('pati"; DROP SCHEMA platform; --', "slug"),
    ],
)
def test_hostile_slugs_are_refused_and_nothing_is_created(client, op, settings, slug, field):
    # Roles are cluster-wide and other test databases may share the server: count ours.
    roles = "SELECT count(*) FROM pg_roles WHERE starts_with(rolname, :prefix)"
    prefix = settings.role_prefix
    before = _count("SELECT count(*) FROM pg_namespace"), _count(roles, prefix=prefix)
    response = _create(client, op, slug)
    assert response.status_code in (400, 422)
    error = response.get_json()["error"]
    assert field in error["fields"], error
    after = _count("SELECT count(*) FROM pg_namespace"), _count(roles, prefix=prefix)
    assert before == after
    assert _count("SELECT count(*) FROM platform.tenants WHERE slug = :s", s=slug) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"apps": ["ebudgeting-x"]}, "apps"),
        ({"apps": ["nope"]}, "apps"),
        ({"region_code": "99.99"}, "region_code"),
        ({"region_code": "33"}, "region_code"),  # a province, not a regency
        ({"region_code": "33.18.01"}, "region_code"),  # a kecamatan
        ({"admin": {"email": "not-an-email"}}, "admin.email"),
        # Invited, never given a password by the operator.
        ({"admin": {"email": "a@b.go.id", "password": PASSWORD}}, "admin.password"),
        ({"admin": {"name": "Admin"}}, "admin.email"),
        ({"reprovision": "maybe"}, "reprovision"),
        ({"name": ""}, "name"),
        ({"unexpected": 1}, "unexpected"),
        ({"apps": "noticeboard"}, "apps"),
    ],
)
def test_bad_fields_are_named(client, op, change, field):
    slug = unique_slug("bad")
    response = _create(client, op, slug, **change)
    assert response.status_code in (400, 422)
    assert field in response.get_json()["error"]["fields"], response.get_json()
    assert _count("SELECT count(*) FROM platform.tenants WHERE slug = :s", s=slug) == 0


def test_non_json_bodies_are_a_clear_4xx(client, op):
    for kwargs in (
        {"data": "not json", "content_type": "application/json"},
        {"json": [1, 2]},
        {"data": b"\xff\xfe", "content_type": "application/json"},
    ):
        response = client.post("/platform/api/v1/tenants", headers=op, **kwargs)
        assert response.status_code == 422
        assert response.get_json()["error"]["code"] == "invalid"


def test_enable_and_disable_apps_with_dependency_checks(client, op, provision):
    slug = provision()
    base = f"/platform/api/v1/tenants/{slug}/apps"
    needs = client.put(f"{base}/digest", headers=op)
    assert needs.status_code == 409 and "noticeboard" in needs.get_json()["error"]["message"]
    assert client.put(f"{base}/noticeboard", headers=op).get_json()["changed"] is True
    assert client.put(f"{base}/noticeboard", headers=op).get_json()["changed"] is False
    assert client.put(f"{base}/digest", headers=op).status_code == 200
    blocked = client.delete(f"{base}/noticeboard", headers=op)
    assert blocked.status_code == 409 and "digest" in blocked.get_json()["error"]["message"]
    assert client.delete(f"{base}/digest", headers=op).status_code == 200
    assert client.delete(f"{base}/noticeboard", headers=op).status_code == 200
    assert client.put(f"{base}/unknown", headers=op).status_code == 404
    assert (
        client.put(f"/platform/api/v1/tenants/nope-{slug}/apps/noticeboard", headers=op).status_code
        == 404
    )


def test_disabled_app_is_gone_but_its_data_stays(client, op, provision):
    slug = provision(apps=("noticeboard",))
    token = tenant_token(client, slug)
    notices = f"/t/{slug}/api/v1/noticeboard/notices"
    assert (
        client.get(notices, headers=bearer(token)).get_json()["notices"][0]["title"]
        == "Selamat datang"
    )
    assert (
        client.delete(f"/platform/api/v1/tenants/{slug}/apps/noticeboard", headers=op).status_code
        == 200
    )
    assert client.get(notices, headers=bearer(token)).status_code == 404
    assert client.get(f"/t/{slug}/noticeboard/", headers=bearer(token)).status_code == 404
    assert client.get(f"/t/{slug}/api/v1/me", headers=bearer(token)).get_json()["apps"] == []
    assert (
        client.put(f"/platform/api/v1/tenants/{slug}/apps/noticeboard", headers=op).status_code
        == 200
    )
    # re-enabling finds the old data, and the idempotent hook adds nothing twice
    titles = [n["title"] for n in client.get(notices, headers=bearer(token)).get_json()["notices"]]
    assert titles == ["Selamat datang", "Pemeliharaan sistem Sabtu malam"]


def test_suspend_resume_archive(client, op, provision):
    slug = provision()
    token = tenant_token(client, slug)
    base = f"/platform/api/v1/tenants/{slug}"
    assert client.post(f"{base}/suspend", headers=op, json={}).status_code == 422
    why = {"reason": "Kontrak berakhir", "contact": "ops@bandung.go.id"}
    done = client.post(f"{base}/suspend", headers=op, json=why).get_json()
    assert done["status"] == "suspended" and done["suspension_reason"] == "Kontrak berakhir"
    assert done["suspension_contact"] == "ops@bandung.go.id"
    suspended = client.get(f"/t/{slug}/api/v1/me", headers=bearer(token))
    assert suspended.status_code == 403
    assert suspended.get_json()["error"]["code"] == "tenant_suspended"
    assert client.post(f"{base}/suspend", headers=op, json=why).status_code == 409
    resumed = client.post(f"{base}/resume", headers=op).get_json()
    assert resumed["status"] == "active" and resumed["suspension_reason"] is None
    assert client.get(f"/t/{slug}/api/v1/me", headers=bearer(token)).status_code == 200
    assert client.post(f"{base}/archive", headers=op).get_json()["status"] == "archived"
    assert client.get(f"/t/{slug}/api/v1/me", headers=bearer(token)).status_code == 404
    assert client.post(f"{base}/resume", headers=op).status_code == 409


def test_operator_api_requires_a_token(client):
    for method, path in (
        ("get", "/platform/api/v1/tenants"),
        ("post", "/platform/api/v1/tenants"),
        ("put", "/platform/api/v1/tenants/x/apps/noticeboard"),
    ):
        response = getattr(client, method)(path, headers={"Authorization": "Bearer forged"})
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_wrong_password_is_401_then_throttled_429(client):
    codes = [
        client.post(
            "/platform/api/v1/auth/token",
            json={"email": "tamu@bandung.go.id", "password": "salah-salah-123"},
        ).status_code
        for _ in range(7)
    ]
    assert codes[:5] == [401] * 5
    assert codes[-1] == 429


def test_openapi_documents_every_operation(client):
    doc = client.get("/platform/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert {"/tenants", "/tenants/{slug}", "/tenants/{slug}/apps/{app}", "/auth/token"} <= set(
        doc["paths"]
    )
    assert "TenantCreate" in doc["components"]["schemas"]
    tenant_doc = client.get("/t/x/api/v1/openapi.json")
    assert tenant_doc.status_code == 404  # unknown tenant: fail closed even for the document


def test_unknown_api_path_is_json_404(client):
    response = client.get("/platform/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_an_error_carries_its_message_id_and_params_and_speaks_the_asked_language(
    client, op, provision
):
    """English in ``message``; the msgid and its values; the same text in the reader's
    language: ?lang= first, else Accept-Language, else Indonesian."""
    slug = provision()
    url = f"/platform/api/v1/tenants/{slug}/apps/digest"
    default = client.put(url, headers=op).get_json()["error"]
    assert default["code"] == "conflict"
    assert default["message"] == "'digest' requires noticeboard: enable it first"
    assert default["message_id"] == "'%(app)s' requires %(apps)s: enable it first"
    assert default["params"] == {"app": "digest", "apps": "noticeboard"}
    assert default["lang"] == "id"
    assert default["localized"] == "'digest' membutuhkan noticeboard: aktifkan dulu"
    english = client.put(url, headers={**op, "Accept-Language": "en-GB,en;q=0.8"}).get_json()
    assert english["error"]["lang"] == "en"
    assert english["error"]["localized"] == default["message"]
    asked = client.put(f"{url}?lang=id", headers={**op, "Accept-Language": "en"}).get_json()
    assert asked["error"]["localized"] == default["localized"]
