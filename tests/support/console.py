"""The operator console: a client from an address of its own, its forms, support sessions."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from smartcity.db import db
from smartcity.tenancy.models import Tenant
from sqlalchemy import select

from tests.conftest import OPERATOR_EMAIL, PASSWORD
from tests.support.web import csrf_token


def console_client(app: Flask) -> FlaskClient:
    """A browser of its own, from an address of its own (sign-in is throttled per address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.7"
    return client


def console_sign_in(client: FlaskClient, email: str = OPERATOR_EMAIL, password: str = PASSWORD):
    token = csrf_token(client.get("/platform/login").get_data(as_text=True))
    return client.post(
        "/platform/login", data={"csrf_token": token, "email": email, "password": password}
    )


def signed_in_console(app: Flask) -> FlaskClient:
    client = console_client(app)
    assert console_sign_in(client).status_code == 302
    return client


def page_token(client: FlaskClient, path: str) -> str:
    return csrf_token(client.get(path).get_data(as_text=True))


def tenant_row(slug: str) -> int:
    with db.platform_transaction() as session:
        return session.scalars(select(Tenant.id).where(Tenant.slug == slug)).one()


REASON = "Tiket #42: admin tidak bisa menambah pengguna"


def start_support(console, slug: str, minutes: int = 60):
    """Start a session from the tenant's console page; returns the hand-over URL."""
    detail = f"/platform/tenants/{slug}"
    response = console.post(
        f"{detail}/support",
        data={"csrf_token": page_token(console, detail), "reason": REASON, "minutes": minutes},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    target = urlsplit(response.headers["Location"])
    assert target.path == f"/t/{slug}/support/enter"
    return f"{target.path}?{target.query}"


def row_of(html: str, slug: str) -> str:
    match = re.search(rf'<tr data-tenant="{slug}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {slug}"
    return match.group(1)
