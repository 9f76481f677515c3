"""Signing in to a regency's pages and posting its forms, as a browser would."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient

from tests.conftest import PASSWORD

HEADER = "nip,nama,status,golongan,jabatan,kelas_jabatan,eselon,kode_unit,nip_atasan"


GOOD = [
    "198609262015051001,Budi Santoso,PNS,IV/a,Kepala Bagian,12,III.b,4.01.01,",
    "199203152019032005,Sari Dewi,PNS,III/a,Analis,8,,4.01.01,198609262015051001",
    "199001012019212002,Rina,PPPK,IX,Guru,7,,4.01.01,198609262015051001",
]


def admin_client(app, slug: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, slug).status_code in (302, 303)
    return client


def post_form(client: FlaskClient, url: str, data: dict, page: str | None = None, **kw):
    """POST ``data`` with the CSRF token of the page the form is on (``page``, else ``url``)."""
    token = csrf_token(client.get(page or url).get_data(as_text=True))
    prefixed = {k: v for k, v in data.items() if "-" in k}
    prefix = next(iter(prefixed)).split("-", 1)[0] + "-" if prefixed else ""
    return client.post(url, data={f"{prefix}csrf_token": token, **data}, **kw)


def field_errors(page: str, field_id: str) -> str:
    """The error text shown with the field ``field_id`` (before the next field starts)."""
    start = page.find(f'id="{field_id}"')
    assert start >= 0, f"no field #{field_id}"
    end = min(
        (i for i in (page.find('class="mb-3"', start), page.find("</form>", start)) if i > 0),
        default=len(page),
    )
    errors = re.findall(r'class="invalid-feedback d-block">(.*?)</div>', page[start:end], re.S)
    assert errors, f"no error shown with #{field_id}"
    return html.unescape(" ".join(errors))


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "the form has no CSRF token"
    return match.group(1)


def sign_in(
    client: FlaskClient, slug: str, email: str = "admin@example.go.id", password: str = PASSWORD
):
    token = csrf_token(client.get(f"/t/{slug}/login").get_data(as_text=True))
    return client.post(
        f"/t/{slug}/login", data={"csrf_token": token, "email": email, "password": password}
    )


def shown_errors(response) -> list[str]:
    """Every error a page shows (for assertion messages)."""
    page = response.get_data(as_text=True)
    found = re.findall(r'class="invalid-feedback d-block">(.*?)</div>', page, re.S)
    found += re.findall(r'class="alert alert-danger"[^>]*>(.*?)</div>', page, re.S)
    return [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", f))).strip() for f in found]
