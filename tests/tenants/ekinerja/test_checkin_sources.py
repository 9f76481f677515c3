"""Checking in from the office network's web page, and the optional selfie of a mobile
check-in: who may, from where, what is kept of the image, and who may see it."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from tenants.ekinerja.models import Punch, PunchPhoto
from tests.support.ekinerja import OFFICE, make_regency
from tests.support.images import MAKER, gif, jpeg_with_gps, png
from tests.support.web import csrf_token, sign_in

INSIDE = "10.20.3.4"
OUTSIDE = "203.0.113.9"


@pytest.fixture
def kab(provision, tenant_db, client):
    regency = make_regency(provision, tenant_db, client)
    response = client.patch(
        f"{regency.api}/settings",
        json={"settings": {"web_networks": ["10.20.0.0/16", "2001:db8::/32"]}},
        headers=regency.tokens["bkpsdm"],
    )
    assert response.status_code == 200, response.get_json()
    return regency


def punches(tenant_db, slug, source=None) -> int:
    with tenant_db(slug) as s:
        q = select(func.count()).select_from(Punch)
        if source:
            q = q.where(Punch.source == source)
        return s.scalar(q)


def _browser(page_sign_in, kab, address):
    browser = page_sign_in(kab.slug, "pegawai@example.go.id")
    browser.environ_base["REMOTE_ADDR"] = address
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "id"
    return browser


def test_web_checkin_from_the_office_network_once_per_form(kab, tenant_db, page_sign_in):
    browser = _browser(page_sign_in, kab, INSIDE)
    url = f"/t/{kab.slug}/ekinerja/checkin"
    page = browser.get(url).get_data(as_text=True)
    assert 'value="in"' in page and 'value="out"' in page
    token = csrf_token(page)
    key = page.split('name="form_key" value="', 1)[1].split('"', 1)[0]
    form = {"csrf_token": token, "form_key": key, "kind": "in"}
    first = browser.post(url, data=form)
    assert first.status_code == 303
    again = browser.post(url, data=form)  # a double click, a resent form
    assert again.status_code == 303
    assert punches(tenant_db, kab.slug, "web") == 1
    page = browser.get(url).get_data(as_text=True)
    assert "Presensi masuk pukul" in page
    with tenant_db(kab.slug) as s:
        punch = s.scalars(select(Punch)).one()
        assert punch.review == "accepted" and punch.flags == []


def test_web_checkin_from_outside_is_refused_whatever_the_headers_say(kab, tenant_db, page_sign_in):
    browser = _browser(page_sign_in, kab, OUTSIDE)
    url = f"/t/{kab.slug}/ekinerja/checkin"
    page = browser.get(url).get_data(as_text=True)
    assert OUTSIDE in page and 'value="in"' not in page
    token = csrf_token(page)
    for headers in (
        {"X-Forwarded-For": INSIDE},
        {"X-Forwarded-For": f"{INSIDE}, {OUTSIDE}"},
        {"X-Real-IP": INSIDE, "Forwarded": f"for={INSIDE}"},
        {},
    ):
        refused = browser.post(
            url, data={"csrf_token": token, "form_key": "k1", "kind": "in"}, headers=headers
        )
        assert refused.status_code == 403
        body = refused.get_data(as_text=True)
        assert "data-checkin-refusal" in body
        assert "presensi web hanya diizinkan dari jaringan kantor" in body
    assert punches(tenant_db, kab.slug) == 0
    # An IPv6 office network works the same way; a mangled address is simply refused.
    browser.environ_base["REMOTE_ADDR"] = "2001:db8::7"
    ok = browser.post(url, data={"csrf_token": token, "form_key": "k2", "kind": "out"})
    assert ok.status_code == 303
    browser.environ_base["REMOTE_ADDR"] = "not-an-address"
    bad = browser.post(url, data={"csrf_token": token, "form_key": "k3", "kind": "in"})
    assert bad.status_code == 403
    wrong_kind = _browser(page_sign_in, kab, INSIDE).post(
        url, data={"csrf_token": token, "form_key": "k4", "kind": "sideways"}
    )
    assert wrong_kind.status_code in (400, 422)
    assert punches(tenant_db, kab.slug) == 1


def test_web_checkin_needs_a_staff_account(kab, page_sign_in):
    browser = page_sign_in(kab.slug, "bkpsdm@example.go.id")
    browser.environ_base["REMOTE_ADDR"] = INSIDE
    url = f"/t/{kab.slug}/ekinerja/checkin"
    token = csrf_token(browser.get(url).get_data(as_text=True))
    response = browser.post(url, data={"csrf_token": token, "form_key": "x", "kind": "in"})
    assert response.status_code == 403


# --------------------------------------------------------------------------- selfies


def _checkin(client, kab, key, selfie: bytes | str | None, **extra):
    body = {
        "kind": "in",
        "idempotency_key": key,
        "latitude": OFFICE[0],
        "longitude": OFFICE[1],
        "accuracy_m": 10,
        **extra,
    }
    if selfie is not None:
        body["selfie_base64"] = (
            selfie if isinstance(selfie, str) else base64.b64encode(selfie).decode()
        )
    return client.post(f"{kab.api}/punches", json=body, headers=kab.tokens["pegawai"])


def test_a_selfie_is_kept_without_exif_for_the_reviewer_only(client, kab, tenant_db):
    original = jpeg_with_gps()
    assert MAKER.encode() in original
    response = _checkin(client, kab, "s-1", original, mock_location=True)
    assert response.status_code == 201, response.get_json()
    punch = response.get_json()
    assert punch["selfie"] is True and punch["review"] == "pending"
    with tenant_db(kab.slug) as s:
        stored = s.get(PunchPhoto, punch["id"])
        assert stored.media_type == "image/jpeg"
        kept = Image.open(io.BytesIO(stored.content))
        assert kept.format == "JPEG" and kept.size == (64, 48)
        assert not kept.getexif() and MAKER.encode() not in stored.content
    url = f"{kab.api}/punches/{punch['id']}/selfie"
    seen = client.get(url, headers=kab.tokens["kadis"])  # the supervisor
    assert seen.status_code == 200 and seen.mimetype == "image/jpeg"
    assert seen.headers["Cache-Control"] == "private, no-store"
    assert client.get(url, headers=kab.tokens["pegawai"]).status_code == 403  # not to staff
    assert client.get(url, headers=kab.tokens["guru"]).status_code == 403  # another's supervisor
    assert (
        client.get(f"{kab.api}/punches/999999/selfie", headers=kab.tokens["kadis"]).status_code
        == 404
    )
    # The retry of the same punch keeps the first selfie and makes nothing new.
    retry = _checkin(client, kab, "s-1", original, mock_location=True)
    assert retry.status_code == 200 and retry.get_json()["selfie"] is False
    with tenant_db(kab.slug) as s:
        assert s.scalar(select(func.count()).select_from(PunchPhoto)) == 1


def test_the_reviewers_queue_links_the_selfie(client, kab, page_sign_in):
    punch = _checkin(client, kab, "s-2", jpeg_with_gps(), mock_location=True).get_json()
    supervisor = page_sign_in(kab.slug, "kadis@example.go.id")
    queue = supervisor.get(f"/t/{kab.slug}/ekinerja/queue").get_data(as_text=True)
    link = f"/t/{kab.slug}/ekinerja/punches/{punch['id']}/selfie"
    assert link in queue
    image = supervisor.get(link)
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    teacher = page_sign_in(kab.slug, "guru@example.go.id")
    assert teacher.get(link).status_code == 403


def test_hostile_selfies_are_refused_and_nothing_is_recorded(client, kab, tenant_db):
    bomb = png(6000, 6000)  # 36 megapixels in a few kilobytes
    assert len(bomb) < 200_000
    cases = [
        (gif(), 422),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, 422),  # PNG magic, no image
        (b"\xff\xd8\xff" + b"<?php echo 1; ?>" * 10, 422),  # JPEG magic, a script
        (bomb, 422),
        (b"\xff\xd8\xff" + b"\x00" * (2 * 1024 * 1024 + 1), 413),
        ("not base64 at all!!", 422),
    ]
    for n, (selfie, status) in enumerate(cases):
        response = _checkin(client, kab, f"h-{n}", selfie)
        assert response.status_code == status, (n, response.get_json())
    assert punches(tenant_db, kab.slug) == 0
    response = _checkin(client, kab, "ok-png", png(300, 200))
    assert response.status_code == 201 and response.get_json()["selfie"] is True


def test_behind_the_regencys_proxy_the_office_network_is_read_from_the_proxy(
    kab, tenant_db, app_with
):
    """With SMARTCITY_PROXY_HOPS=1 the address the proxy appended counts: an office PC
    checks in through it, and a forged X-Forwarded-For from outside buys nothing."""
    proxied = app_with(PROXY_HOPS=1)
    browser = proxied.test_client()
    browser.environ_base["REMOTE_ADDR"] = "10.99.0.1"  # the proxy, outside the office range
    assert sign_in(browser, kab.slug, "pegawai@example.go.id").status_code in (302, 303)
    url = f"/t/{kab.slug}/ekinerja/checkin"
    token = csrf_token(browser.get(url).get_data(as_text=True))
    forged = browser.post(
        url,
        data={"csrf_token": token, "form_key": "p1", "kind": "in"},
        headers={"X-Forwarded-For": f"{INSIDE}, {OUTSIDE}"},
    )
    assert forged.status_code == 403
    office = browser.post(
        url,
        data={"csrf_token": token, "form_key": "p2", "kind": "in"},
        headers={"X-Forwarded-For": INSIDE},
    )
    assert office.status_code == 303
    assert punches(tenant_db, kab.slug, "web") == 1
