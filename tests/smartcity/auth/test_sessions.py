"""Sign-in hardening: one throttle per normalised account, server-side sign-out,
a TOTP try counter the client cannot reset, and one-time links kept out of logs."""

from __future__ import annotations

import logging
import re
import secrets
from datetime import timedelta
from types import SimpleNamespace

from flask.testing import FlaskClient

from tests.conftest import PASSWORD
from tests.support.console import console_client, console_sign_in, page_token, start_support
from tests.support.totp import code_at, enrol, new_operator
from tests.support.web import csrf_token, post_form, sign_in

ADMIN = "admin@example.go.id"
# The same address with a full-width "e" in the domain: IDNA maps it to "example.go.id",
# so it signs in to the same account and must count against the same throttle.
ADMIN_FULL_WIDTH = "admin@\uff45xample.go.id"
WRONG = "salah-salah-123"


def from_address(client: FlaskClient) -> FlaskClient:
    client.environ_base["REMOTE_ADDR"] = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.9"
    return client


# --------------------------------------------------------------------------- throttle


def test_a_full_width_spelling_shares_the_web_sign_in_throttle(app, provision):
    slug = provision()
    client = from_address(app.test_client())
    for _ in range(5):
        assert sign_in(client, slug, password=WRONG).status_code == 200
    # Another account from the same address has a bucket of its own ...
    assert sign_in(client, slug, email="lain@example.go.id", password=WRONG).status_code == 200
    # ... but another spelling of the same account does not.
    assert sign_in(client, slug, email=ADMIN_FULL_WIDTH).status_code == 429


def test_a_full_width_spelling_shares_the_tenant_token_throttle(app, provision):
    slug = provision()
    client = from_address(app.test_client())
    url = f"/t/{slug}/api/v1/auth/token"
    for _ in range(5):
        assert client.post(url, json={"email": ADMIN, "password": WRONG}).status_code == 401
    same_account = {"email": ADMIN_FULL_WIDTH, "password": PASSWORD}
    assert client.post(url, json=same_account).status_code == 429


def test_a_full_width_spelling_shares_the_operator_token_throttle(app):
    email = new_operator()
    local, domain = email.split("@")
    full_width = f"{local}@\uff42{domain[1:]}"  # a full-width "b"
    client = from_address(app.test_client())
    url = "/platform/api/v1/auth/token"
    for _ in range(5):
        assert client.post(url, json={"email": email, "password": WRONG}).status_code == 401
    assert client.post(url, json={"email": full_width, "password": PASSWORD}).status_code == 429


def test_successful_sign_ins_do_not_count(app, provision):
    slug = provision()
    address = from_address(app.test_client()).environ_base["REMOTE_ADDR"]
    for _ in range(8):  # an office behind one address, everyone signing in
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        assert sign_in(client, slug).status_code == 302


def test_both_host_spellings_share_one_bucket(app, provision):
    slug = provision()
    client = from_address(app.test_client())
    for _ in range(3):
        assert sign_in(client, slug, password=WRONG).status_code == 200
    host = {"Host": f"{slug}.localhost"}
    codes = []
    for _ in range(3):
        token = csrf_token(client.get("/login", headers=host).get_data(as_text=True))
        codes.append(
            client.post(
                "/login",
                headers=host,
                data={"csrf_token": token, "email": ADMIN, "password": WRONG},
            ).status_code
        )
    assert codes == [200, 200, 429]


# --------------------------------------------------------------------------- sign-out


def test_a_tenant_cookie_captured_before_sign_out_is_refused_after_it(app, provision):
    slug = provision()
    client = from_address(app.test_client())
    assert sign_in(client, slug).status_code == 302
    captured = client.get_cookie(f"smartcity_t_{slug}", path=f"/t/{slug}").value
    assert client.get(f"/t/{slug}/admin/users").status_code == 200
    out = client.post(
        f"/t/{slug}/logout", data={"csrf_token": page_token(client, f"/t/{slug}/admin/users")}
    )
    assert out.status_code == 302
    thief = app.test_client()
    thief.set_cookie(f"smartcity_t_{slug}", captured, path=f"/t/{slug}")
    assert thief.get(f"/t/{slug}/admin/users").status_code == 302
    # Signing in again works, and the new session is not affected.
    assert sign_in(client, slug).status_code == 302
    assert client.get(f"/t/{slug}/admin/users").status_code == 200


def test_a_console_cookie_captured_before_sign_out_is_refused_after_it(app):
    email = new_operator()
    client = console_client(app)
    assert console_sign_in(client, email).status_code == 302
    captured = client.get_cookie("smartcity_platform", path="/platform").value
    assert client.get("/platform/").status_code == 200
    out = client.post("/platform/logout", data={"csrf_token": page_token(client, "/platform/")})
    assert out.status_code == 302
    thief = console_client(app)
    thief.set_cookie("smartcity_platform", captured, path="/platform")
    assert thief.get("/platform/").status_code == 302


