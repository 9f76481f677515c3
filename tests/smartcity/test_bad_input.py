"""Bad input is a clear 4xx, never a 500: deep JSON, huge ids, NUL bytes, odd digits, forms.

Each test names one class of input that used to reach PostgreSQL or the JSON
parser unchecked; the fixes live in one place per class (the ``id`` URL
converter, ``bounded_int``, the NUL guard, the JSON depth limit), so these
tests try that class on several routes at once.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, bearer, operator_token, tenant_token
from tests.ebudgeting_support import HVS, budget_year, item, make_opds, make_users
from tests.support.console import console_client, console_sign_in, page_token
from tests.support.totp import enrol, new_operator
from tests.support.web import csrf_token, sign_in

HUGE = "99999999999999999999"  # beyond PostgreSQL's bigint (2^63 - 1)
DEEP = "[" * 1500 + "]" * 1500
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def regency(provision, tenant_db, state):
    slug = provision(apps=("ebudgeting",))
    with tenant_db(slug) as session:
        opds = make_opds(session)
        make_users(session, state.registry, opds, PASSWORD)
        budget_year(session, opds)
        item(session, HVS)
    return slug


def _clear_4xx(response, *, json_api: bool = True) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data()[:300])
    if json_api:
        error = response.get_json()["error"]
        assert error["message"]


# -- JSON nested deeper than any document we take ------------------------------------------


@pytest.mark.parametrize("kind", ["platform", "tenant"])
def test_deeply_nested_json_on_a_token_endpoint_is_refused(client, provision, kind):
    url = "/platform/api/v1/auth/token"
    if kind == "tenant":
        url = f"/t/{provision()}/api/v1/auth/token"
    response = client.post(url, data=DEEP, content_type="application/json")
    _clear_4xx(response)
    assert "nested" in response.get_json()["error"]["message"]


# -- ids beyond bigint ---------------------------------------------------------------------


def test_ids_beyond_bigint_are_not_found_on_every_api_route(client, regency):
    slug = regency
    tapd = bearer(tenant_token(client, slug, "tapd@example.go.id"))
    admin = bearer(tenant_token(client, slug))
    api = f"/t/{slug}/api/v1"
    eb = f"{api}/ebudgeting"
    for method, url, headers in [
        ("get", f"{api}/jobs/{HUGE}", admin),
        ("get", f"{api}/jobs/{HUGE}/result", admin),
        ("post", f"{api}/jobs/{HUGE}/cancel", admin),
        ("get", f"{eb}/sub-activities/{HUGE}", tapd),
        ("get", f"{eb}/sub-activities/{HUGE}/lines", tapd),
        ("get", f"{eb}/sub-activities/{HUGE}/cash-plan", tapd),
        ("delete", f"{eb}/lines/{HUGE}", tapd),
        ("get", f"{eb}/years/{HUGE}/ceilings", tapd),
        ("get", f"{eb}/years/{HUGE}/stages", tapd),
    ]:
        response = getattr(client, method)(url, headers=headers)
        assert response.status_code == 404, (url, response.status_code)


def test_ids_in_other_scripts_digits_are_not_found(client, regency):
    """Python's ``\\d`` and ``int`` read Arabic-Indic digits: ``/users/<1 in them>``
    answered as user 1. A path names a row only in the digits 0-9."""
    slug = regency
    admin = bearer(tenant_token(client, slug))
    users = f"/t/{slug}/api/v1/users"
    first = client.get(f"{users}/1", headers=admin)
    assert first.status_code == 200, first.get_json()
    assert client.get(f"{users}/{chr(0x0661)}", headers=admin).status_code == 404
    year = "".join(chr(0x0660 + int(c)) for c in "2026")
    tapd = bearer(tenant_token(client, slug, "tapd@example.go.id"))
    ceilings = f"/t/{slug}/api/v1/ebudgeting/years/{year}/ceilings"
    assert client.get(ceilings, headers=tapd).status_code == 404


def test_numbers_beyond_bigint_in_queries_and_bodies_are_refused(client, regency):
    slug = regency
    tapd = bearer(tenant_token(client, slug, "tapd@example.go.id"))
    admin = bearer(tenant_token(client, slug))
    eb = f"/t/{slug}/api/v1/ebudgeting"
    for url in [
        f"{eb}/years/2026/sub-activities?org_unit_id={HUGE}",
        f"{eb}/years/2026/diff?org_unit_id={HUGE}",
        f"{eb}/years/2026/realization?org_unit_id={HUGE}",
        f"{eb}/catalogue?year={HUGE}",
    ]:
        _clear_4xx(client.get(url, headers=tapd))
    members = client.put(
        f"{eb}/members", json={"user_id": int(HUGE), "org_unit_ids": [int(HUGE)]}, headers=admin
    )
    _clear_4xx(members)


def test_ids_beyond_bigint_on_the_pages_are_not_found(app, regency):
    slug = regency
    browser = app.test_client()
    assert sign_in(browser, slug, "sekda@example.go.id").status_code in (302, 303)
    for url in [
        f"/t/{slug}/ebudgeting/2026/opd/{HUGE}",
        f"/t/{slug}/ebudgeting/{HUGE}/",
        f"/t/{slug}/ebudgeting/sub/{HUGE}",
    ]:
        assert browser.get(url).status_code == 404, url
    page = browser.get(f"/t/{slug}/ebudgeting/members").get_data(as_text=True)
    token = csrf_token(page)
    assert (
        browser.post(f"/t/{slug}/ebudgeting/members/{HUGE}", data={"csrf_token": token}).status_code
        == 404
    )
    catalogue = browser.get(f"/t/{slug}/ebudgeting/catalogue?year={HUGE}")
    assert catalogue.status_code < 500


def test_no_route_takes_an_unbounded_integer():
    """Werkzeug's ``int`` converter and ``type=int`` accept numbers PostgreSQL refuses."""
    offenders = []
    for folder in ("platform/smartcity", "tenants"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            for number, line in enumerate(text.splitlines(), 1):
                if re.search(r"<int(\(.*?\))?:|type=int\b", line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


# -- NUL bytes -----------------------------------------------------------------------------


def test_nul_bytes_anywhere_in_a_request_are_refused(client, regency):
    slug = regency
    tapd = bearer(tenant_token(client, slug, "tapd@example.go.id"))
    eb = f"/t/{slug}/api/v1/ebudgeting"
    for url in [
        f"{eb}/catalogue?year=2026&q=a%00b",
        f"{eb}/years/2026/diff?from=rka%00",
    ]:
        response = client.get(url, headers=tapd)
        _clear_4xx(response)
        assert "NUL" in response.get_json()["error"]["message"]
    proposal = client.post(
        f"{eb}/catalogue",
        json={
            "year": 2026,
            "kind": "ssh",
            "name": "Kertas\x00",
            "specification": "A4",
            "unit": "rim",
            "max_price": "50000",
            "account_codes": ["5.1.02.01.01.0024"],
        },
        headers=tapd,
    )
    _clear_4xx(proposal)
    assert "NUL" in proposal.get_json()["error"]["message"]
    payment = client.post(
        f"{eb}/years/2026/payments",
        json={
            "sp2d_number": "SP2D\x00/1",
            "paid_on": "2026-03-02",
            "sub_activity_id": 1,
            "account_code": "5.1.02.01.01.0024",
            "amount": "1000",
        },
        headers=tapd,
    )
    _clear_4xx(payment)
    ops = bearer(operator_token(client))
    _clear_4xx(client.get("/platform/api/v1/tenants/a%00b", headers=ops))


def test_a_nul_in_json_is_found_however_it_is_written(client, regency):
    """The guard skips parsing a body that cannot hold a NUL (most API calls); a NUL
    escaped in a key, or a body in UTF-16 (0 bytes everywhere), is still parsed and
    refused, and the six characters "\\u0000" typed as text are not a NUL."""
    tapd = bearer(tenant_token(client, regency, "tapd@example.go.id"))
    url = f"/t/{regency}/api/v1/ebudgeting/catalogue"
    proposal = {
        "year": 2026,
        "kind": "ssh",
        "name": "Kertas",
        "specification": "A4",
        "unit": "rim",
        "max_price": "50000",
        "account_codes": ["5.1.02.01.01.0024"],
    }
    json_headers = {**tapd, "Content-Type": "application/json"}
    for body in (
        json.dumps({**proposal, "na\x00me": "x"}).encode(),
        json.dumps({**proposal, "name": "Kertas\x00"}).encode("utf-16"),
    ):
        refused = client.post(url, data=body, headers=json_headers)
        _clear_4xx(refused)
        assert "NUL" in refused.get_json()["error"]["message"], body[:40]
    typed = client.post(url, json={**proposal, "name": "Kertas \\u0000"}, headers=tapd)
    assert "NUL" not in typed.get_data(as_text=True), typed.get_json()


def test_nul_bytes_in_a_form_are_refused_on_a_page(app, regency):
    slug = regency
    browser = app.test_client()
    assert sign_in(browser, slug, "tapd@example.go.id").status_code in (302, 303)
    page = f"/t/{slug}/ebudgeting/2026/realization"
    token = csrf_token(browser.get(page).get_data(as_text=True))
    response = browser.post(
        f"/t/{slug}/ebudgeting/2026/payments",
        data={
            "csrf_token": token,
            "sp2d_number": "SP2D\x00/1",
            "paid_on": "2026-03-02",
            "sub_activity_id": "1",
            "account_code": "5.1.02.01.01.0024",
            "amount": "1000",
        },
    )
    assert response.status_code == 400


# -- non-numeric form fields ---------------------------------------------------------------


def test_non_numeric_form_fields_are_a_form_error(app, regency):
    slug = regency
    browser = app.test_client()
    assert sign_in(browser, slug, "tapd@example.go.id").status_code in (302, 303)
    base = f"/t/{slug}/ebudgeting"
    token = csrf_token(browser.get(f"{base}/2026/realization").get_data(as_text=True))
    payment = browser.post(
        f"{base}/2026/payments",
        data={
            "csrf_token": token,
            "sp2d_number": "SP2D/1",
            "paid_on": "2026-03-02",
            "sub_activity_id": "abc",
            "account_code": "5.1.02.01.01.0024",
            "amount": "1000",
        },
    )
    # A refused form is the page again with why, and a 4xx (nothing is written).
    assert payment.status_code == 422
    for year in ("abc", HUGE, "²"):
        proposal = browser.post(
            f"{base}/catalogue",
            data={"csrf_token": token, "year": year, "kind": "ssh", "name": "Kertas"},
        )
        assert proposal.status_code == 422, year
        assert "bilangan bulat" in proposal.get_data(as_text=True)


def test_superscript_digits_are_a_form_error_not_a_crash(app, client, regency):
    """'²' is a digit to ``str.isdigit`` but not to ``int()``: every check that let it
    through then raised, a 500. Pages, query strings and list ids try it."""
    slug = regency
    browser = app.test_client()
    assert sign_in(browser, slug, "tapd@example.go.id").status_code in (302, 303)
    base = f"/t/{slug}/ebudgeting"
    token = csrf_token(browser.get(f"{base}/2026/realization").get_data(as_text=True))
    payment = browser.post(
        f"{base}/2026/payments",
        data={
            "csrf_token": token,
            "sp2d_number": "SP2D/2",
            "paid_on": "2026-03-02",
            "sub_activity_id": "²",
            "account_code": "5.1.02.01.01.0024",
            "amount": "1000",
        },
    )
    assert payment.status_code == 422
    listing = client.get(
        f"/t/{slug}/api/v1/jobs?limit=²", headers=bearer(tenant_token(client, slug))
    )
    _clear_4xx(listing)


def test_no_check_lets_superscripts_through_to_int():
    """``isdigit`` is true for '²' and '①', which ``int()`` refuses: numbers typed by people
    are checked with ``isdecimal`` (and ``isascii`` where only 0-9 may stand)."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in ("platform/smartcity", "tenants")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ".isdigit()" in line
    ]
    assert offenders == []


# -- TOTP codes in other scripts' digits ---------------------------------------------------


def test_totp_codes_in_non_ascii_digits_are_refused(app):
    email = new_operator()
    _secret, _ = enrol(app, email)
    arabic = "\u0661\u0662\u0663\u0664\u0665\u0666"  # ١٢٣٤٥٦
    api = app.test_client()
    token = api.post(
        "/platform/api/v1/auth/token", json={"email": email, "password": PASSWORD, "otp": arabic}
    )
    assert token.status_code == 401
    console = console_client(app)
    assert console_sign_in(console, email).status_code == 303
    code_page = "/platform/login/code"
    response = console.post(
        code_page, data={"csrf_token": page_token(console, code_page), "code": arabic}
    )
    assert response.status_code == 422
