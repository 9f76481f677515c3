"""My attendance, my TPP and my work log with its photo on a phone (390 x 844) in
Chromium: nothing wider than the screen, the deduction lines there to read, the
evidence form usable."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import PASSWORD, watch_csp
from tests.support.browser import PHONE, shot
from tests.support.ekinerja_pages import build, queue_of_two
from tests.support.images import jpeg_with_gps

pytestmark = pytest.mark.browser
WIDER = "document.documentElement.scrollWidth <= window.innerWidth"


def _signed_in_phone(server, chromium, provision, tenant_db, email, *, then=None):
    """A new regency (``build``, then ``then(session, ids)`` if given), and a phone in
    Chromium signed in as ``email``: the tenant's base URL, the page, and the list the
    CSP's refusals are collected in."""
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as session:
        ids = build(session)
        if then is not None:
            then(session, ids)
    base = f"{server}/t/{slug}"
    refused: list[str] = []
    context = watch_csp(chromium.new_context(viewport=PHONE, locale="id-ID"), refused)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return base, page, refused


def test_my_attendance_and_my_tpp_fit_a_phone(server, chromium, provision, tenant_db):
    base, page, refused = _signed_in_phone(
        server, chromium, provision, tenant_db, "pegawai@example.go.id"
    )

    page.goto(f"{base}/ekinerja/?year=2026&month=11")
    page.wait_for_selector("#ekn-days")
    assert page.locator("tr[data-state='present']").count() == 4
    assert page.locator("tr[data-state='excused']").count() == 2
    shot(page, "ekinerja-attendance-phone")
    assert page.evaluate(WIDER), page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > window.innerWidth).slice(0, 5).map(e => e.tagName + '.' + e.className + ' '"
        " + Math.round(e.getBoundingClientRect().right))"
    )

    page.click("text=Mengapa TPP saya dipotong?")
    page.wait_for_selector("#ekn-lines")
    late = page.locator("#ekn-lines li[data-component='late']").first
    assert late.is_visible()
    assert "Senin, 2 November 2026" in late.inner_text()
    assert "late_bands[0]" in late.inner_text()
    for item in page.locator("#ekn-lines li").all():
        assert item.is_visible()
        box = item.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate(WIDER), page.evaluate("document.documentElement.scrollWidth")
    shot(page, "ekinerja-tpp-phone")
    assert refused == []


def test_a_work_log_with_its_photo_is_sent_from_a_phone(server, chromium, provision, tenant_db):
    base, page, refused = _signed_in_phone(
        server, chromium, provision, tenant_db, "pegawai@example.go.id"
    )

    page.goto(f"{base}/ekinerja/worklogs")
    page.wait_for_selector("#ekn-log-form")
    evidence = page.locator("#evidence")
    assert evidence.get_attribute("accept") == "application/pdf,image/png,image/jpeg"
    box = evidence.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.fill("#start", "08:00")
    page.fill("#end", "10:00")
    page.fill("#output", "Foto kegiatan posyandu")
    page.set_input_files(
        "#evidence",
        files=[
            {"name": "posyandu.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps(1600, 1200)}
        ],
    )
    shot(page, "ekinerja-worklog-evidence-phone")
    page.click("#ekn-log-form button[type=submit]")
    page.wait_for_selector("#ekn-logs a.ekn-evidence")
    link = page.locator("#ekn-logs a.ekn-evidence").first
    assert "posyandu.jpg" in link.inner_text()
    assert page.evaluate(WIDER), page.evaluate("document.documentElement.scrollWidth")
    # The waiting log offers to replace its file, within the screen too.
    page.locator("#ekn-logs details summary").first.click()
    again = page.locator("#ekn-logs details input[type=file]").first
    box = again.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate(WIDER)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "posyandu.jpg"
    shot(page, "ekinerja-worklog-list-phone")
    assert refused == []


def test_a_unit_admin_takes_the_apel_roll_on_a_phone(server, chromium, provision, tenant_db):
    base, page, refused = _signed_in_phone(
        server, chromium, provision, tenant_db, "adminunit@example.go.id"
    )

    # Scheduled for today at 07.30 (the form's defaults), for the admin's unit.
    page.goto(f"{base}/ekinerja/events")
    page.wait_for_selector("#ekn-event-form")
    page.fill("#e-title", "Apel Senin")
    page.click("#ekn-event-form button[type=submit]")
    page.wait_for_selector("#ekn-roll-form")
    assert "Apel pagi: Apel Senin" in page.inner_text("h1")
    assert page.locator("#ekn-roll li[data-staff]").count() == 2  # Disdik's two people
    page.check("#ekn-roll li:has-text('Guru Budi') input[type=checkbox]")
    page.click("#ekn-roll-form button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert "1 tidak hadir" in page.inner_text(".alert-success")
    assert page.locator("#ekn-roll li:has-text('Guru Budi') input[type=checkbox]").is_checked()
    assert page.locator("#ekn-unit-rolls li[data-taken='yes']").count() == 1
    assert page.evaluate(WIDER), page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > window.innerWidth).slice(0, 5).map(e => e.tagName + '.' + e.className + ' '"
        " + Math.round(e.getBoundingClientRect().right))"
    )
    shot(page, "ekinerja-apel-roll-phone")
    assert refused == []


def test_a_supervisor_ticks_one_persons_logs_at_once_and_approves_them(
    server, chromium, provision, tenant_db
):
    made: dict[str, int] = {}

    def waiting(session, ids):
        day = datetime.now(ZoneInfo("Asia/Jakarta")).date()
        made.update(ids, nurse=queue_of_two(session, ids, day))

    base, page, refused = _signed_in_phone(
        server, chromium, provision, tenant_db, "kadis@example.go.id", then=waiting
    )
    page.goto(f"{base}/ekinerja/queue")
    page.wait_for_selector("#ekn-tick-all")
    nurse, worker = made["nurse"], made["worker"]
    page.check(f"#ekn-tick-{nurse}")
    ticked = page.locator("input[name=log_id]:checked")
    assert ticked.count() == 2
    assert {ticked.nth(i).get_attribute("data-ekn-group") for i in range(2)} == {str(nurse)}
    # The whole list's box shows half ticked; unticking one log unticks its person's box.
    assert page.evaluate("document.getElementById('ekn-tick-all').indeterminate")
    page.locator(f"input[data-ekn-group='{nurse}']").first.uncheck()
    assert not page.is_checked(f"#ekn-tick-{nurse}")
    page.check(f"#ekn-tick-{nurse}")
    shot(page, "ekinerja-queue-phone")
    page.click("button[value=approve]")
    page.wait_for_selector(".alert-success")
    assert page.locator(f"section[data-person='{nurse}']").count() == 0
    assert page.locator(f"section[data-person='{worker}'] li[data-log]").count() == 2
    assert page.evaluate(WIDER), page.evaluate("document.documentElement.scrollWidth")
    assert refused == []
