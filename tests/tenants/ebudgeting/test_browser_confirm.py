"""Deleting an RKA line in Chromium asks first, without script: the step opens, the
box must be ticked, and until it is, pressing the button deletes nothing."""

from __future__ import annotations

import pytest

from tenants.ebudgeting.models import BudgetLine
from tests.conftest import PASSWORD, watch_csp
from tests.ebudgeting_support import (
    SUB_PLANNING,
    budget_year,
    make_opds,
    make_users,
    paper_line,
    sub_activity,
)
from tests.support.browser import PHONE, shot

pytestmark = pytest.mark.browser


def test_a_line_is_deleted_only_once_the_box_is_ticked(
    server, chromium, provision, tenant_db, state
):
    slug = provision(apps=("ebudgeting",))
    with tenant_db(slug) as session:
        opds = make_opds(session)
        make_users(session, state.registry, opds, PASSWORD)
        plan = sub_activity(session, budget_year(session, opds), opds, code=SUB_PLANNING)
        kept, doomed = paper_line(session, plan, opds, "10"), paper_line(session, plan, opds, "2")
        plan_id, kept_id, doomed_id = plan.id, kept.id, doomed.id
    base = f"{server}/t/{slug}"
    refused: list[str] = []
    context = chromium.new_context(viewport=PHONE, locale="id-ID", is_mobile=True, has_touch=True)
    page = watch_csp(context.new_page(), refused)
    page.goto(f"{base}/login")
    page.fill("#email", "operator@dinkes.go.id")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/ebudgeting/sub/{plan_id}")

    row = page.locator(f"#line-{doomed_id}")
    row.locator("summary:has-text('Hapus…')").click()
    button = row.locator("button:has-text('Hapus rincian')")
    button.click()  # the box is not ticked: the browser keeps the form
    assert page.url.endswith(f"/ebudgeting/sub/{plan_id}")
    assert row.locator("input[name=confirm]").evaluate("e => !e.validity.valid")
    with tenant_db(slug) as session:
        assert session.get(BudgetLine, doomed_id) is not None
    shot(page, "eb-confirm-delete-line")

    row.locator("input[name=confirm]").check()
    button.click()
    page.wait_for_selector(".alert-success")
    assert page.locator(f"#line-{doomed_id}").count() == 0
    assert page.locator(f"#line-{kept_id}").count() == 1
    with tenant_db(slug) as session:
        assert session.get(BudgetLine, doomed_id) is None
    assert refused == []
