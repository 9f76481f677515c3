"""Issue 3's walk-through in Chromium, from Bandung's console to a civil servant's home page.

An operator provisions a regency through the console form and enables an app on
its page; the regency's admin signs in, imports a roster and adds a user; that
user signs in and sees only the regency's apps.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest
from smartcity.tenantcore import orgunits

from tests.conftest import OPERATOR_EMAIL, PASSWORD, take_region, watch_csp
from tests.support.browser import DESKTOP, PHONE, shot
from tests.support.web import GOOD, HEADER

pytestmark = pytest.mark.browser


def test_operator_provisions_admin_imports_and_the_user_sees_only_its_apps(
    server,
    mailbox,
    chromium,
    tenant_db,
    tmp_path,
):
    slug = f"ngawi-{uuid.uuid4().hex[:6]}"
    refused: list[str] = []
    operator = watch_csp(chromium.new_context(viewport=DESKTOP, locale="id-ID").new_page(), refused)
    operator.goto(f"{server}/platform/")
    assert "/platform/login" in operator.url
    operator.fill("#email", OPERATOR_EMAIL)
    operator.fill("#password", PASSWORD)
    operator.click("button[type=submit]")
    operator.wait_for_url(f"{server}/platform/")

    operator.goto(f"{server}/platform/tenants/new")
    operator.fill("#name", "Kabupaten Ngawi")
    take_region("35.21")
    operator.fill("#region_code", "Kabupaten Ngawi (35.21)")  # as chosen from the datalist
    operator.press("#region_code", "Tab")
    assert operator.input_value("#slug") == "ngawi"  # suggested from the chosen region
    operator.fill("#slug", slug)
    operator.fill("#admin_email", "admin@ngawikab.go.id")
    operator.fill("#admin_name", "Admin Diskominfo Ngawi")
    shot(operator, "operator-provision-form")
    operator.click("button[type=submit]:has-text('Siapkan')")
    operator.wait_for_url(f"{server}/platform/tenants/{slug}")
    operator.click(f"form[action$='/tenants/{slug}/apps/noticeboard/enable'] button")
    operator.wait_for_selector(f"form[action$='/tenants/{slug}/apps/noticeboard/disable']")
    shot(operator, "operator-tenant-detail")

    # The standard list (on by default) holds the OPD the roster refers to (4.01.01).
    with tenant_db(slug) as session:
        assert orgunits.unit_by_code(session, "4.01.01") is not None

    admin = watch_csp(chromium.new_context(viewport=DESKTOP, locale="id-ID").new_page(), refused)
    # The first admin was invited by e-mail: the SMTP catcher holds the letter.
    letter = mailbox.wait_for(lambda m: "admin@ngawikab.go.id" in m.to)
    invitation = re.search(r"http://\S+/set-password/\S+", letter.body)
    assert invitation is not None, letter.body
    # On the regency's own host (<slug>.localhost: Chromium reaches it on this machine).
    base = f"http://{slug}.localhost:{urlsplit(server).port}"
    assert invitation.group(0).startswith(f"{base}/set-password/")
    admin.goto(invitation.group(0))
    admin.fill("#password", PASSWORD)
    admin.fill("#confirm", PASSWORD)
    admin.click("button[type=submit]")
    admin.wait_for_url(f"{base}/")
    roster = tmp_path / "pegawai.csv"
    roster.write_text("\n".join((HEADER, *GOOD)) + "\n")
    admin.goto(f"{base}/admin/roster")
    admin.set_input_files("#file", str(roster))
    admin.click("button:has-text('Periksa berkas')")
    admin.wait_for_selector("[data-roster-state='ready']")
    admin.click("button:has-text('Terapkan')")
    admin.wait_for_selector("[data-roster-state='applied']")
    assert admin.inner_text("[data-count='created']") == "3"
    admin.goto(f"{base}/admin/users/new")
    admin.fill("#email", "pegawai@ngawikab.go.id")
    admin.fill("#name", "Pegawai Ngawi")
    admin.click("button:has-text('Undang')")
    link = admin.input_value("#password-link")

    user = watch_csp(
        chromium.new_context(viewport=PHONE, locale="id-ID", is_mobile=True).new_page(), refused
    )
    user.goto(link)
    user.fill("#password", "Kata-Sandi-Ngawi-7")
    user.fill("#confirm", "Kata-Sandi-Ngawi-7")
    user.click("button[type=submit]")
    user.wait_for_url(f"{base}/")
    assert user.eval_on_selector_all("[data-app]", "els => els.map(e => e.dataset.app)") == [
        "noticeboard"
    ]
    assert user.locator("a[href='/noticeboard/']").count() >= 1
    shot(user, "operator-flow-user-home")
    assert refused == []  # every page works under the Content-Security-Policy
