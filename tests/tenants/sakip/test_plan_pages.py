"""Editing plans on pages: a draft's elements and indicators, CSRF, errors in both
languages, approval and versions respected, and what an OPD user of the regency tries."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from tenants.sakip import planning
from tenants.sakip.models import Element, Indicator, IndicatorTarget, Plan
from tests.conftest import PASSWORD
from tests.sakip_support import ADMIN, START, make_regency, make_users


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def _indicator_form(token: str, **extra: str) -> dict[str, str]:
    form = {
        "csrf_token": token,
        "name": "Cakupan kunjungan ibu hamil K4",
        "unit": "%",
        "baseline": "80,5",
        "polarity": "positive",
        "aggregation": "last_value",
        "data_source": "SIMPUS",
        "formula_text": "K4 / sasaran bumil x 100",
        "owner": "Kabid Kesmas",
        "iku_opd": "1",
    }
    for i, value in enumerate(("82", "84", "86", "88", "90")):
        form[f"target_{START + i}"] = value
    form.update(extra)
    return form


def test_an_officer_drafts_a_revision_on_pages(
    provision: Any, tenant_db: Any, state: Any, page_sign_in: Any
) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        make_users(session, state.registry, regency, PASSWORD, ("sakip",))
        rpjmd_sasaran = regency.rpjmd_sasaran
    web = page_sign_in(slug, "officer@dinkes.go.id")
    base = f"/t/{slug}/sakip"
    approved = web.get(f"{base}/plans/{regency.renstra_id}").get_data(as_text=True)
    # An approved version shows no edit forms; it says to revise.
    assert "/indicators/new" not in approved
    assert "Rencana yang telah disahkan tidak diubah" in approved
    # Its kind and status in words, not the stored codes ("RENSTRA", "approved").
    assert re.search(r"Renstra · .*v1 disahkan", approved, re.S)
    assert "RENSTRA" not in approved and "approved</span>" not in approved
    token = _csrf(approved)
    # Editing the approved version directly is refused, whatever the page shows.
    with tenant_db(slug) as session:
        element_id = session.scalar(
            select(Element.id).where(
                Element.plan_id == regency.renstra_id, Element.kind == "sasaran"
            )
        )
        indicator_id = session.scalar(
            select(Indicator.id).where(Indicator.element_id == element_id).order_by(Indicator.id)
        )
    refused = web.post(
        f"{base}/elements/{element_id}",
        data={"csrf_token": token, "statement": "Diubah langsung"},
        follow_redirects=True,
    )
    assert "rencana ini sudah disahkan: buat perubahan untuk mengubahnya" in refused.get_data(
        as_text=True
    )
    assert web.get(f"{base}/indicators/{indicator_id}/edit").status_code == 409
    assert (
        web.post(f"{base}/indicators/{indicator_id}", data=_indicator_form(token)).status_code
        == 409
    )
    # Without the CSRF token nothing is accepted.
    assert (
        web.post(f"{base}/plans/{regency.renstra_id}/revise", data={"reason": "x" * 20}).status_code
        == 400
    )
    opened = web.post(
        f"{base}/plans/{regency.renstra_id}/revise",
        data={"csrf_token": token, "reason": "Perubahan setelah APBD-P 2026"},
    )
    assert opened.status_code == 303
    draft_url = opened.headers["Location"]
    draft_id = int(draft_url.rstrip("/").split("/")[-1])
    page = web.get(draft_url).get_data(as_text=True)
    assert "/indicators/new" in page  # the draft is editable
    with tenant_db(slug) as session:
        new_element = session.scalar(
            select(Element).where(Element.plan_id == draft_id, Element.kind == "sasaran")
        )
        assert new_element is not None
        new_element_id, lineage = new_element.id, new_element.lineage
    # A new element under the draft, serving the RPJMD sasaran (the pohon kinerja).
    added = web.post(
        f"{base}/plans/{draft_id}/elements",
        data={
            "csrf_token": token,
            "kind": "program",
            "code": "1.02.02",
            "statement": "Program pemenuhan upaya kesehatan",
            "parent_id": str(new_element_id),
        },
    )
    assert added.status_code == 303
    # An element serving something that is not a target of the RPJMD is refused.
    bad_serves = web.post(
        f"{base}/elements/{new_element_id}",
        data={"csrf_token": token, "statement": "Sasaran", "serves_lineage": "999999"},
        follow_redirects=True,
    )
    assert "unsur mendukung sasaran dari rencana di atasnya" in bad_serves.get_data(as_text=True)
    changed = web.post(
        f"{base}/elements/{new_element_id}",
        data={
            "csrf_token": token,
            "code": "S1",
            "statement": "Meningkatnya cakupan imunisasi dan kesehatan ibu",
            "serves_lineage": str(rpjmd_sasaran),
        },
    )
    assert changed.status_code == 303
    # A new indicator with everything the issue lists.
    form_page = web.get(f"{base}/elements/{new_element_id}/indicators/new")
    assert form_page.status_code == 200 and "target_2029" in form_page.get_data(as_text=True)
    created = web.post(f"{base}/elements/{new_element_id}/indicators", data=_indicator_form(token))
    assert created.status_code == 303
    # Bad input: the form comes back with every problem, in Indonesian and in English.
    bad = web.post(
        f"{base}/elements/{new_element_id}/indicators",
        data=_indicator_form(token, baseline="abc"),
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "indikator memiliki masalah" in text and "baseline: sebuah angka" in text
    assert "baseline" in text and "abc" in text  # what was typed stays in the form
    english = web.post(
        f"{base}/elements/{new_element_id}/indicators?lang=en",
        data=_indicator_form(token, unit="", polarity="range"),
    ).get_data(as_text=True)
    assert "the indicator has problems" in english and "required" in english
    assert "a range indicator needs an upper bound every year" in english
    with tenant_db(slug) as session:
        found = session.scalar(
            select(Indicator).where(
                Indicator.element_id == new_element_id, Indicator.name.like("Cakupan%")
            )
        )
        assert found is not None
        assert (found.unit, found.baseline, found.iku_opd) == ("%", Decimal("80.5"), True)
        assert (found.data_source, found.formula_text, found.owner) == (
            "SIMPUS",
            "K4 / sasaran bumil x 100",
            "Kabid Kesmas",
        )
        targets = session.scalars(
            select(IndicatorTarget.value)
            .where(IndicatorTarget.indicator_id == found.id)
            .order_by(IndicatorTarget.year)
        ).all()
        assert targets == [Decimal(v) for v in ("82", "84", "86", "88", "90")]
        element = session.get(Element, new_element_id)
        assert element is not None and element.serves_lineage == rpjmd_sasaran
        assert element.lineage == lineage  # still "the same" sasaran across versions
        new_id = found.id
        copied = session.scalar(
            select(Indicator.id).where(
                Indicator.element_id == new_element_id, Indicator.name == "Prevalensi stunting"
            )
        )
    # Edit a copied indicator: its targets are replaced; remove another.
    edited = web.post(
        f"{base}/indicators/{copied}",
        data=_indicator_form(
            token,
            name="Prevalensi stunting",
            polarity="negative",
            iku_opd="",
            **{f"target_{START + i}": v for i, v in enumerate(("18", "15", "13", "11", "9"))},
        ),
    )
    assert edited.status_code == 303
    assert (
        web.post(f"{base}/indicators/{new_id}/delete", data={"csrf_token": token}).status_code
        == 303
    )
    with tenant_db(slug) as session:
        assert session.get(Indicator, new_id) is None
        values = session.scalars(
            select(IndicatorTarget.value)
            .where(IndicatorTarget.indicator_id == copied)
            .order_by(IndicatorTarget.year)
        ).all()
        assert values[1] == Decimal(15)
        # The approved version did not change.
        old = session.scalars(
            select(Indicator.name)
            .join(Element, Element.id == Indicator.element_id)
            .where(Element.plan_id == regency.renstra_id)
        ).all()
        assert sorted(old) == ["Bayi diimunisasi lengkap", "Prevalensi stunting"]


def test_an_opd_user_cannot_edit_another_opds_or_the_regencys_plan(
    provision: Any, tenant_db: Any, state: Any, page_sign_in: Any
) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        make_users(session, state.registry, regency, PASSWORD, ("sakip",))
        disdik = session.scalar(
            select(Plan).where(Plan.org_unit_id == regency.disdik, Plan.kind == "renstra")
        )
        assert disdik is not None
        draft = planning.revise(session, ADMIN, disdik, "Revisi untuk pengujian")
        rpjmd = session.scalar(select(Plan).where(Plan.kind == "rpjmd"))
        assert rpjmd is not None
        rpjmd_draft = planning.revise(session, ADMIN, rpjmd, "Revisi RPJMD pengujian")
        disdik_element = session.scalar(select(Element.id).where(Element.plan_id == draft.id))
        disdik_indicator = session.scalar(
            select(Indicator.id).where(Indicator.element_id == disdik_element)
        )
        rpjmd_element = session.scalar(
            select(Element.id).where(Element.plan_id == rpjmd_draft.id, Element.kind == "sasaran")
        )
        draft_id, rpjmd_draft_id = draft.id, rpjmd_draft.id
    web = page_sign_in(slug, "operator@dinkes.go.id")
    base = f"/t/{slug}/sakip"
    token = _csrf(web.get(f"{base}/plans/{regency.renstra_id}").get_data(as_text=True))
    # Another OPD's draft: not even visible.
    assert web.get(f"{base}/plans/{draft_id}").status_code == 404
    for url in (
        f"{base}/plans/{draft_id}/edit",
        f"{base}/plans/{draft_id}/elements",
        f"{base}/elements/{disdik_element}",
        f"{base}/elements/{disdik_element}/delete",
        f"{base}/elements/{disdik_element}/indicators",
        f"{base}/indicators/{disdik_indicator}",
        f"{base}/indicators/{disdik_indicator}/delete",
    ):
        answer = web.post(
            url,
            data=_indicator_form(token, statement="Diambil alih", title="X", kind="program"),
        )
        assert answer.status_code == 404, url
    # The RPJMD draft: visible, but an OPD operator does not write the regency's plan.
    page = web.get(f"{base}/plans/{rpjmd_draft_id}").get_data(as_text=True)
    assert "/indicators/new" not in page
    assert web.get(f"{base}/elements/{rpjmd_element}/indicators/new").status_code == 403
    answer = web.post(
        f"{base}/elements/{rpjmd_element}/indicators",
        data=_indicator_form(token, iku_opd="", iku_regency="1"),
    )
    assert answer.status_code == 403
    answer = web.post(
        f"{base}/plans/{rpjmd_draft_id}/elements",
        data={"csrf_token": token, "kind": "sasaran", "statement": "Sasaran baru"},
    )
    assert answer.status_code == 303
    # Ids beyond bigint and garbage ids are refused without a 500.
    assert (
        web.post(
            f"{base}/plans/{regency.renstra_id}/elements",
            data={"csrf_token": token, "kind": "program", "statement": "x", "parent_id": "9" * 40},
        ).status_code
        == 303
    )
    assert web.get(f"{base}/indicators/{'9' * 30}/edit").status_code == 404
    with tenant_db(slug) as session:
        assert session.scalars(select(Element).where(Element.plan_id == draft_id)).all()
        assert (
            session.scalar(
                select(Element.id).where(
                    Element.plan_id == rpjmd_draft_id, Element.statement == "Sasaran baru"
                )
            )
            is None
        )
        assert session.get(Indicator, disdik_indicator) is not None


def test_an_officer_cannot_verify_their_own_entry_on_the_page(
    provision: Any, tenant_db: Any, state: Any, page_sign_in: Any
) -> None:
    from datetime import date

    from tenants.sakip import agreements, realization
    from tenants.sakip.access import GRANTS, Actor
    from tenants.sakip.models import Realization
    from tests.sakip_support import YEAR

    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        ids = make_users(session, state.registry, regency, PASSWORD, ("sakip",))
        pk = agreements.create(
            session,
            ADMIN,
            org_unit_id=regency.dinkes,
            year=YEAR,
            official=agreements.Official("dr. Sri", "Kepala Dinas Kesehatan"),
            superior=agreements.Official("H. Bupati", "Bupati"),
            place="Pati",
        )
        agreements.set_target(
            session,
            ADMIN,
            pk,
            indicator_lineage=regency.dinkes_indicator,
            year_target=Decimal(1000),
            quarters=[Decimal(250)] * 4,
        )
        agreements.sign(session, Actor("kadis", GRANTS["opd_head"], None), pk, date(2026, 2, 1))
        officer = Actor(
            "officer", GRANTS["officer"], frozenset({regency.dinkes}), ids["officer@dinkes.go.id"]
        )
        row = realization.enter(
            session,
            officer,
            org_unit_id=regency.dinkes,
            indicator_lineage=regency.dinkes_indicator,
            year=YEAR,
            quarter=1,
            value=Decimal(300),
            note="",
            today=date(2026, 4, 2),
        )
        row_id = row.id
    web = page_sign_in(slug, "officer@dinkes.go.id")
    url = f"/t/{slug}/sakip/opd/{regency.dinkes}/{YEAR}"
    token = _csrf(web.get(url).get_data(as_text=True))
    answer = web.post(
        f"/t/{slug}/sakip/realizations/{row_id}/review",
        data={"csrf_token": token, "verdict": "verify"},
        follow_redirects=True,
    )
    assert "pengisi realisasi tidak boleh memverifikasinya sendiri" in answer.get_data(as_text=True)
    with tenant_db(slug) as session:
        found = session.get(Realization, row_id)
        assert found is not None and found.status == "entered"
    # The regency switches to monthly reporting: the page then asks for a month.
    admin = page_sign_in(slug, "bappeda@example.go.id")
    form = _csrf(admin.get(f"/t/{slug}/sakip/admin").get_data(as_text=True))
    saved = admin.post(
        f"/t/{slug}/sakip/admin/settings",
        data={
            "csrf_token": form,
            "negative_formula": "2t_minus_r",
            "cap_percent": "120",
            "green_from": "90",
            "amber_from": "70",
            "cutoff_days": "15",
            "grade_bound_inclusive": "1",
            "monthly_realization": "1",
        },
    )
    assert saved.status_code == 303
    page = web.get(url).get_data(as_text=True)
    assert 'name="month"' in page and 'name="quarter"' not in page
    assert "Pelaporan bulanan" in page
