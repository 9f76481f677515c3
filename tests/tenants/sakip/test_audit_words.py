"""SAKIP's entries in the regency's audit log read as Indonesian words, not codes."""

from __future__ import annotations

from typing import Any

from tenants.sakip import evaluation, planning
from tenants.sakip.audit_labels import AUDIT_LABELS
from tests.sakip_support import ADMIN, START
from tests.support.audit_words import audit_page, humanised_on, recorded_codes, unnamed


def test_every_code_sakip_records_has_words() -> None:
    actions, entities, fields, built = recorded_codes("sakip")
    assert len(actions) > 20 and "sakip.plan.create" in actions
    # Actions built at run time, expanded from what they are built of.
    expanded = {
        "sakip.evaluation.": set(evaluation.TRANSITIONS),
        "sakip.realization.": {"verified", "returned"},  # a reviewed figure's status
    }
    assert built == set(expanded)
    actions |= {prefix + rest for prefix, rests in expanded.items() for rest in rests}
    assert unnamed(AUDIT_LABELS, actions, entities, fields) == []


def test_the_audit_log_shows_sakip_entries_in_indonesian(
    provision: Any, tenant_db: Any, page_sign_in: Any
) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        plan = planning.create_plan(
            session, ADMIN, kind="rpjmd", org_unit_id=None, start_year=START, title="RPJMD"
        )
        planning.update_plan(session, ADMIN, plan, title="RPJMD 2025-2029", vision=None)
    page = audit_page(page_sign_in(slug), slug)
    assert "Rencana kinerja dibuat" in page and "Rencana kinerja diubah" in page
    assert ">Tahun awal</th>" in page and ">Judul</th>" in page
    # The filter offers the event in words, keeping the code as its value.
    assert '<option value="sakip.plan.create">Rencana kinerja dibuat</option>' in page
    shown = humanised_on(page, "sakip.plan.create", "sakip.plan.update", "sakip_plan")
    assert shown == [] and "Start year" not in page
