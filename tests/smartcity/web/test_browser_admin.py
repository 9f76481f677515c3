"""The regency admin's console in Chromium: import a roster, invite a user, who then signs in.

Runs the test app in a real HTTP server on 127.0.0.1 and drives Debian's
Chromium through Playwright. Screenshots of the main pages (desktop and phone
width) go to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import pytest
from smartcity.tenantcore import users

from tests.conftest import PASSWORD, watch_csp
from tests.support.browser import DESKTOP, PHONE, shot
from tests.support.web import GOOD, HEADER

pytestmark = pytest.mark.browser


def test_an_admin_imports_a_roster_and_invites_a_user_who_sees_only_the_regencys_apps(
    server, chromium, provision, tmp_path
):
    slug = provision(apps=("noticeboard",))
    provision(apps=("noticeboard", "digest"))  # another regency has more apps
    base = f"{server}/t/{slug}"
    refused: list[str] = []
    admin = watch_csp(chromium.new_context(viewport=DESKTOP, locale="id-ID"), refused)
    page = admin.new_page()

    # Sign in (Indonesian by default).
    page.goto(f"{base}/admin/")
    assert "/login" in page.url
    page.fill("#email", "admin@example.go.id")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]:has-text('Masuk')")
    page.wait_for_url(f"{base}/admin/")
    shot(page, "overview")

    # Branding: a colour for the regency's pages.
    page.click("nav[aria-label='Administrasi'] >> text=Pengaturan & tampilan")
    page.fill("#display_name", "Pemerintah Kabupaten Uji")
    page.fill("#primary_color", "#1b4d3e")
    page.fill("#accent_color", "#f2b705")
    page.click("button:has-text('Simpan pengaturan')")
    page.wait_for_selector(".alert-success")
    assert "Pemerintah Kabupaten Uji" in page.inner_text(".navbar-brand")
    navbar_colour = page.eval_on_selector(".navbar", "e => getComputedStyle(e).backgroundColor")
    assert navbar_colour == "rgb(27, 77, 62)"
    shot(page, "settings")

    # Org units: an OPD and a sub-unit, through the forms.
    page.goto(f"{base}/admin/units/new")
    page.fill("#code", "4.01")
    page.fill("#name", "Sekretariat Daerah")
    page.select_option("#kind", "sekretariat_daerah")
    page.click("button:has-text('Tambah unit')")
    page.wait_for_selector(".alert-success")
    page.click("tr[data-unit='4.01'] >> text=subunit")
    assert page.input_value("#code") == "4.01."  # the parent's code, begun
    page.fill("#code", "4.01.01")
    page.fill("#name", "Bagian Umum")
    page.select_option("#kind", "bagian")
    shot(page, "unit-form")
    page.click("button:has-text('Tambah unit')")
    page.wait_for_selector(".alert-success")
    assert page.locator("tr[data-unit='4.01.01'][data-depth='1']").count() == 1
    shot(page, "units")

    # Roster: a file with a bad row is reported and changes nothing...
    bad = tmp_path / "pegawai-salah.csv"
    bad.write_text("\n".join((HEADER, GOOD[0], GOOD[1].replace("4.01.01", "9.99"))) + "\n")
    page.goto(f"{base}/admin/roster")
    page.set_input_files("#file", str(bad))
    page.click("button:has-text('Periksa berkas')")
    page.wait_for_selector("[data-roster-state='rejected']")
    assert page.locator("#roster-problems tbody tr").count() == 1
    assert page.locator("button:has-text('Terapkan')").count() == 0
    shot(page, "roster-rejected")
    # ...a good one previews, then applies.
    good = tmp_path / "pegawai.csv"
    good.write_text("\n".join((HEADER, *GOOD)) + "\n")
    page.goto(f"{base}/admin/roster")
    page.set_input_files("#file", str(good))
    page.click("button:has-text('Periksa berkas')")
    page.wait_for_selector("[data-roster-state='ready']")
    shot(page, "roster-ready")
    page.click("button:has-text('Terapkan')")
    page.wait_for_selector("[data-roster-state='applied']")
    assert page.inner_text("[data-count='created']") == "3"
    shot(page, "roster-applied")
    page.goto(f"{base}/admin/staff")
    assert page.locator("tr[data-name]").count() == 3
    shot(page, "staff")
    # A mistyped NIP is explained right under the field.
    page.click("text=Pegawai baru")
    page.fill("#nip", "198602302015051001")
    page.fill("#name", "Salah Ketik")
    page.select_option("#golongan", "III/a")
    page.fill("#position", "Analis")
    page.select_option("#unit_id", label="\u00a0\u00a04.01.01 Bagian Umum")
    page.click("button:has-text('Tambah pegawai')")
    assert "bukan tanggal yang benar" in page.inner_text("#nip ~ .invalid-feedback")
    shot(page, "staff-bad-nip")

    # Invite a user; the admin sees the one-time link.
    page.goto(f"{base}/admin/users/new")
    page.fill("#email", "pegawai.baru@example.go.id")
    page.fill("#name", "Pegawai Baru")
    page.click("button:has-text('Undang')")
    link = page.input_value("#password-link")
    assert "/set-password/" in link
    shot(page, "invite-link")

    page.goto(f"{base}/admin/users")
    shot(page, "users")
    page.click("text=Pegawai Baru")
    shot(page, "user-edit")

    page.goto(f"{base}/admin/audit")
    assert page.locator("tr[data-action='roster.apply']").count() == 1
    shot(page, "audit")
    page.goto(f"{base}/admin/calendar")
    shot(page, "calendar")

    # The new user chooses a password (on a phone), and sees only this regency's apps.
    user = watch_csp(
        chromium.new_context(viewport=PHONE, locale="id-ID", is_mobile=True, has_touch=True),
        refused,
    )
    phone = user.new_page()
    phone.goto(link)
    shot(phone, "phone-set-password")
    phone.fill("#password", "Kata-Sandi-Pegawai-7")
    phone.fill("#confirm", "Kata-Sandi-Pegawai-7")
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{base}/")
    cards = phone.eval_on_selector_all("[data-app]", "els => els.map(e => e.dataset.app)")
    assert cards == ["noticeboard"]
    assert phone.locator("text=Administrasi").count() == 0  # a member: no admin console
    shot(phone, "phone-home")
    # Signing in again with the chosen password works; the link does not.
    phone.goto(link)
    assert phone.locator("[data-error-code='link_invalid']").count() == 1
    phone.context.clear_cookies()
    phone.goto(f"{base}/login")
    phone.fill("#email", "pegawai.baru@example.go.id")
    phone.fill("#password", "Kata-Sandi-Pegawai-7")
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{base}/")

    # The admin's pages on a phone, in English.
    admin_phone = watch_csp(
        chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True), refused
    )
    admin_phone.add_cookies(admin.cookies())
    small = admin_phone.new_page()
    small.goto(f"{base}/admin/staff?lang=en")
    assert small.locator("h1").inner_text() == "Staff"
    shot(small, "phone-staff-en")
    small.goto(f"{base}/admin/units")
    shot(small, "phone-units-en")
    for context in (admin, user, admin_phone):
        context.close()
    assert refused == []  # every page works under the Content-Security-Policy


def test_the_menu_of_someone_in_every_app_fits_a_laptop_and_opens(
    server, chromium, provision, tenant_db, state
):
    """Each app's pages fold under its name: with the four granted apps and the widest
    role in each, the bar still fits 1366 px, and a folded page is two clicks away."""
    apps = ("ebudgeting", "ekinerja", "pelayanan", "sakip")
    slug = provision(apps=apps)
    with tenant_db(slug) as session:
        users.create_user(
            session,
            email="kepala@example.go.id",
            name="Kepala Bagian",
            password=PASSWORD,
            roles=[
                "admin",
                "ebudgeting.tapd_chair",
                "ekinerja.bkpsdm_admin",
                "pelayanan.coordinator",
                "sakip.coordinator",
            ],
            allowed_roles=state.registry.role_names(apps),
            actor="tests",
        )
    refused: list[str] = []
    context = watch_csp(chromium.new_context(viewport=DESKTOP, locale="en-GB"), refused)
    page = context.new_page()
    base = f"{server}/t/{slug}"
    page.goto(f"{base}/login?lang=en")
    page.fill("#email", "kepala@example.go.id")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    wide, screen = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert wide <= screen, f"the page is {wide} px wide on a {screen} px screen"
    nav = page.locator("#main-nav")
    assert nav.locator(".dropdown-toggle").count() >= 2  # e-Kinerja has a dozen pages
    shot(page, "menu-every-app")
    nav.locator(".dropdown-toggle", has_text="e-Kinerja").click()
    entry = nav.locator(".dropdown-menu.show .dropdown-item").last
    href = entry.get_attribute("href")
    entry.click()
    page.wait_for_url(f"{server}{href}")
    assert "active" in (
        nav.locator(".dropdown-toggle", has_text="e-Kinerja").get_attribute("class") or ""
    )
    assert refused == []
