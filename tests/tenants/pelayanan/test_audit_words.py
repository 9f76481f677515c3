"""Pelayanan Publik's entries in the regency's audit log read as Indonesian words, not codes."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from typing import Any

from smartcity.tenantcore import orgunits

from tenants.pelayanan import complaints, config, standards
from tenants.pelayanan.access import GRANTS, Actor
from tenants.pelayanan.audit_labels import AUDIT_LABELS
from tests.pelayanan_support import REGENCY
from tests.support.audit_words import audit_page, humanised_on, recorded_codes, unnamed


def test_every_code_pelayanan_records_has_words() -> None:
    actions, entities, fields, built = recorded_codes("pelayanan")
    assert "pelayanan.escalate" in actions and "pelayanan.lapor.sync" in actions
    # Actions built at run time, expanded from what they are built of: a coordinator's
    # decisions and the other steps of a complaint, the steps of a service standard.
    expanded = {
        "pelayanan.complaint.": {*complaints.DECISIONS, "dispatch", "respond"},
        "pelayanan.service.": {
            "create",
            "update",
            "consult",
            "consult_record",
            "approve",
            "publish",
        },
    }
    assert built == set(expanded)
    actions |= {prefix + rest for prefix, rests in expanded.items() for rest in rests}
    # The complaint rules are recorded whole, so each of their fields is shown too.
    fields |= {f.name for f in dataclass_fields(config.ComplaintRules)}
    assert unnamed(AUDIT_LABELS, actions, entities, fields) == []


def test_the_audit_log_shows_pelayanan_entries_in_indonesian(
    provision: Any, tenant_db: Any, page_sign_in: Any
) -> None:
    slug = provision(apps=("pelayanan",), region_code=REGENCY)
    with tenant_db(slug) as session:
        unit = orgunits.create_unit(
            session,
            code="1.02.01",
            name="Dinas Kesehatan",
            kind="dinas",
            regency_code=REGENCY,
            actor="tests",
        )
        standards.create(
            session,
            Actor("editor@dinkes.go.id", GRANTS["standards_editor"], None),
            org_unit_id=unit.id,
            name="Imunisasi",
            components={k: f"Uraian {k}" for k in standards.COMPONENTS},
            promised_days=3,
        )
        config.update(session, {"verify_days": 4}, actor="admin@example.go.id")
    page = audit_page(page_sign_in(slug), slug)
    assert "Konsep standar pelayanan dibuat" in page and "Ketentuan pengaduan diubah" in page
    assert ">Waktu verifikasi pengaduan baru (hari kerja)</th>" in page
    assert '<option value="service">Standar pelayanan</option>' in page
    codes = ("pelayanan.service.create", "pelayanan.settings", "service", "verify_days")
    assert humanised_on(page, *codes) == []
