"""The proof of work in Chromium: pow.js solves the challenge and the complaint goes;
a form sent before it is done waits, saying so; without JavaScript the page says why."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tenants.pelayanan.models import Complaint
from tests.conftest import PASSWORD, watch_csp
from tests.pelayanan_support import make_regency
from tests.support.browser import PHONE, shot
from tests.support.pow import switch_on

pytestmark = pytest.mark.browser


def _fill(page) -> None:
    page.select_option("#classification", "complaint")
    page.select_option("#category", "infrastructure")
    page.fill("#title", "Lampu jalan mati")
    page.fill("#body", "Lampu jalan di gang tiga mati sejak sebulan, gelap dan rawan.")
    page.check("#anonymous")
    page.wait_for_timeout(3200)  # past the guard's minimum time to fill a form in


def _complaints(tenant_db, slug) -> int:
    with tenant_db(slug) as session:
        return session.scalar(select(func.count()).select_from(Complaint))


def test_the_script_solves_the_challenge_and_the_complaint_goes(
    server, chromium, provision, tenant_db, state
):
    slug = make_regency(provision, tenant_db, state, PASSWORD).slug
    switch_on(tenant_db, slug, 12)
    refused: list[str] = []
    context = chromium.new_context(viewport=PHONE, locale="id-ID", is_mobile=True, has_touch=True)
    page = watch_csp(context.new_page(), refused)
    page.goto(f"{server}/t/{slug}/p/pelayanan/complaints/new")
    _fill(page)
    page.wait_for_function("document.querySelector('input[name=pow_nonce]').value !== ''")
    page.click("button[type=submit]")
    page.wait_for_selector("#tracking-code")
    shot(page, "pelayanan-pow-sent")
    assert _complaints(tenant_db, slug) == 1
    assert refused == []


def test_a_form_sent_before_the_check_is_done_waits_and_says_so(
    server, chromium, provision, tenant_db, state
):
    slug = make_regency(provision, tenant_db, state, PASSWORD).slug
    switch_on(tenant_db, slug, 24)  # some seconds of work: still running when sent
    context = chromium.new_context(viewport=PHONE, locale="id-ID")
    page = context.new_page()
    url = f"{server}/t/{slug}/p/pelayanan/complaints/new"
    page.goto(url)
    _fill(page)
    if page.input_value("input[name=pow_nonce]"):
        pytest.skip("this machine solved 24 bits before the form was sent")
    page.click("button[type=submit]")
    status = page.locator("[data-pow-status]")
    status.wait_for(state="visible")
    assert "Memeriksa peramban Anda" in status.inner_text()
    assert page.url == url and _complaints(tenant_db, slug) == 0
    shot(page, "pelayanan-pow-checking")


def test_without_javascript_the_form_says_it_needs_it_and_is_refused_clearly(
    server, chromium, provision, tenant_db, state
):
    slug = make_regency(provision, tenant_db, state, PASSWORD).slug
    switch_on(tenant_db, slug, 12)
    context = chromium.new_context(viewport=PHONE, locale="id-ID", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/t/{slug}/p/pelayanan/complaints/new")
    # Playwright stops scripts without telling the parser, so <noscript> stays unrendered
    # here; a browser with JavaScript off shows it. Its text is in the page.
    assert re.search(r"<noscript>[^<]*<p[^>]*>[^<]*memerlukan JavaScript", page.content())
    _fill(page)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("button[type=submit]")
    assert answer.value.status == 422
    assert "Pemeriksaan peramban tidak berjalan" in page.content()
    assert _complaints(tenant_db, slug) == 0
