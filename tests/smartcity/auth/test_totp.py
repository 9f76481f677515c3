"""Operators' TOTP second factor: enrolment, then required at every console and API sign-in."""

from __future__ import annotations

from smartcity.auth.models import Operator
from smartcity.db import db
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.support.console import console_client, console_sign_in, page_token
from tests.support.totp import SECURITY, code_at, enrol, new_operator


def test_console_sign_in_asks_for_the_code_once_enrolled(app):
    email = new_operator()
    secret, _ = enrol(app, email)

    client = console_client(app)
    first_step = console_sign_in(client, email)
    assert first_step.status_code == 303
    assert first_step.headers["Location"].endswith("/platform/login/code")
    assert client.get("/platform/").status_code == 302  # the password alone signs nobody in

    code_page = "/platform/login/code"
    refused = client.post(
        code_page, data={"csrf_token": page_token(client, code_page), "code": "123456"}
    )
    assert refused.status_code == 422
    assert client.get("/platform/").status_code == 302
    code = code_at(secret)
    accepted = client.post(
        code_page, data={"csrf_token": page_token(client, code_page), "code": code}
    )
    assert accepted.status_code == 302
    assert client.get("/platform/").status_code == 200

    # A code works once: seen over a shoulder, it does not open a second session.
    replay = console_client(app)
    console_sign_in(replay, email)
    again = replay.post(code_page, data={"csrf_token": page_token(replay, code_page), "code": code})
    assert again.status_code == 422
    assert replay.get("/platform/").status_code == 302


def test_the_api_token_needs_the_code_once_enrolled(app):
    email = new_operator()
    api = app.test_client()
    before = api.post("/platform/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert before.status_code == 200
    old_token = before.get_json()["access_token"]
    secret, _ = enrol(app, email)

    # Enrolling revokes what the password alone had obtained.
    listing = api.get("/platform/api/v1/tenants", headers={"Authorization": f"Bearer {old_token}"})
    assert listing.status_code == 401

    missing = api.post("/platform/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert missing.status_code == 401
    assert missing.get_json()["error"]["fields"] == {"otp": "required"}
    wrong = api.post(
        "/platform/api/v1/auth/token",
        json={"email": email, "password": PASSWORD, "otp": "000000"},
    )
    assert wrong.status_code == 401
    assert wrong.get_json()["error"]["fields"] == {"otp": "required"}
    ok = api.post(
        "/platform/api/v1/auth/token",
        json={"email": email, "password": PASSWORD, "otp": code_at(secret, 1)},
    )
    assert ok.status_code == 200
    token = ok.get_json()["access_token"]
    assert (
        api.get(
            "/platform/api/v1/tenants", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 200
    )


def test_disabling_needs_a_valid_code(app):
    email = new_operator()
    secret, client = enrol(app, email)
    refused = client.post(
        f"{SECURITY}/disable", data={"csrf_token": page_token(client, SECURITY), "code": "999999"}
    )
    assert refused.status_code == 422
    assert 'data-totp="on"' in client.get(SECURITY).get_data(as_text=True)

    done = client.post(
        f"{SECURITY}/disable",
        data={"csrf_token": page_token(client, SECURITY), "code": code_at(secret)},
    )
    assert done.status_code == 303
    assert 'data-totp="off"' in client.get(SECURITY).get_data(as_text=True)
    with db.platform_transaction() as session:
        operator = session.scalars(select(Operator).where(Operator.email == email)).one()
        assert operator.totp_secret is None and operator.totp_enabled_at is None
    # The password alone is enough again.
    assert console_sign_in(console_client(app), email).status_code == 302
