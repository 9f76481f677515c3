"""Browser hardening: a Content-Security-Policy every page can live with, cookies
scoped to their own part of the shared host, HSTS behind HTTPS.

The CSP allows scripts from our own files only, so the pages must carry no
inline script: this module renders the main pages of a regency, its admin, its
e-budgeting and the console, and checks every ``<script>`` has a ``src`` (or is
a JSON data block, which is never executed) and no element has an ``on*=``
handler or a ``<style>`` element (the browser tests then run the pages in
Chromium under the policy).
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD
from tests.ebudgeting_support import budget_year, make_opds, make_users
from tests.support.console import signed_in_console
from tests.support.web import sign_in

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)


def policy(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {d[0]: (d[1] if len(d) > 1 else "") for d in directives}


def cookie(response, name: str) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}="))


def assert_no_inline_code(url: str, response) -> None:
    assert response.status_code == 200, (url, response.status_code)
    page = response.get_data(as_text=True)
    scripts = SCRIPT_TAG.findall(page)
    for attributes in scripts:
        assert "src=" in attributes or 'type="application/json"' in attributes, (url, attributes)
    assert not HANDLER.search(page), (url, HANDLER.search(page))
    assert not STYLE_ELEMENT.search(page), url
    assert "javascript:" not in page.lower(), url
    assert "script-src" in policy(response), url


def test_every_response_carries_the_policy_without_inline_script(app, client, provision):
    slug = provision()
    for url in (f"/t/{slug}/login", "/platform/login", "/healthz", f"/t/{slug}/api/v1/me"):
        response = client.get(url)
        directives = policy(response)
        assert directives["script-src"] == "'self'", url  # no 'unsafe-inline', no nonce
        assert directives["style-src"] == "'self'"
        assert directives["style-src-attr"] == "'unsafe-inline'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"
        assert (directives["base-uri"], directives["form-action"]) == ("'self'", "'self'")
        assert directives["img-src"] == "'self' data:"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP (tests)


def test_the_pages_have_no_inline_script_handler_or_style_element(app, provision, tenant_db, state):
    slug = provision(apps=("ebudgeting", "noticeboard"))
    with tenant_db(slug) as session:
        opds = make_opds(session)
        make_users(session, state.registry, opds, PASSWORD)
        budget_year(session, opds)
    anonymous = app.test_client()
    for url in (f"/t/{slug}/login", "/platform/login"):
        assert_no_inline_code(url, anonymous.get(url))

    admin = app.test_client()
    assert sign_in(admin, slug).status_code in (302, 303)
    # Branding colours are on: they used to be an inline <style> element.
    for url in (
        "/",
        "/jobs",
        "/jobs/new",
        "/admin/",
        "/admin/users",
        "/admin/units",
        "/admin/staff",
        "/admin/roster",
        "/admin/calendar",
        "/admin/settings",
        "/admin/apps",
        "/admin/audit",
    ):
        assert_no_inline_code(url, admin.get(f"/t/{slug}{url}"))

    tapd = app.test_client()
    assert sign_in(tapd, slug, "tapd@example.go.id").status_code in (302, 303)
    for url in (
        "/ebudgeting/2026/",
        f"/ebudgeting/2026/opd/{opds.dinkes}",
        "/ebudgeting/2026/realization",
        "/ebudgeting/catalogue",
    ):
        assert_no_inline_code(url, tapd.get(f"/t/{slug}{url}"))

    console = signed_in_console(app)
    for url in (
        "/platform/",
        "/platform/tenants/new",
        f"/platform/tenants/{slug}",
        "/platform/health",
        "/platform/adoption",
        "/platform/account/security",
    ):
        assert_no_inline_code(url, console.get(url))


def test_cookies_are_scoped_to_their_tenant_on_the_shared_host_and_to_the_console(app, provision):
    slug = provision()
    tenant_cookie = cookie(sign_in(app.test_client(), slug), f"smartcity_t_{slug}")
    assert f"Path=/t/{slug};" in tenant_cookie or tenant_cookie.endswith(f"Path=/t/{slug}")

    console = app.test_client()
    console.get("/platform/login")  # the sign-in form's CSRF token lives in the session
    console_cookie = console.get_cookie("smartcity_platform", path="/platform")
    assert console_cookie is not None and console_cookie.path == "/platform"
    assert console.get_cookie("smartcity_platform", path="/") is None

    # The session still carries the CSRF token under its path: the sign-in works.
    assert signed_in_console(app).get("/platform/").status_code == 200
    browser = app.test_client()
    assert sign_in(browser, slug).status_code in (302, 303)
    assert browser.get(f"/t/{slug}/admin/").status_code == 200


def test_a_regency_on_its_own_host_keeps_the_whole_host(app, provision):
    slug = provision()
    own_host = app.test_client()
    token_page = own_host.get("/login", base_url=f"http://{slug}.localhost")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', token_page.get_data(as_text=True))
    assert token is not None
    response = own_host.post(
        "/login",
        base_url=f"http://{slug}.localhost",
        data={"csrf_token": token.group(1), "email": "admin@example.go.id", "password": PASSWORD},
    )
    assert response.status_code in (302, 303)
    assert "Path=/;" in cookie(response, "smartcity") or cookie(response, "smartcity").endswith(
        "Path=/"
    )


@pytest.fixture
def secure_app(app_with):
    return app_with(SECURE_COOKIES=True)


def test_hsts_is_sent_once_cookies_are_secure(secure_app, provision):
    slug = provision()
    for url in (f"/t/{slug}/login", "/platform/login", "/healthz"):
        response = secure_app.test_client().get(url, base_url="https://localhost")
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000", url
