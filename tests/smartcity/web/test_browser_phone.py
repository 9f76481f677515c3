"""Every table at phone width (390 x 844): the page never scrolls sideways, and the
cell a reader came for (an amount, a status) is on screen or a swipe of its own
table away, not under the sticky first column.

Runs a regency with e-Budgeting's demo data (a year in execution with payments, one
in review) and the operator console in Chromium; screenshots go to test-artifacts/.
"""

from __future__ import annotations

import pytest
from smartcity.demo_data import seed_regency
from smartcity.tenantcore import users
from sqlalchemy import select

from tenants.ebudgeting.demo import seed
from tenants.ebudgeting.models import SubActivity
from tests.conftest import OPERATOR_EMAIL, PASSWORD, watch_csp
from tests.support.browser import PHONE, shot

pytestmark = pytest.mark.browser

REGION = "33.18"

# Brings the cell into view the way a reader's swipe would (its own scrolling box
# first), then says whether it is on screen and what is on top of its middle.
REACH = """(cell) => {
  cell.scrollIntoView({block: "center", inline: "nearest", behavior: "instant"});
  const box = cell.getBoundingClientRect();
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  const top = document.elementFromPoint(x, y);
  return {
    left: box.left, right: box.right, width: box.width,
    onTop: top !== null && (top === cell || cell.contains(top)),
    what: top === null ? null : top.tagName + "." + top.className,
  };
}"""

FITS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def check(page, name: str, *cells: str) -> None:
    page.wait_for_load_state("load")
    wide, screen = page.evaluate(FITS)
    assert wide <= screen, f"{name}: the page is {wide} px wide on a {screen} px screen"
    for selector in cells:
        found = page.locator(selector)
        assert found.count() > 0, f"{name}: no {selector}"
        seen = found.first.evaluate(REACH)
        assert seen["width"] > 0 and seen["left"] >= 0 and seen["right"] <= screen + 0.5, (
            f"{name}: {selector} cannot be brought on screen: {seen}"
        )
        assert seen["onTop"], f"{name}: {selector} stays hidden under {seen}"
    wide, screen = page.evaluate(FITS)
    assert wide <= screen, f"{name}: reaching a cell made the page scroll sideways"
    shot(page, f"phone-{name}")


def sign_in(context, url: str, email: str, landing: str):
    page = context.new_page()
    page.goto(url)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(landing)
    return page


def test_every_table_fits_a_phone(server, chromium, provision, tenant_db, state):
    slug = provision(apps=("ebudgeting",), region_code=REGION)
    with tenant_db(slug) as session:
        seed_regency(session, REGION, slug)
        seed(session, REGION)
        users.create_user(
            session,
            email="tapd@example.go.id",
            name="Anggota TAPD",
            password=PASSWORD,
            roles=["ebudgeting.tapd_member"],
            allowed_roles=state.registry.role_names(["ebudgeting"]),
            actor="tests",
        )
        sub = session.scalars(
            select(SubActivity).where(SubActivity.status == "locked").order_by(SubActivity.id)
        ).first()
        sub_id, unit_id = sub.id, sub.org_unit_id
    base = f"{server}/t/{slug}"
    refused: list[str] = []
    phone = {"viewport": PHONE, "locale": "id-ID", "is_mobile": True, "has_touch": True}

    # e-Budgeting, as TAPD: the OPD list, an OPD's plans, RKA lines, the realization.
    tapd = sign_in(
        watch_csp(chromium.new_context(**phone), refused),
        f"{base}/login",
        "tapd@example.go.id",
        f"{base}/",
    )
    eb = f"{base}/ebudgeting"
    for year in (2026, 2027):
        tapd.goto(f"{eb}/{year}/")
        check(
            tapd,
            f"eb-overview-{year}",
            "#opd-table tbody tr:first-child td:nth-child(2)",  # pagu
            "#opd-table tbody tr:first-child td:nth-child(6)",  # status of the plans
        )
    tapd.goto(f"{eb}/2026/opd/{unit_id}")
    check(tapd, "eb-opd", "#sub-activities tbody tr:first-child td:nth-child(5)")
    tapd.goto(f"{eb}/sub/{sub_id}")
    check(tapd, "eb-lines", ".eb-lines tbody tr[id^=line-] td:nth-child(4)")
    tapd.goto(f"{eb}/2026/realization")
    check(
        tapd,
        "eb-realization",
        "#per-opd tbody tr:first-child td:nth-child(4)",
        "#per-program tbody tr:first-child td:nth-child(3)",
        "#payments tbody tr:first-child td:nth-child(5)",
    )
    tapd.goto(f"{eb}/2026/changes?from=rka&to=apbd")
    check(tapd, "eb-changes", "#line-changes tbody tr:first-child td:last-child")
    tapd.goto(f"{eb}/catalogue?kind=ssh")
    check(tapd, "eb-catalogue", "#items tbody tr:first-child td:last-child")

    # The regency admin's pages.
    admin = sign_in(
        watch_csp(chromium.new_context(**phone), refused),
        f"{base}/login",
        "admin@example.go.id",
        f"{base}/",
    )
    for path, name, cells in (
        ("/admin/users", "users", ("table tbody tr:first-child td:nth-child(4)",)),
        ("/admin/units", "units", ("table tbody tr:first-child td:nth-child(5)",)),  # staff
        ("/admin/roster", "roster", ()),
        ("/admin/staff", "staff", ("table tbody tr:first-child td:nth-child(4)",)),
        ("/admin/audit", "audit", ("#audit tbody tr:first-child > td:last-child",)),
        ("/admin/apps", "apps", ("#apps tbody tr:first-child td:nth-child(3)",)),
        ("/admin/support", "support", ()),
        ("/jobs", "jobs", ()),
        ("/admin/", "admin-home", ()),
        ("/ebudgeting/members", "eb-members", ("#members tbody tr:first-child td:last-child",)),
    ):
        admin.goto(f"{base}{path}")
        check(admin, f"admin-{name}", *cells)

    # The operator console.
    operator = sign_in(
        watch_csp(chromium.new_context(**phone), refused),
        f"{server}/platform/login",
        OPERATOR_EMAIL,
        f"{server}/platform/",
    )
    for path, name, cells in (
        ("/platform/", "tenants", ("table tbody tr:first-child td:nth-child(4)",)),
        (f"/platform/tenants/{slug}", "tenant", ("table tbody tr:first-child td:last-child",)),
        ("/platform/health", "health", ("[data-table=health] tbody tr:first-child td:last-child",)),
        ("/platform/adoption", "adoption", ()),
        ("/platform/tenants/new", "tenant-new", ()),
        ("/platform/account/security", "security", ()),
    ):
        operator.goto(f"{server}{path}")
        check(operator, f"console-{name}", *cells)
    assert refused == []
