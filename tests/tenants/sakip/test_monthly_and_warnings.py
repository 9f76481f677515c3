"""Monthly realization rolled up into the quarter, early warnings, and the LKE's
consistency checks between answers (rules as worksheet data)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from smartcity.errors import Conflict, Forbidden, InvalidInput
from sqlalchemy import select

from tenants.sakip import agreements, evaluation, realization
from tenants.sakip.access import GRANTS, Actor
from tenants.sakip.models import Agreement, LkeRule, Realization
from tests.conftest import PASSWORD, bearer, tenant_token
from tests.sakip_support import ADMIN, YEAR, make_regency, make_users


def _signed_pk(session: Any, regency: Any) -> Agreement:
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
    agreements.set_target(
        session,
        ADMIN,
        pk,
        indicator_lineage=regency.dinkes_negative,
        year_target=Decimal(16),
        quarters=[Decimal(19), Decimal(18), Decimal(17), Decimal(16)],
    )
    agreements.sign(session, Actor("kadis", GRANTS["opd_head"], None), pk, date(2026, 2, 1))
    return pk


def _monthly(session: Any, on: bool) -> None:
    realization.update_settings(
        session,
        ADMIN,
        negative_formula="2t_minus_r",
        cap_percent=Decimal(120),
        green_from=Decimal(90),
        amber_from=Decimal(70),
        cutoff_days=15,
        monthly_realization=on,
    )


def test_months_roll_up_into_the_quarter_by_the_indicators_rule(
    provision: Any, tenant_db: Any
) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        pk = _signed_pk(session, regency)
        op = Actor("op", GRANTS["operator"], frozenset({regency.dinkes}), user_id=None)

        def month(lineage: int, m: int, value: str, today: date) -> Realization:
            return realization.enter_month(
                session,
                op,
                org_unit_id=regency.dinkes,
                indicator_lineage=lineage,
                year=YEAR,
                month=m,
                value=Decimal(value),
                note="register",
                today=today,
            )

        with pytest.raises(Conflict):  # the regency reports quarterly by default
            month(regency.dinkes_indicator, 1, "80", date(2026, 2, 1))
        _monthly(session, True)
        assert realization.settings(session).monthly_realization is True
        with pytest.raises(Conflict):  # ... and now monthly: no quarter figure by hand
            realization.enter(
                session,
                op,
                org_unit_id=regency.dinkes,
                indicator_lineage=regency.dinkes_indicator,
                year=YEAR,
                quarter=1,
                value=Decimal(1),
                note="",
                today=date(2026, 4, 1),
            )
        month(regency.dinkes_indicator, 1, "80", date(2026, 2, 10))
        month(regency.dinkes_indicator, 2, "90", date(2026, 3, 2))
        q1 = month(regency.dinkes_indicator, 3, "100", date(2026, 4, 2))
        assert (q1.quarter, q1.value) == (1, Decimal(270))  # cumulative: the months add up
        # Non-cumulative (last value): the quarter is its latest month.
        month(regency.dinkes_negative, 1, "19.5", date(2026, 2, 10))
        last = month(regency.dinkes_negative, 3, "18.2", date(2026, 4, 2))
        assert last.value == Decimal("18.2")
        # A month closes cutoff_days after its last day, not at the quarter's cutoff.
        with pytest.raises(Conflict):
            month(regency.dinkes_indicator, 1, "85", date(2026, 2, 16))
        month(regency.dinkes_indicator, 2, "95", date(2026, 3, 15))  # corrected in time
        with pytest.raises(InvalidInput):  # not started
            month(regency.dinkes_indicator, 5, "1", date(2026, 4, 30))
        with pytest.raises(InvalidInput):
            month(regency.dinkes_indicator, 13, "1", date(2026, 4, 30))
        with pytest.raises(InvalidInput):  # not in the PK
            month(regency.rpjmd_indicator, 1, "1", date(2026, 2, 1))
        outsider = Actor("op", GRANTS["operator"], frozenset({regency.disdik}))
        with pytest.raises(Forbidden):
            realization.enter_month(
                session,
                outsider,
                org_unit_id=regency.dinkes,
                indicator_lineage=regency.dinkes_indicator,
                year=YEAR,
                month=1,
                value=Decimal(1),
                note="",
                today=date(2026, 2, 1),
            )
        row = session.scalar(
            select(Realization).where(
                Realization.indicator_lineage == regency.dinkes_indicator,
                Realization.quarter == 1,
            )
        )
        assert row is not None and row.value == Decimal(275)
        # The one engine reads the rolled-up quarter: 275 / 250.
        score = {s.target.indicator_lineage: s for s in realization.scores(session, pk, 1)}
        assert score[regency.dinkes_indicator].to_date.percent == Decimal(110)
        # The officer verifies the quarter, which locks its months.
        officer = Actor("officer", GRANTS["officer"], frozenset({regency.dinkes}), user_id=None)
        realization.review(session, officer, row, accept=True, note="")
        with pytest.raises(Conflict):
            month(regency.dinkes_indicator, 3, "1", date(2026, 4, 3))


def test_early_warnings_project_the_year_against_the_bands(
    provision: Any, tenant_db: Any, state: Any, page_sign_in: Any
) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        make_users(session, state.registry, regency, PASSWORD, ("sakip",))
        pk = _signed_pk(session, regency)
        op = Actor("op", GRANTS["operator"], frozenset({regency.dinkes}), user_id=None)
        for lineage, quarter, value in (
            (regency.dinkes_indicator, 1, "180"),  # 180 of 250: 720 by the year's end, 72 %
            (regency.dinkes_indicator, 2, "120"),  # 300 of 500: 600 by the year's end, 60 %
            (regency.dinkes_negative, 1, "17"),  # below the year's 16 % is good; 17 is close
        ):
            realization.enter(
                session,
                op,
                org_unit_id=regency.dinkes,
                indicator_lineage=lineage,
                year=YEAR,
                quarter=quarter,
                value=Decimal(value),
                note="",
                today=date(2026, quarter * 3 + 1, 2),
            )
        after_q1 = realization.early_warnings(session, pk, 1)
        assert [(w.score.target.indicator_lineage, w.band) for w in after_q1] == [
            (regency.dinkes_indicator, "amber")
        ]
        assert after_q1[0].projected == Decimal(720)
        assert after_q1[0].achievement.percent == Decimal(72)
        assert after_q1[0].achievement.formula == "R / T x 100"
        after_q2 = realization.early_warnings(session, pk, 2)
        assert [(w.band, w.projected) for w in after_q2] == [("red", Decimal(600))]
        # (2 x 16 - 17) / 16 = 93.75: green, no warning for the negative indicator.
        assert all(w.score.target.indicator_lineage != regency.dinkes_negative for w in after_q2)
    web = page_sign_in(slug, "viewer@example.go.id")
    page = web.get(f"/t/{slug}/sakip/?year={YEAR}&through=2").get_data(as_text=True)
    assert "Peringatan dini" in page and "Bayi diimunisasi lengkap" in page
    assert "tertinggal" in page  # red
    english = web.get(f"/t/{slug}/sakip/opd/{regency.dinkes}/{YEAR}?through=2&lang=en")
    text = english.get_data(as_text=True)
    assert "Early warnings" in text and "Projected year-end" in text and "600" in text
    # An OPD user sees their OPD's warnings, not another's page.
    operator = page_sign_in(slug, "operator@dinkes.go.id")
    assert operator.get(f"/t/{slug}/sakip/opd/{regency.disdik}/{YEAR}").status_code == 403


def test_lke_consistency_warnings_come_from_the_worksheet_version(
    client: Any, provision: Any, tenant_db: Any, state: Any, page_sign_in: Any
) -> None:
    slug = provision(apps=("sakip",))
    evaluator = Actor("inspektorat", GRANTS["evaluator"], None)
    with tenant_db(slug) as session:
        regency = make_regency(session)
        make_users(session, state.registry, regency, PASSWORD, ("sakip",))
        sheet = evaluation.start(session, ADMIN, year=YEAR, org_unit_id=None)
        _, _, criteria = evaluation.structure(session, sheet)
        code = {c.code: c.id for c in criteria}

        def answer(c: str, value: str, evidence: str = "") -> None:
            evaluation.answer_self(
                session,
                ADMIN,
                sheet,
                criterion_id=code[c],
                answer=value,
                evidence=evidence,
                note="",
            )

        answer("1.1.2", "T", "belum ada PK")  # the PK is not signed ...
        answer("1.3.2", "B", "laporan triwulan")  # ... yet targets are "monitored": B
        answer("1.1.1", "Y")  # Y without evidence
        answer("2.1.2", "Y", "data realisasi")
        answer("2.3.1", "C", "SK TPP")  # below its prerequisite: consistent
        found = {(w.criterion.code, w.side) for w in evaluation.consistency(session, sheet)}
        assert found == {("1.3.2", "self"), ("1.1.1", "self")}
        # The evaluator's answers are checked on their side too.
        evaluation.transition(session, ADMIN, sheet, "submit")
        evaluation.answer_evaluator(
            session, evaluator, sheet, criterion_id=code["2.3.1"], answer="A", note=""
        )
        evaluation.answer_evaluator(
            session, evaluator, sheet, criterion_id=code["2.1.2"], answer="T", note="tidak ada"
        )
        found = {(w.criterion.code, w.side) for w in evaluation.consistency(session, sheet)}
        assert ("2.3.1", "evaluator") in found
        # The rules are data of the worksheet version: a new rule is a new row.
        session.add(
            LkeRule(
                version_id=sheet.version_id,
                kind="evidence",
                criterion_code="2.3.1",
                prerequisite_code="",
                answers="C",
                position=99,
            )
        )
        session.flush()
        assert ("2.3.1", "self") not in {
            (w.criterion.code, w.side) for w in evaluation.consistency(session, sheet)
        }  # it has evidence
        sheet_id = sheet.id
    web = page_sign_in(slug, "bappeda@example.go.id")
    page = web.get(f"/t/{slug}/sakip/evaluations/{YEAR}").get_data(as_text=True)
    assert "Jawaban yang tidak saling sesuai" in page
    assert "1.3.2 bernilai di atas prasyaratnya 1.1.2 (B di atas T)" in page
    assert "1.1.1 dijawab Y tanpa bukti dukung" in page
    token = bearer(tenant_token(client, slug, "viewer@example.go.id"))
    body = client.get(f"/t/{slug}/api/v1/sakip/evaluations/{sheet_id}", headers=token).get_json()
    codes = {(w["code"], w["side"]) for w in body["warnings"]}
    assert ("1.3.2", "self") in codes and ("2.3.1", "evaluator") in codes
    # Removing the version's rules removes the warnings: no code per criterion.
    with tenant_db(slug) as session:
        for rule in session.scalars(select(LkeRule)):
            session.delete(rule)
        session.flush()
        sheet2 = evaluation.get(session, ADMIN, sheet_id)
        assert evaluation.consistency(session, sheet2) == []


def test_api_monthly_figures_and_settings(
    client: Any, provision: Any, tenant_db: Any, state: Any
) -> None:
    today = date.today()  # noqa: DTZ011 - the API enters figures for "today" in the regency
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        make_users(session, state.registry, regency, PASSWORD, ("sakip",))
        pk = agreements.create(
            session,
            ADMIN,
            org_unit_id=regency.dinkes,
            year=today.year,
            official=agreements.Official("dr. Sri", "Kepala Dinas"),
            superior=agreements.Official("Bupati", "Bupati"),
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
        agreements.sign(session, Actor("kadis", GRANTS["opd_head"], None), pk, today)
    base = f"/t/{slug}/api/v1/sakip"
    admin = bearer(tenant_token(client, slug, "bappeda@example.go.id"))
    op = bearer(tenant_token(client, slug, "operator@dinkes.go.id"))
    body = {
        "org_unit_id": regency.dinkes,
        "indicator_lineage": regency.dinkes_indicator,
        "year": today.year,
        "month": today.month,
        "value": "40",
    }
    refused = client.put(f"{base}/realizations/months", headers=op, json=body)
    assert refused.status_code == 409  # quarterly by default
    settings = client.get(f"{base}/settings", headers=admin).get_json()
    assert settings["monthly_realization"] is False
    # An OPD operator does not change the regency's rules.
    settings["monthly_realization"] = True
    assert client.put(f"{base}/settings", headers=op, json=settings).status_code == 403
    changed = client.put(f"{base}/settings", headers=admin, json=settings)
    assert changed.status_code == 200 and changed.get_json()["monthly_realization"] is True
    entered = client.put(f"{base}/realizations/months", headers=op, json=body)
    assert entered.status_code == 200, entered.get_data(as_text=True)
    quarter = entered.get_json()
    assert quarter["quarter"] == (today.month - 1) // 3 + 1
    assert Decimal(quarter["value"]) == Decimal(40)
    foreign = client.put(
        f"{base}/realizations/months", headers=op, json={**body, "org_unit_id": regency.disdik}
    )
    assert foreign.status_code == 403
    assert (
        client.put(
            f"{base}/realizations/months", headers=op, json={**body, "month": 13}
        ).status_code
        == 422
    )
