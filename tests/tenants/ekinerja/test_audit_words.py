"""e-Kinerja's entries in the regency's audit log read as Indonesian words, not codes."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tenants.ekinerja import absences
from tenants.ekinerja.access import APPROVE, SELF, Actor
from tenants.ekinerja.audit_labels import AUDIT_LABELS
from tenants.ekinerja.settings import EkinerjaSettings
from tests.support.audit_words import audit_page, humanised_on, recorded_codes, unnamed
from tests.support.ekinerja import make_regency


def test_every_code_ekinerja_records_has_words() -> None:
    actions, entities, fields, built = recorded_codes("ekinerja")
    assert len(actions) > 30 and "ekinerja.punch_review" in actions
    assert "ekinerja.machine_apply" in actions  # handed to the module's helper
    assert built == set()
    # The settings are recorded whole, so each of their fields is shown too.
    fields |= set(EkinerjaSettings.model_fields)
    assert unnamed(AUDIT_LABELS, actions, entities, fields) == []


def test_the_audit_log_shows_ekinerja_entries_in_indonesian(
    provision: Any, tenant_db: Any, client: Any, page_sign_in: Any
) -> None:
    regency = make_regency(provision, tenant_db, client)
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    worker = Actor("pegawai@example.go.id", frozenset({SELF}), regency.ids["worker"], None)
    head = Actor("kadis@example.go.id", frozenset({APPROVE}), regency.ids["head"], None)
    with tenant_db(regency.slug) as session:
        absence = absences.submit(
            session,
            worker,
            kind="sick",
            start_day=today,
            end_day=today,
            reason="Demam",
            today=today,
        )
        absences.decide(session, head, absence.id, approve=True, note="", today=today)
    page = audit_page(page_sign_in(regency.slug), regency.slug)
    assert "Ketidakhadiran diajukan" in page and "Ketidakhadiran diputuskan" in page
    assert ">Jenis</th>" in page and ">Dari</th>" in page and ">Sampai</th>" in page
    assert '<option value="ekinerja.absence_decision">Ketidakhadiran diputuskan</option>' in page
    codes = ("ekinerja.absence", "ekinerja.absence_decision", "absence", "start", "end")
    assert humanised_on(page, *codes) == []
