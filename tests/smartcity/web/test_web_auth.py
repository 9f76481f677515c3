"""Web sign-in: sessions bound to their tenant, CSRF on every form, throttling, cookie flags."""

from __future__ import annotations

import pytest

from tests.conftest import OPERATOR_EMAIL, PASSWORD, bearer, tenant_token
from tests.support.web import csrf_token, sign_in


def test_sign_in_shows_the_regencys_own_apps_only(app, provision):
    slug = provision(apps=("noticeboard",))
    other = provision()
    client = app.test_client()
    assert client.get(f"/t/{slug}/").status_code == 302  # anonymous: to the sign-in page
    assert sign_in(client, slug).status_code in (302, 303)
    home = client.get(f"/t/{slug}/").get_data(as_text=True)
    assert "Papan Pengumuman" in home
    assert f"/t/{slug}/noticeboard/" in home
    client_other = app.test_client()
    sign_in(client_other, other)
    assert "Papan Pengumuman" not in client_other.get(f"/t/{other}/").get_data(as_text=True)
    assert client_other.get(f"/t/{other}/noticeboard/").status_code == 404


def test_a_session_cookie_is_anonymous_on_another_tenant(app, provision):
    a, b = provision(), provision()
    client = app.test_client()
    sign_in(client, a)
    cookie = client.get_cookie(f"smartcity_t_{a}", path=f"/t/{a}")  # scoped to its tenant
    assert cookie is not None
    assert client.get(f"/t/{a}/admin/users").status_code == 200
    # Present A's signed cookie under B's name, and on B's own host: nobody is signed in.
    thief = app.test_client()
    thief.set_cookie(f"smartcity_t_{b}", cookie.value)
    assert thief.get(f"/t/{b}/admin/users").status_code == 302
    thief.set_cookie("smartcity", cookie.value, domain=f"{b}.localhost")
    response = thief.get("/admin/users", headers={"Host": f"{b}.localhost"})
    assert response.status_code == 302
    # nor does it open the operator console
    thief.set_cookie("smartcity_platform", cookie.value)
    assert thief.get("/platform/").status_code == 302


def test_the_api_neither_reads_nor_sets_the_session_cookie(app, provision):
    slug = provision()
    browser = app.test_client()
    sign_in(browser, slug)
    assert browser.get(f"/t/{slug}/admin/users").status_code == 200
    # The signed-in browser's cookie goes along to the API: it counts for nothing.
    refused = browser.get(f"/t/{slug}/api/v1/me")
    assert refused.status_code == 401
    assert "Set-Cookie" not in refused.headers
    # With a token the call works, and its answer neither sets nor varies on a cookie,
    # even when it asks for another language (pages keep that choice in the session).
    token = tenant_token(app.test_client(), slug)
    me = browser.get(f"/t/{slug}/api/v1/me?lang=en", headers=bearer(token))
    assert me.status_code == 200
    assert me.get_json()["user"]["email"] == "admin@example.go.id"
    assert "Set-Cookie" not in me.headers
    assert "Cookie" not in me.headers.get("Vary", "")
    # and the browser's own session is untouched by all that
    assert browser.get(f"/t/{slug}/admin/users").status_code == 200


def test_forms_without_a_csrf_token_are_refused(app, provision):
    slug = provision()
    client = app.test_client()
    refused = client.post(
        f"/t/{slug}/login", data={"email": "admin@example.go.id", "password": PASSWORD}
    )
    assert refused.status_code == 400
    sign_in(client, slug)
    created = client.post(
        f"/t/{slug}/admin/users/new",
        data={
            "email": "new@example.go.id",
            "name": "New",
            "password": PASSWORD,
            "roles": ["member"],
        },
    )
    assert created.status_code == 400
    listing = client.get(f"/t/{slug}/admin/users").get_data(as_text=True)
    assert "new@example.go.id" not in listing
    console = app.test_client()
    assert (
        console.post(
            "/platform/login", data={"email": OPERATOR_EMAIL, "password": PASSWORD}
        ).status_code
        == 400
    )


def test_repeated_failed_sign_ins_are_throttled(app, provision):
    slug = provision()
    client = app.test_client()
    codes = [sign_in(client, slug, password="salah-salah-123").status_code for _ in range(7)]
    assert codes[0] == 200  # the form again, with a generic error
    assert codes[-1] == 429


def test_cookies_are_httponly_samesite_and_secure_when_configured(app, app_with, provision):
    slug = provision()
    client = app.test_client()
    response = sign_in(client, slug)
    header = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"smartcity_t_{slug}=")
    )
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header
    secure = app_with(SECURE_COOKIES=True)
    header = next(
        h
        for h in sign_in(secure.test_client(), slug).headers.getlist("Set-Cookie")
        if h.startswith(f"smartcity_t_{slug}=")
    )
    assert "Secure" in header and "HttpOnly" in header


def test_behind_a_proxy_each_citizen_is_throttled_apart(app, app_with, provision):
    """With PROXY_HOPS=1 the sign-in throttle counts the client the proxy saw; without it,
    X-Forwarded-For is the client's own word and everyone shares the proxy's address."""
    slug = provision()
    proxied = app_with(PROXY_HOPS=1)

    def attempts(flask_app, forwarded_for: str, times: int) -> list[int]:
        client = flask_app.test_client()
        client.environ_base["REMOTE_ADDR"] = "10.0.0.2"  # the proxy
        headers = {"X-Forwarded-For": forwarded_for}
        return [
            client.post(
                f"/t/{slug}/login",
                data={
                    "csrf_token": csrf_token(
                        client.get(f"/t/{slug}/login", headers=headers).get_data(as_text=True)
                    ),
                    "email": "admin@example.go.id",
                    "password": "salah-salah-123",
                },
                headers=headers,
            ).status_code
            for _ in range(times)
        ]

    assert attempts(proxied, "198.51.100.1", 7)[-1] == 429
    # Another citizen behind the same proxy is not locked out by the first one ...
    assert attempts(proxied, "198.51.100.2", 1) == [200]
    # ... and a forged left-hand entry does not buy a fresh address: the proxy appended
    # the real one on the right, and that is the one counted.
    assert attempts(proxied, "203.0.113.50, 198.51.100.1", 1) == [429]
    # Without the setting the header is ignored: every request is the proxy's.
    assert attempts(app, "198.51.100.3", 7)[-1] == 429
    assert attempts(app, "198.51.100.4", 1) == [429]


def test_a_proxy_chain_longer_than_any_deployment_is_refused_at_start(app_with):
    with pytest.raises(RuntimeError, match="SMARTCITY_PROXY_HOPS"):
        app_with(PROXY_HOPS=9)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_pages_speak_indonesian_by_default_and_english_on_request(app, provision, lang):
    slug = provision()
    client = app.test_client()
    page = client.get(f"/t/{slug}/login" + ("?lang=en" if lang == "en" else "")).get_data(
        as_text=True
    )
    if lang == "id":
        assert "Masuk" in page
    else:
        assert "Sign in" in page
