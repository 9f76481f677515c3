"""Numbers and dates on the pages people read are written the Indonesian way.

A regency with e-Budgeting's demo data (a year in execution with payments, one in
review, an audit log) is read page by page, as its admin, TAPD and Bandung's
operator see them, in Indonesian; the visible text (no tags, attributes or
scripts: a form field may hold ``1500000000`` for editing) must hold no raw figure.

The patterns cannot match a figure written the Indonesian way: grouping dots are
followed by exactly three digits and decimals follow a comma (``Rp 1.250.000,50``,
``48,8``), dates read ``6 Des 2026``; codes (``1.02``, ``5.1.02.01.01.0025``) have
at most two digits before their first dot.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from smartcity.demo_data import seed_regency
from smartcity.tenantcore import users
from sqlalchemy import select

from tenants.ebudgeting.demo import seed
from tenants.ebudgeting.models import SubActivity
from tests.conftest import PASSWORD
from tests.support.console import signed_in_console
from tests.support.web import sign_in

REGION = "33.18"

RAW = {
    # 250000000.00, 1500000000.5: a Decimal or float printed as Python writes it.
    "decimal point": re.compile(r"(?<![\d.,])\d{4,}\.\d{1,2}(?![\d.])"),
    "scientific notation": re.compile(r"\d[eE][+-]\d"),
    "ISO date": re.compile(r"(?<![\d/.-])\d{4}-\d{2}-\d{2}(?![\d-])"),
    "ISO time": re.compile(r"\d{2}T\d{2}:\d{2}"),
    # 6/12/26, 12/6/2026: the short (or American) date.
    "numeric date": re.compile(r"(?<![\d/.])\d{1,2}/\d{1,2}/\d{2}(?:\d{2})?(?![\d/])"),
    "Python value": re.compile(r"\b(?:Decimal\(|None\b|datetime\.)"),
}
# In a cell of figures (td/th.text-end) or a badge, a dot between digits only groups
# thousands: "48.80" or "0.5" there is a raw number.
FIGURE_DOT = re.compile(r"\d\.(?!\d{3}(?!\d))\d")


class _Visible(HTMLParser):
    """The text a reader sees, and apart the text of figure cells and badges."""

    SKIP = {"script", "style", "template", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.figures: list[str] = []
        self._stack: list[tuple[str, bool]] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}:
            return
        classes = (dict(attrs).get("class") or "").split()
        figure = ("text-end" in classes and tag in {"td", "th"}) or "badge" in classes
        self._stack.append((tag, figure))
        if tag in self.SKIP:
            self._skipping += 1

    def handle_endtag(self, tag):
        while self._stack:
            opened, _figure = self._stack.pop()
            if opened in self.SKIP:
                self._skipping -= 1
            if opened == tag:
                break

    def handle_data(self, data):
        if self._skipping:
            return
        self.text.append(data)
        if any(figure for _tag, figure in self._stack):
            self.figures.append(data)


def raw_figures(page: str) -> list[str]:
    reader = _Visible()
    reader.feed(page)
    text = " ".join(" ".join(reader.text).split())
    found = [
        f"{what}: …{text[max(0, m.start() - 40) : m.end() + 20]}…"
        for what, pattern in RAW.items()
        for m in pattern.finditer(text)
    ]
    found += [f"figure: {cell.strip()!r}" for cell in reader.figures if FIGURE_DOT.search(cell)]
    return found


def test_the_main_pages_write_numbers_and_dates_the_indonesian_way(
    app, provision, tenant_db, state
):
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
    base = f"/t/{slug}"
    tapd, admin = app.test_client(), app.test_client()
    assert sign_in(tapd, slug, "tapd@example.go.id", PASSWORD).status_code in (302, 303)
    assert sign_in(admin, slug, "admin@example.go.id", PASSWORD).status_code in (302, 303)
    console = signed_in_console(app)
    pages = [
        (tapd, f"{base}/ebudgeting/2026/"),
        (tapd, f"{base}/ebudgeting/2027/"),
        (tapd, f"{base}/ebudgeting/2026/opd/{unit_id}"),
        (tapd, f"{base}/ebudgeting/sub/{sub_id}"),
        (tapd, f"{base}/ebudgeting/2026/realization"),
        (tapd, f"{base}/ebudgeting/2026/changes?from=rka&to=apbd"),
        (tapd, f"{base}/ebudgeting/catalogue?kind=ssh"),
        (admin, f"{base}/"),
        (admin, f"{base}/admin/"),
        (admin, f"{base}/admin/users"),
        (admin, f"{base}/admin/units"),
        (admin, f"{base}/admin/staff"),
        (admin, f"{base}/admin/roster"),
        (admin, f"{base}/admin/audit"),
        (admin, f"{base}/admin/apps"),
        (admin, f"{base}/admin/calendar"),
        (admin, f"{base}/jobs"),
        (admin, f"{base}/ebudgeting/members"),
        (console, "/platform/"),
        (console, f"/platform/tenants/{slug}"),
        (console, "/platform/health"),
        (console, "/platform/adoption"),
    ]
    problems = {}
    for client, path in pages:
        response = client.get(path, headers={"Accept-Language": "id"})
        assert response.status_code == 200, (path, response.status_code)
        found = raw_figures(response.get_data(as_text=True))
        if found:
            problems[path] = found[:5]
    assert problems == {}


def test_the_check_itself_tells_raw_figures_from_indonesian_ones():
    raw = (
        "<p>Pagu 250000000.00</p><p>target 1.2E+2</p><p>6/12/26</p><p>2026-12-06</p>"
        '<table><tr><td class="text-end">48.80</td></tr></table>'
    )
    assert len(raw_figures(raw)) == 5
    fine = (
        "<p>Rp 1.250.000,50 · 1.02 Dinas Kesehatan · 5.1.02.01.01.0025 · 6 Des 2026 ·"
        " DPA/1.02.01/001/2026 · 1.02.01.2.01.0001</p>"
        '<table><tr><td class="text-end">48,8</td><td class="text-end">Rp 1.000</td></tr></table>'
        '<input value="1500000000"><span class="badge">1.234 staf</span>'
    )
    assert raw_figures(fine) == []
