"""Operators with a second factor: enrolment through the console and codes at a time step."""

from __future__ import annotations

import re
import time
import uuid

import pyotp
from smartcity.db import db
from smartcity.operators import upsert_operator

from tests.conftest import PASSWORD
from tests.support.console import console_client, console_sign_in, page_token
from tests.support.web import csrf_token

SECURITY = "/platform/account/security"


def new_operator() -> str:
    email = f"ops-{uuid.uuid4().hex[:8]}@bandung.go.id"
    with db.platform_transaction() as session:
        upsert_operator(session, email=email, name="Second Factor", password=PASSWORD, actor="t")
    return email


def code_at(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def enrol(app, email: str) -> tuple[str, object]:
    """Enrol through the console; returns the secret and the (still signed-in) client."""
    client = console_client(app)
    assert console_sign_in(client, email).status_code == 302
    assert client.get(SECURITY).get_data(as_text=True).count('data-totp="off"') == 1
    started = client.post(f"{SECURITY}/start", data={"csrf_token": page_token(client, SECURITY)})
    assert started.status_code == 303
    page = client.get(SECURITY).get_data(as_text=True)
    secret = re.search(r"<code[^>]*data-totp-secret>([A-Z2-7]+)</code>", page).group(1)
    assert "otpauth://totp/" in page and "<svg" in page  # the QR code, drawn here
    wrong = client.post(
        f"{SECURITY}/confirm", data={"csrf_token": csrf_token(page), "code": "000000"}
    )
    assert wrong.status_code == 422  # not on yet
    confirmed = client.post(
        f"{SECURITY}/confirm", data={"csrf_token": csrf_token(page), "code": code_at(secret, -1)}
    )
    assert confirmed.status_code == 303
    assert 'data-totp="on"' in client.get(SECURITY).get_data(as_text=True)
    return secret, client
