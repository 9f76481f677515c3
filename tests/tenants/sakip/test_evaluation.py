"""The evaluation worksheet (LKE): weights as data, score, grade, review loop, carry-over."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from smartcity.errors import Conflict, Forbidden, InvalidInput

from tenants.sakip import evaluation
from tenants.sakip.access import GRANTS, Actor
from tenants.sakip.models import LkeVersion
from tests.conftest import PASSWORD, bearer, tenant_token
from tests.sakip_support import ADMIN, make_regency, make_users

EVALUATOR = Actor("inspektorat", GRANTS["evaluator"], None)


@pytest.mark.parametrize(
    ("score", "inclusive", "expected"),
    [
        ("100", True, "AA"),
        ("90", True, "AA"),
        ("90", False, "A"),
        ("89.99", True, "A"),
        ("80", True, "A"),
        ("70", True, "BB"),
        ("69.99", True, "B"),
        ("60", True, "B"),
        ("50", True, "CC"),
        ("49.99", True, "C"),
        ("30", True, "C"),
        ("30", False, "D"),
        ("29.99", True, "D"),
        ("0", True, "D"),
    ],
)
def test_grade_bands(score: str, inclusive: bool, expected: str) -> None:
    assert evaluation.grade(Decimal(score), inclusive) == expected


def test_the_default_worksheet_weighs_100(provision: Any, tenant_db: Any) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        version = evaluation.install_default(session)  # already installed on enabling
        assert evaluation.install_default(session).id == version.id
        start = evaluation.start(session, ADMIN, year=2026, org_unit_id=None)
        components, subs, criteria = evaluation.structure(session, start)
        assert [c.weight for c in components] == [30, 30, 15, 25]
        assert sum(s.weight for s in subs) == 100
        assert all(c.answer_type in ("yt", "abcd") for c in criteria)
        # Nothing answered: nothing scored, and every criterion is a gap.
        result = evaluation.score(session, start)
        assert result.self_total == 0 and result.grade == "D"
        assert sum(g.gain for g in result.gaps) == 100


def test_scores_review_loop_and_what_moves_the_grade(provision: Any, tenant_db: Any) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        officer = Actor("officer", GRANTS["officer"], frozenset({regency.dinkes}))
        sheet = evaluation.start(session, officer, year=2026, org_unit_id=regency.dinkes)
        _, subs, criteria = evaluation.structure(session, sheet)
        weights = {s.id: s.weight for s in subs}
        count = {s.id: sum(1 for c in criteria if c.component_id == s.id) for s in subs}
        for criterion in criteria:
            answer = "Y" if criterion.answer_type == "yt" else "B"
            evaluation.answer_self(
                session, officer, sheet, criterion_id=criterion.id, answer=answer,
                evidence="dokumen.pdf", note="",
            )  # fmt: skip
        abcd = next(c for c in criteria if c.answer_type == "abcd")
        with pytest.raises(InvalidInput):  # an A/B/C/D criterion takes no Y
            evaluation.answer_self(
                session, officer, sheet, criterion_id=abcd.id, answer="Y", evidence="", note=""
            )
        result = evaluation.score(session, sheet)
        yt = sum(
            weights[c.component_id] / count[c.component_id]
            for c in criteria
            if c.answer_type == "yt"
        )
        expected = (yt + (100 - yt) * Decimal("0.66")).quantize(Decimal("0.01"))
        assert result.self_total == expected
        assert result.grade == evaluation.grade(expected)
        # The largest gap first: the follow-up of evaluation results, the only criterion
        # of a 12.5-point sub-component, 0.34 short of an A.
        top = result.gaps[0]
        assert top.criterion.code == "4.3.1" and top.gain == Decimal("12.5") * Decimal("0.34")
        with pytest.raises(Forbidden):  # the OPD does not evaluate itself
            evaluation.transition(session, officer, sheet, "finalize")
        evaluation.transition(session, officer, sheet, "submit")
        with pytest.raises(Conflict) as twice:  # the refusal says where it is, not "review"
            evaluation.transition(session, officer, sheet, "submit")
        assert str(twice.value.message) == "the worksheet is with the evaluator"
        with pytest.raises(Conflict):  # with the evaluator: the OPD's answers are locked
            evaluation.answer_self(
                session,
                officer,
                sheet,
                criterion_id=criteria[0].id,
                answer="T",
                evidence="",
                note="",
            )
        evaluation.answer_evaluator(
            session, EVALUATOR, sheet, criterion_id=criteria[0].id, answer="T",
            note="Renstra belum ditetapkan dengan Perbup",
        )  # fmt: skip
        evaluation.transition(session, EVALUATOR, sheet, "return")
        evaluation.answer_self(
            session, officer, sheet, criterion_id=criteria[0].id, answer="Y",
            evidence="perbup-renstra.pdf", note="sudah ditetapkan",
        )  # fmt: skip
        evaluation.transition(session, officer, sheet, "submit")
        for criterion in criteria:
            evaluation.answer_evaluator(
                session, EVALUATOR, sheet, criterion_id=criterion.id,
                answer="Y" if criterion.answer_type == "yt" else "A", note="",
            )  # fmt: skip
        evaluation.transition(session, EVALUATOR, sheet, "finalize")
        final = evaluation.score(session, sheet)
        assert final.evaluator_total == 100 and final.grade == "AA" and final.gaps == []


def test_answer_values_are_the_versions_data(provision: Any, tenant_db: Any) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        sheet = evaluation.start(session, ADMIN, year=2026, org_unit_id=None)
        version = session.get(LkeVersion, sheet.version_id)
        version.value_b = Decimal("0.5")
        _, _, criteria = evaluation.structure(session, sheet)
        abcd = next(c for c in criteria if c.answer_type == "abcd")
        evaluation.answer_self(
            session, ADMIN, sheet, criterion_id=abcd.id, answer="B", evidence="", note=""
        )
        gap = next(g for g in evaluation.score(session, sheet).gaps if g.criterion.id == abcd.id)
        assert gap.value == Decimal("0.5")


def test_evidence_carries_over_from_last_year(provision: Any, tenant_db: Any) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        last = evaluation.start(session, ADMIN, year=2025, org_unit_id=None)
        _, _, criteria = evaluation.structure(session, last)
        evaluation.answer_self(
            session, ADMIN, last, criterion_id=criteria[0].id, answer="Y",
            evidence="renstra-2025.pdf", note="",
        )  # fmt: skip
        this = evaluation.start(session, ADMIN, year=2026, org_unit_id=None)
        _, _, now = evaluation.structure(session, this)
        evaluation.answer_self(
            session, ADMIN, this, criterion_id=now[1].id, answer="Y", evidence="baru.pdf", note=""
        )
        assert evaluation.carry_over(session, ADMIN, this) == 1
        given = evaluation.answers(session, this)
        assert given[now[0].id].evidence == "renstra-2025.pdf" and given[now[0].id].carried_over
        assert given[now[0].id].self_answer is None  # the evidence comes, the answer is theirs
        assert given[now[1].id].evidence == "baru.pdf"
        with pytest.raises(Conflict):
            evaluation.start(session, ADMIN, year=2026, org_unit_id=None)


def test_api_evaluation_for_the_opd_and_hostile_users(
    client: Any, provision: Any, tenant_db: Any, state: Any
) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        make_users(session, state.registry, regency, PASSWORD, ("sakip",))
    base = f"/t/{slug}/api/v1/sakip"
    officer = bearer(tenant_token(client, slug, "officer@dinkes.go.id"))
    made = client.post(
        f"{base}/evaluations", headers=officer, json={"year": 2026, "org_unit_id": regency.dinkes}
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    sheet = made.get_json()
    assert sheet["grade"] == "D" and len(sheet["what_moves_the_grade"]) == 10
    assert [c["weight"] for c in sheet["components"]] == ["30.000", "30.000", "15.000", "25.000"]
    criterion = sheet["components"][0]["criteria"][0]["id"]
    put = client.put(
        f"{base}/evaluations/{sheet['id']}/answers",
        headers=officer,
        json={"criterion_id": criterion, "answer": "Y", "evidence": "renstra.pdf"},
    )
    assert put.status_code == 200 and put.get_json()["self_score"] == "3.00"
    bad = client.put(
        f"{base}/evaluations/{sheet['id']}/answers",
        headers=officer,
        json={"criterion_id": criterion, "answer": "Q"},
    )
    assert bad.status_code == 422
    # The regency's worksheet and another OPD's are not the OPD officer's.
    assert (
        client.post(f"{base}/evaluations", headers=officer, json={"year": 2026}).status_code == 403
    )
    other = client.post(
        f"{base}/evaluations", headers=officer, json={"year": 2026, "org_unit_id": regency.disdik}
    )
    assert other.status_code == 403
    admin = bearer(tenant_token(client, slug, "bappeda@example.go.id"))
    regency_sheet = client.post(
        f"{base}/evaluations", headers=admin, json={"year": 2026}
    ).get_json()
    assert (
        client.get(f"{base}/evaluations/{regency_sheet['id']}", headers=officer).status_code == 200
    )
    viewer = bearer(tenant_token(client, slug, "viewer@example.go.id"))
    moved = client.post(
        f"{base}/evaluations/{sheet['id']}/transition", headers=viewer, json={"action": "finalize"}
    )
    assert moved.status_code == 403
