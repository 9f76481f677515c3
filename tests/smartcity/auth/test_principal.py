"""The signed-in user a request loads (auth.principal) is the session's own object:
changes a view makes to it are saved, and the credentials it was loaded with are
checked on every call."""

from __future__ import annotations

from tests.conftest import PASSWORD, bearer, tenant_token


def test_a_user_changing_themselves_through_the_api_is_saved(client, provision):
    slug = provision()
    token = tenant_token(client, slug)
    me = client.get(f"/t/{slug}/api/v1/me", headers=bearer(token)).get_json()["user"]
    changed = client.patch(
        f"/t/{slug}/api/v1/users/{me['id']}",
        json={"name": "Admin Kabupaten Baru"},
        headers=bearer(token),
    )
    assert changed.status_code == 200, changed.get_json()
    again = client.get(f"/t/{slug}/api/v1/me", headers=bearer(token)).get_json()["user"]
    assert again["name"] == "Admin Kabupaten Baru"
    assert again["email"] == me["email"]
    assert again["roles"] == me["roles"]


def test_a_new_password_ends_the_tokens_issued_before_it(client, provision):
    slug = provision()
    token = tenant_token(client, slug)
    me = client.get(f"/t/{slug}/api/v1/me", headers=bearer(token)).get_json()["user"]
    new_password = PASSWORD + "-baru"
    changed = client.patch(
        f"/t/{slug}/api/v1/users/{me['id']}",
        json={"password": new_password},
        headers=bearer(token),
    )
    assert changed.status_code == 200, changed.get_json()
    assert client.get(f"/t/{slug}/api/v1/me", headers=bearer(token)).status_code == 401
    fresh = client.post(
        f"/t/{slug}/api/v1/auth/token", json={"email": me["email"], "password": new_password}
    )
    assert fresh.status_code == 200
    again = client.get(f"/t/{slug}/api/v1/me", headers=bearer(fresh.get_json()["access_token"]))
    assert again.status_code == 200
