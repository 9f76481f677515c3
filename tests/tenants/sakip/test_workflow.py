"""SAKIP from the RPJMD to achievement, on the real database: services and the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from smartcity.errors import Conflict, Forbidden, InvalidInput
from sqlalchemy import select

from tenants.sakip import agreements, planning, realization
from tenants.sakip.access import GRANTS, Actor
from tenants.sakip.models import Agreement, Plan
from tests.conftest import PASSWORD, bearer, tenant_token
from tests.sakip_support import ADMIN, START, YEAR, make_regency, make_users

HEAD = Official = agreements.Official


def _pk(session: Any, regency: Any, actor: Actor = ADMIN) -> Agreement:
    pk = agreements.create(
        session,
        actor,
        org_unit_id=regency.dinkes,
        year=YEAR,
        official=Official("dr. Sri Wahyuni", "Kepala Dinas Kesehatan", "197001101992012001"),
        superior=Official("H. Bupati", "Bupati Pati"),
        place="Pati",
    )
    agreements.set_target(
        session,
        actor,
        pk,
        indicator_lineage=regency.dinkes_indicator,
        year_target=Decimal(1000),
        quarters=[Decimal(250)] * 4,
    )
    agreements.set_target(
        session,
        actor,
        pk,
        indicator_lineage=regency.dinkes_negative,
        year_target=Decimal(16),
        quarters=[Decimal(19), Decimal(18), Decimal(17), Decimal(16)],
    )
    return pk


def test_plans_are_versioned_and_the_tree_shows_crosscutting(
    provision: Any, tenant_db: Any
) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        renstra = session.get(Plan, regency.renstra_id)
        # An approved plan is not edited...
        with pytest.raises(Conflict):
            planning.add_element(session, ADMIN, renstra, kind="program", statement="Program baru")
        # ...it is revised: a new draft version with the same lineages.
        with pytest.raises(InvalidInput):
            planning.revise(session, ADMIN, renstra, "short")
        v2 = planning.revise(session, ADMIN, renstra, "Perubahan RPJMD tahun 2026")
        assert (v2.version, v2.status, renstra.status) == (2, "draft", "approved")
        lineages = {i.lineage for i in planning.indicators_of(session, v2)}
        assert regency.dinkes_indicator in lineages
        with pytest.raises(Conflict):  # one revision at a time
            planning.revise(session, ADMIN, renstra, "Perubahan kedua yang lain")
        planning.add_element(session, ADMIN, v2, kind="program", statement="Program imunisasi")
        planning.approve(session, ADMIN, v2)
        assert (renstra.status, v2.status) == ("superseded", "approved")
        assert planning.current(session, "renstra", regency.dinkes, START).id == v2.id
        # The pohon kinerja: the RPJMD sasaran is served by both OPDs: crosscutting.
        nodes = planning.tree(session, START)
        sasaran = next(n for n in nodes if n.element.lineage == regency.rpjmd_sasaran)
        assert sasaran.serving_units == {regency.dinkes, regency.disdik}
        assert sasaran.crosscutting
        assert [i.name for i in sasaran.indicators] == ["Angka harapan hidup"]


def test_plan_rules_refuse_bad_chains(provision: Any, tenant_db: Any) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        renja = planning.create_plan(
            session,
            regency.operator,
            kind="renja",
            org_unit_id=regency.dinkes,
            start_year=START,
            year=YEAR,
            title="Renja 2026",
        )
        with pytest.raises(InvalidInput):  # serves a target that is not in the Renstra above
            planning.add_element(
                session,
                regency.operator,
                renja,
                kind="program",
                statement="x",
                serves_lineage=regency.rpjmd_sasaran,
            )
        program = planning.add_element(
            session, regency.operator, renja, kind="program", statement="P"
        )
        with pytest.raises(InvalidInput):  # a Renja's targets are for its year only
            planning.add_indicator(
                session,
                regency.operator,
                program,
                planning.IndicatorIn("x", "u", targets=[planning.TargetIn(YEAR + 1, Decimal(1))]),
            )
        with pytest.raises(InvalidInput):  # the regency's IKU are RPJMD indicators
            planning.add_indicator(
                session, regency.operator, program, planning.IndicatorIn("x", "u", iku_regency=True)
            )
        with pytest.raises(Forbidden):  # an OPD operator drafts only for their OPD
            planning.create_plan(
                session,
                regency.operator,
                kind="renja",
                org_unit_id=regency.disdik,
                start_year=START,
                year=YEAR,
                title="Renja Disdik",
            )
        with pytest.raises(Forbidden):  # and not the RPJMD
            planning.create_plan(
                session,
                regency.operator,
                kind="rpjmd",
                org_unit_id=None,
                start_year=2030,
                title="x",
            )


def test_agreement_is_signed_locked_and_revised_keeping_both(
    provision: Any, tenant_db: Any
) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        pk = _pk(session, regency)
        target = agreements.targets(session, pk)[0]
        with pytest.raises(InvalidInput):  # without e-Budgeting the budget is typed, all of it
            agreements.add_budget(
                session, ADMIN, target, sub_activities=None, code="1.02.02.2.01.0001"
            )
        agreements.add_budget(
            session,
            ADMIN,
            target,
            sub_activities=None,
            code="1.02.02.2.01.0001",
            name="Pelayanan imunisasi",
            amount=Decimal("250000000"),
        )
        head = Actor("kadis", GRANTS["opd_head"], frozenset({regency.dinkes}))
        with pytest.raises(Forbidden):  # the operator prepares, the head signs
            agreements.sign(session, regency.operator, pk, date(2026, 2, 1))
        agreements.sign(session, head, pk, date(2026, 2, 1))
        with pytest.raises(Conflict):  # signed: locked
            agreements.set_target(
                session,
                ADMIN,
                pk,
                indicator_lineage=regency.dinkes_indicator,
                year_target=Decimal(1),
                quarters=[None] * 4,
            )
        revised = agreements.revise(session, ADMIN, pk, "Perubahan APBD 2026 (DPPA)")
        assert revised.revision == 1 and revised.supersedes_id == pk.id
        assert agreements.in_force(session, regency.dinkes, YEAR).id == pk.id
        copied = agreements.targets(session, revised)
        assert len(copied) == 2
        assert agreements.budgets(session, [copied[0].id])[copied[0].id][0].amount == Decimal(
            "250000000"
        )
        agreements.sign(session, head, revised, date(2026, 9, 1))
        assert (pk.status, revised.status) == ("superseded", "signed")
        assert agreements.in_force(session, regency.dinkes, YEAR).id == revised.id
        both = session.scalars(
            select(Agreement).where(Agreement.org_unit_id == regency.dinkes)
        ).all()
        assert len(both) == 2


def test_realization_cutoff_verification_and_achievement(provision: Any, tenant_db: Any) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        pk = _pk(session, regency)
        head = Actor("kadis", GRANTS["opd_head"], frozenset({regency.dinkes}))
        op = Actor("op", GRANTS["operator"], frozenset({regency.dinkes}), user_id=None)
        with pytest.raises(InvalidInput):  # not signed yet: nothing to realize
            realization.enter(
                session,
                op,
                org_unit_id=regency.dinkes,
                indicator_lineage=regency.dinkes_indicator,
                year=YEAR,
                quarter=1,
                value=Decimal(1),
                note="",
                today=date(2026, 4, 5),
            )
        agreements.sign(session, head, pk, date(2026, 2, 1))

        def enter(lineage: int, quarter: int, value: str, today: date) -> Any:
            return realization.enter(
                session,
                op,
                org_unit_id=regency.dinkes,
                indicator_lineage=lineage,
                year=YEAR,
                quarter=quarter,
                value=Decimal(value),
                note="register puskesmas",
                today=today,
            )

        q1 = enter(regency.dinkes_indicator, 1, "200", date(2026, 4, 10))
        enter(regency.dinkes_indicator, 2, "300", date(2026, 7, 3))
        enter(regency.dinkes_negative, 1, "19", date(2026, 4, 10))
        enter(regency.dinkes_negative, 2, "17", date(2026, 7, 3))
        with pytest.raises(Conflict):  # Q1 closed 15 days after March 31
            enter(regency.dinkes_indicator, 1, "210", date(2026, 4, 16))
        with pytest.raises(InvalidInput):  # Q3 has not started
            enter(regency.dinkes_indicator, 3, "1", date(2026, 6, 30))
        with pytest.raises(InvalidInput):  # an RPJMD indicator is not in the OPD's PK
            enter(regency.rpjmd_indicator, 1, "1", date(2026, 4, 10))
        officer = Actor("officer", GRANTS["officer"], frozenset({regency.dinkes}), user_id=None)
        with pytest.raises(InvalidInput):
            realization.review(session, officer, q1, accept=False, note=" ")
        realization.review(session, officer, q1, accept=True, note="")
        with pytest.raises(Conflict):  # verified: locked
            enter(regency.dinkes_indicator, 1, "210", date(2026, 4, 12))

        scores = {s.target.indicator_lineage: s for s in realization.scores(session, pk, 2)}
        coverage = scores[regency.dinkes_indicator]
        assert coverage.to_date.percent == Decimal(100)  # (200 + 300) / (250 + 250)
        assert coverage.year.percent == Decimal(50)  # 500 / 1000
        assert coverage.to_date.formula == "R / T x 100"
        stunting = scores[regency.dinkes_negative]
        assert stunting.to_date.percent == Decimal("105.56")  # (2 x 18 - 17) / 18
        assert stunting.to_date.formula == "(2T - R) / T x 100"
        # The negative formula is the regency's setting: T / R = 18 / 17.
        realization.update_settings(
            session,
            ADMIN,
            negative_formula="t_over_r",
            cap_percent=Decimal(120),
            green_from=Decimal(90),
            amber_from=Decimal(70),
            cutoff_days=15,
        )
        stunting = {s.target.indicator_lineage: s for s in realization.scores(session, pk, 2)}[
            regency.dinkes_negative
        ]
        assert stunting.to_date.percent == Decimal("105.88")
        assert stunting.to_date.formula == "T / R x 100"


def test_whoever_entered_a_figure_does_not_verify_it(
    provision: Any, tenant_db: Any, state: Any
) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        ids = make_users(session, state.registry, regency, PASSWORD, ("sakip",))
        pk = _pk(session, regency)
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
            value=Decimal(5),
            note="",
            today=date(2026, 4, 1),
        )
        with pytest.raises(Forbidden):
            realization.review(session, officer, row, accept=True, note="")


def test_evidence_is_bounded_and_typed(provision: Any, tenant_db: Any) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        pk = _pk(session, regency)
        agreements.sign(session, Actor("kadis", GRANTS["opd_head"], None), pk, date(2026, 2, 1))
        row = realization.enter(
            session,
            Actor("op", GRANTS["operator"], None),
            org_unit_id=regency.dinkes,
            indicator_lineage=regency.dinkes_indicator,
            year=YEAR,
            quarter=1,
            value=Decimal(5),
            note="",
            today=date(2026, 4, 1),
        )
        op = Actor("op", GRANTS["operator"], frozenset({regency.dinkes}))
        with pytest.raises(InvalidInput):  # says PDF, is not
            realization.add_evidence(
                session, op, row, filename="a.pdf", content_type="application/pdf", data=b"MZ\x90"
            )
        with pytest.raises(InvalidInput):
            realization.add_evidence(
                session,
                op,
                row,
                filename="a.pdf",
                content_type="application/pdf",
                data=b"%PDF" + b"0" * realization.MAX_EVIDENCE_BYTES,
            )
        kept = realization.add_evidence(
            session,
            op,
            row,
            filename="../../etc/laporan.pdf",
            content_type="application/pdf",
            data=b"%PDF-1.4 bukti",
        )
        assert "/" not in kept.filename


# --------------------------------------------------------------------------- API


def _api_regency(
    provision: Any, tenant_db: Any, state: Any, apps: tuple[str, ...]
) -> tuple[str, Any, Any]:
    slug = provision(apps=apps)
    with tenant_db(slug) as session:
        regency = make_regency(session)
        make_users(session, state.registry, regency, PASSWORD, apps)
    return slug, regency, state


def test_api_pk_budget_typed_by_hand_without_ebudgeting(
    client: Any, provision: Any, tenant_db: Any, state: Any
) -> None:
    slug, regency, _ = _api_regency(provision, tenant_db, state, ("sakip",))
    base = f"/t/{slug}/api/v1/sakip"
    op = bearer(tenant_token(client, slug, "operator@dinkes.go.id"))
    sources = client.get(
        f"{base}/budget-sources?year={YEAR}&org_unit_id={regency.dinkes}", headers=op
    )
    assert sources.status_code == 200 and sources.get_json()["ebudgeting"] is False
    made = client.post(
        f"{base}/agreements",
        headers=op,
        json={
            "org_unit_id": regency.dinkes,
            "year": YEAR,
            "place": "Pati",
            "official": {
                "name": "dr. Sri",
                "position": "Kepala Dinas",
                "nip": "197001101992012001",
            },
            "superior": {"name": "Bupati", "position": "Bupati Pati"},
        },
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    pk = made.get_json()["id"]
    put = client.put(
        f"{base}/agreements/{pk}/targets",
        headers=op,
        json={
            "indicator_lineage": regency.dinkes_indicator,
            "year_target": "1000",
            "quarters": ["250", "250", "250", "250"],
        },
    )
    assert put.status_code == 200, put.get_data(as_text=True)
    target = put.get_json()["targets"][0]["id"]
    budget = client.post(
        f"{base}/agreements/{pk}/targets/{target}/budgets",
        headers=op,
        json={"code": "1.02.02.2.01.0001", "name": "Imunisasi", "amount": "125000000"},
    )
    assert budget.status_code == 201, budget.get_data(as_text=True)
    assert budget.get_json()["targets"][0]["budgets"][0]["source"] == "manual"
    # The operator cannot sign; the head can; then it is locked.
    assert (
        client.post(
            f"{base}/agreements/{pk}/sign", headers=op, json={"signed_on": "2026-02-01"}
        ).status_code
        == 403
    )
    head = bearer(tenant_token(client, slug, "kadis@dinkes.go.id"))
    signed = client.post(
        f"{base}/agreements/{pk}/sign", headers=head, json={"signed_on": "2026-02-01"}
    )
    assert signed.status_code == 200 and signed.get_json()["status"] == "signed"
    locked = client.put(
        f"{base}/agreements/{pk}/targets",
        headers=op,
        json={
            "indicator_lineage": regency.dinkes_indicator,
            "year_target": "1",
            "quarters": [None] * 4,
        },
    )
    assert locked.status_code == 409
    scores = client.get(
        f"{base}/scores?year={YEAR}&org_unit_id={regency.dinkes}&through=1", headers=op
    )
    assert scores.status_code == 200
    assert scores.get_json()["scores"][0]["to_date"]["reason"] == "no_realization"


def test_api_pk_budget_from_ebudgeting_through_the_capability(
    client: Any, provision: Any, tenant_db: Any, state: Any
) -> None:
    from tenants.ebudgeting import ceilings, years
    from tests.ebudgeting_support import TAPD, sub_activity

    slug, regency, _ = _api_regency(provision, tenant_db, state, ("ebudgeting", "sakip"))
    with tenant_db(slug) as session:
        fiscal_year = years.create_fiscal_year(session, YEAR, actor=TAPD)
        ceilings.set_ceiling(session, fiscal_year, regency.dinkes, Decimal(500000000), actor=TAPD)
        eb_regency = type("R", (), {"dinkes": regency.dinkes, "operator": TAPD})()
        sub = sub_activity(session, fiscal_year, eb_regency).id
    base = f"/t/{slug}/api/v1/sakip"
    op = bearer(tenant_token(client, slug, "operator@dinkes.go.id"))
    sources = client.get(
        f"{base}/budget-sources?year={YEAR}&org_unit_id={regency.dinkes}", headers=op
    )
    assert sources.get_json()["ebudgeting"] is True
    assert [s["sub_activity_id"] for s in sources.get_json()["sub_activities"]] == [sub]
    made = client.post(
        f"{base}/agreements",
        headers=op,
        json={
            "org_unit_id": regency.dinkes,
            "year": YEAR,
            "place": "Pati",
            "official": {"name": "dr. Sri", "position": "Kepala Dinas"},
            "superior": {"name": "Bupati", "position": "Bupati Pati"},
        },
    ).get_json()["id"]
    target = client.put(
        f"{base}/agreements/{made}/targets",
        headers=op,
        json={
            "indicator_lineage": regency.dinkes_indicator,
            "year_target": "1000",
            "quarters": [None] * 4,
        },
    ).get_json()["targets"][0]["id"]
    url = f"{base}/agreements/{made}/targets/{target}/budgets"
    typed = client.post(url, headers=op, json={"code": "x", "name": "y", "amount": "1"})
    assert typed.status_code == 422  # with e-Budgeting, the sub kegiatan is picked, not typed
    foreign = client.post(url, headers=op, json={"sub_activity_id": sub + 999})
    assert foreign.status_code == 422
    picked = client.post(url, headers=op, json={"sub_activity_id": sub})
    assert picked.status_code == 201, picked.get_data(as_text=True)
    row = picked.get_json()["targets"][0]["budgets"][0]
    assert row["source"] == "ebudgeting" and row["code"] == "1.02.01.2.01.0001"


def test_api_hostile_users(client: Any, provision: Any, tenant_db: Any, state: Any) -> None:
    slug, regency, _ = _api_regency(provision, tenant_db, state, ("sakip",))
    other, other_regency, _ = _api_regency(provision, tenant_db, state, ("sakip",))
    base = f"/t/{slug}/api/v1/sakip"
    op = bearer(tenant_token(client, slug, "operator@dinkes.go.id"))
    with tenant_db(slug) as session:
        disdik_plan = planning.current(session, "renstra", regency.disdik, START).id
    assert client.get(f"{base}/plans/{disdik_plan}", headers=op).status_code == 404
    assert client.get(f"{base}/plans/{regency.renstra_id}", headers=op).status_code == 200
    listed = client.get(f"{base}/plans", headers=op).get_json()["plans"]
    assert regency.disdik not in {p["org_unit_id"] for p in listed}
    # Another OPD's agreement, realization and scores.
    body = {
        "org_unit_id": regency.disdik,
        "year": YEAR,
        "place": "Pati",
        "official": {"name": "a", "position": "b"},
        "superior": {"name": "c", "position": "d"},
    }
    assert client.post(f"{base}/agreements", headers=op, json=body).status_code == 403
    assert (
        client.get(
            f"{base}/scores?year={YEAR}&org_unit_id={regency.disdik}", headers=op
        ).status_code
        == 403
    )
    # Another regency's token and ids.
    other_token = bearer(tenant_token(client, other, "bappeda@example.go.id"))
    assert client.get(f"{base}/plans/{regency.renstra_id}", headers=other_token).status_code == 401
    # Bad input: 4xx, never 500.
    bad_nip = dict(
        body, org_unit_id=regency.dinkes, official={"name": "a", "position": "b", "nip": "123"}
    )
    assert client.post(f"{base}/agreements", headers=op, json=bad_nip).status_code == 422
    bad_quarter = {
        "org_unit_id": regency.dinkes,
        "indicator_lineage": regency.dinkes_indicator,
        "year": YEAR,
        "quarter": 5,
        "value": "1",
    }
    assert client.put(f"{base}/realizations", headers=op, json=bad_quarter).status_code == 422
    assert client.get(f"{base}/tree", headers=op).status_code == 422
    assert (
        client.get(
            f"{base}/scores?year={YEAR}&org_unit_id={regency.dinkes}&through=9", headers=op
        ).status_code
        == 422
    )
    # A viewer reads but changes nothing; settings are the admin's.
    viewer = bearer(tenant_token(client, slug, "viewer@example.go.id"))
    assert client.get(f"{base}/tree?start_year={START}", headers=viewer).get_json()["nodes"][0][
        "crosscutting"
    ]
    settings = {
        "negative_formula": "t_over_r",
        "cap_percent": "120",
        "green_from": "90",
        "amber_from": "70",
        "cutoff_days": 10,
    }
    assert client.put(f"{base}/settings", headers=viewer, json=settings).status_code == 403
    admin = bearer(tenant_token(client, slug, "bappeda@example.go.id"))
    assert client.put(f"{base}/settings", headers=admin, json=settings).status_code == 200
    assert other_regency is not None
