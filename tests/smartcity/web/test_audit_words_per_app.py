"""Two apps may use one snapshot key for different things: each entry's fields are
named by the words of the app that recorded it."""

from __future__ import annotations

from typing import Any

from smartcity.toolkit import record_audit

from tests.support.audit_words import audit_page


def test_one_key_named_by_each_entrys_own_app(
    provision: Any, tenant_db: Any, page_sign_in: Any
) -> None:
    """SAKIP's ``unit`` is an indicator's unit of measure, e-Kinerja's an org unit;
    with both apps installed, each entry reads as its own app means it."""
    slug = provision(apps=("sakip", "ekinerja"))
    with tenant_db(slug) as session:
        record_audit(
            session,
            actor="tests",
            action="sakip.indicator.update",
            entity="sakip_indicator",
            entity_id=1,
            before={"unit": "persen"},
            after={"unit": "indeks"},
        )
        record_audit(
            session,
            actor="tests",
            action="ekinerja.office",
            entity="office",
            entity_id=2,
            after={"unit": "Dinas Kesehatan"},
        )
    sakip = audit_page(page_sign_in(slug), slug, "action=sakip.indicator.update")
    ekinerja = audit_page(page_sign_in(slug), slug, "action=ekinerja.office")
    assert ">Satuan</th>" in sakip and ">Unit organisasi</th>" not in sakip
    assert ">Unit organisasi</th>" in ekinerja and ">Satuan</th>" not in ekinerja