def test_replaying_the_code_page_cookie_does_not_reset_the_tries(app):
    email = new_operator()
    secret, _ = enrol(app, email)
    client = console_client(app)
    assert console_sign_in(client, email).status_code == 303  # the code page next
    captured = client.get_cookie("smartcity_platform", path="/platform").value
    token = page_token(client, "/platform/login/code")
    for _ in range(5):
        # Each try from another address, each with the cookie from before the first try.
        from_address(client)
        client.set_cookie("smartcity_platform", captured, path="/platform")
        wrong = client.post("/platform/login/code", data={"csrf_token": token, "code": "000000"})
        assert wrong.status_code in (200, 401, 422)
    from_address(client)
    client.set_cookie("smartcity_platform", captured, path="/platform")
    right = client.post(
        "/platform/login/code?lang=en", data={"csrf_token": token, "code": code_at(secret)}
    )
    assert right.status_code == 429
    assert "Too many wrong codes" in right.get_data(as_text=True)
    assert client.get("/platform/").status_code == 302  # not signed in
    # The same in Indonesian, the console's default language.
    client.set_cookie("smartcity_platform", captured, path="/platform")
    again = client.post("/platform/login/code", data={"csrf_token": token, "code": "000000"})
    assert again.status_code == 429 and "Terlalu banyak kode" in again.get_data(as_text=True)


# --------------------------------------------------------------------------- links


def invitation_path(app, slug: str) -> str:
    admin = app.test_client()
    assert sign_in(admin, slug).status_code == 302
    invited = post_form(
        admin,
        f"/t/{slug}/admin/users/new",
        {"email": "undangan@example.go.id", "name": "Undangan", "roles": ["member"]},
    )
    assert invited.status_code == 303
    page = admin.get(invited.headers["Location"]).get_data(as_text=True)
    link = re.search(r'id="password-link" value="([^"]+)"', page).group(1)
    return link.split("localhost", 1)[1]


def test_an_invitation_link_is_exchanged_for_a_clean_url(app, provision):
    slug = provision()
    path = invitation_path(app, slug)
    token = path.rsplit("/", 1)[1]
    invitee = app.test_client()
    first = invitee.get(path)
    assert first.status_code == 303
    clean = first.headers["Location"]
    assert token not in clean and clean.endswith(f"/t/{slug}/set-password")
    form = invitee.get(clean)
    assert form.status_code == 200 and "undangan@example.go.id" in form.get_data(as_text=True)
    chosen = invitee.post(
        clean,
        data={
            "csrf_token": csrf_token(form.get_data(as_text=True)),
            "password": "Kata-Sandi-Baru-1",
            "confirm": "Kata-Sandi-Baru-1",
        },
    )
    assert chosen.status_code == 303
    assert "Undangan" in invitee.get(f"/t/{slug}/").get_data(as_text=True)
    # Spent: neither the link nor the clean page works any more.
    assert app.test_client().get(path).status_code == 410
    assert invitee.get(clean).status_code == 410
    # Without the exchange, the clean page is nobody's.
    assert app.test_client().get(clean).status_code == 410


def test_the_request_log_does_not_show_one_time_tokens(app, provision, caplog):
    slug = provision()
    path = invitation_path(app, slug)
    link_token = path.rsplit("/", 1)[1]
    console = console_client(app)
    assert console_sign_in(console).status_code == 302
    enter = start_support(console, slug)
    handover_token = enter.split("token=", 1)[1]
    with caplog.at_level(logging.INFO, logger="smartcity.app"):
        assert app.test_client().get(path).status_code == 303
        assert app.test_client().get(enter).status_code == 303
    logged = caplog.text
    assert "/set-password/" in logged and "/support/enter" in logged
    assert link_token not in logged
    assert handover_token not in logged


def test_gunicorns_access_log_does_not_show_one_time_tokens():
    from gunicorn.config import Config
    from smartcity.gunicorn_logging import RedactingLogger

    token = "eyJhbGciOi.secret-part.sig"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/t/kab/support/enter?token={token}&lang=en",
        "PATH_INFO": f"/t/kab/set-password/{token}",
        "QUERY_STRING": f"token={token}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"http://localhost/t/kab/set-password/{token}",
        "REMOTE_ADDR": "10.0.0.1",
    }
    response = SimpleNamespace(status="303 SEE OTHER", headers=[], sent=0)
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    atoms = RedactingLogger(Config()).atoms(response, request, environ, timedelta(seconds=0))
    assert all(token not in str(value) for value in atoms.values())
    assert "lang=en" in atoms["r"] and "/t/kab/set-password/" in atoms["U"]
