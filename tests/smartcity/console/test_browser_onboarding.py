"""Issue 10's onboarding in Chromium: a region outside the demo list, from MoU to first sign-in.

From the landing page the operator opens the console and provisions Kabupaten
Sleman (34.04) with the standard org units; the first admin's invitation is
caught by the SMTP catcher and followed on a phone; the admin imports an
org-unit file, then a roster of 1,000 staff (first with a few bad rows, then
corrected, previewed and applied), and signs in again from the landing page.
"""

from __future__ import annotations

import random
import re
import uuid
from datetime import date
from urllib.parse import urlsplit

import pytest

from tests.conftest import OPERATOR_EMAIL, PASSWORD, take_region, watch_csp
from tests.support.browser import DESKTOP, PHONE, shot

pytestmark = pytest.mark.browser

ROSTER_HEADER = "nip,nama,status,golongan,jabatan,kelas_jabatan,eselon,kode_unit,nip_atasan"
ADMIN_PASSWORD = "Kata-Sandi-Sleman-25"


def _roster(count: int, units: list[str]) -> list[str]:
    rng = random.Random(34)  # noqa: S311 - test data, not secrets
    rows, taken = [], set()
    while len(rows) < count:
        birth = date(rng.randint(1966, 1999), rng.randint(1, 12), rng.randint(1, 28))
        nip = f"{birth:%Y%m%d}{birth.year + 24}{rng.randint(1, 12):02d}1{rng.randint(1, 999):03d}"
        if nip not in taken:
            taken.add(nip)
            unit = units[len(rows) % len(units)]
            rows.append(f"{nip},Pegawai {len(rows) + 1},PNS,III/a,Analis,8,,{unit},")
    return rows


def test_a_regency_outside_the_demo_list_is_onboarded_to_its_first_sign_in(
    server, chromium, mailbox, tmp_path
):
    take_region("34.04")
    slug = f"sleman-{uuid.uuid4().hex[:6]}"
    email = f"admin-{uuid.uuid4().hex[:6]}@slemankab.go.id"
    refused: list[str] = []

    operator = watch_csp(chromium.new_context(viewport=DESKTOP, locale="id-ID").new_page(), refused)
    operator.goto(f"{server}/")
    operator.click("a:has-text('Konsol operator')")
    operator.fill("#email", OPERATOR_EMAIL)
    operator.fill("#password", PASSWORD)
    operator.click("button[type=submit]")
    operator.wait_for_url(f"{server}/platform/")
    operator.goto(f"{server}/platform/tenants/new")
    assert operator.locator("#region-options option[value='Kabupaten Sleman (34.04)']").count() == 1
    operator.fill("#region_code", "Kabupaten Sleman (34.04)")
    operator.press("#region_code", "Tab")
    assert operator.input_value("#name") == "Kabupaten Sleman"  # suggested from the choice
    operator.fill("#slug", slug)
    assert operator.is_checked("#standard_units")
    operator.fill("#admin_email", email)
    operator.fill("#admin_name", "Admin Diskominfo Sleman")
    shot(operator, "onboarding-provision-form")
    operator.click("button[type=submit]:has-text('Siapkan')")
    operator.wait_for_url(f"{server}/platform/tenants/{slug}")
    assert email in operator.inner_text("main")  # "an invitation was e-mailed to ..."

    letter = mailbox.wait_for(lambda m: email in m.to)
    link = re.search(r"http://\S+/set-password/\S+", letter.body)
    assert link is not None, letter.body
    # On the regency's own host (<slug>.localhost: Chromium reaches it on this machine).
    base = f"http://{slug}.localhost:{urlsplit(server).port}"
    assert link.group(0).startswith(f"{base}/set-password/")
    admin = watch_csp(
        chromium.new_context(viewport=PHONE, locale="id-ID", is_mobile=True).new_page(), refused
    )
    admin.goto(link.group(0))
    admin.fill("#password", ADMIN_PASSWORD)
    admin.fill("#confirm", ADMIN_PASSWORD)
    admin.click("button[type=submit]")
    admin.wait_for_url(f"{base}/")

    # The standard units are there, with Sleman's own kecamatan.
    admin.goto(f"{base}/admin/units")
    units_page = admin.inner_text("main")
    assert "Sekretariat Daerah" in units_page and "Kecamatan Gamping" in units_page

    units = tmp_path / "opd-tambahan.csv"
    units.write_text(
        "kode,nama,jenis,kode_induk,kode_wilayah\n1.02.04,UPTD Puskesmas Gamping I,uptd,,\n"
    )
    admin.goto(f"{base}/admin/units/import")
    admin.set_input_files("#file", str(units))
    admin.click("button:has-text('Periksa berkas')")
    admin.wait_for_selector("[data-unit-import='ready']")
    assert admin.inner_text("[data-plan='created']") == "1"
    admin.click("button:has-text('Terapkan')")
    admin.wait_for_url(f"{base}/admin/units")
    assert "UPTD Puskesmas Gamping I" in admin.inner_text("main")

    leaves = ["1.01.01", "1.02.01", "4.01.01", "5.01.01"]
    good = _roster(1_000, leaves)
    short_nip = "1986022615051001,NIP Pendek,PNS,III/a,Analis,8,,1.01.01,"
    no_unit = good[998].rsplit(",", 2)[0] + ",9.99,"
    bad = [*good[:997], short_nip, no_unit, good[999]]
    roster = tmp_path / "pegawai.csv"
    roster.write_text("\n".join((ROSTER_HEADER, *bad)) + "\n")
    admin.goto(f"{base}/admin/roster")
    admin.set_input_files("#file", str(roster))
    admin.click("button:has-text('Periksa berkas')")
    admin.wait_for_selector("[data-roster-state='rejected']")
    assert admin.locator("#roster-problems tbody tr").count() == 2

    roster.write_text("\n".join((ROSTER_HEADER, *good)) + "\n")
    admin.goto(f"{base}/admin/roster")
    admin.set_input_files("#file", str(roster))
    admin.click("button:has-text('Periksa berkas')")
    admin.wait_for_selector("[data-roster-state='ready']")
    assert admin.inner_text("[data-plan='created']") == "1.000"  # Indonesian digit grouping
    shot(admin, "onboarding-roster-preview-phone")
    admin.click("button:has-text('Terapkan')")
    admin.wait_for_selector("[data-roster-state='applied']")
    assert admin.inner_text("[data-count='created']") == "1.000"

    # Later, from the landing page: choose the regency, sign in with the chosen password.
    visitor = watch_csp(chromium.new_context(viewport=PHONE, locale="id-ID").new_page(), refused)
    visitor.goto(f"{server}/")
    visitor.fill("#regency-filter", "Sleman")
    visitor.click(f"a[href$='/t/{slug}/login']")
    visitor.fill("#email", email)
    visitor.fill("#password", ADMIN_PASSWORD)
    visitor.click("button[type=submit]")
    visitor.wait_for_url(f"{server}/t/{slug}/")
    assert refused == []  # every page works under the Content-Security-Policy
