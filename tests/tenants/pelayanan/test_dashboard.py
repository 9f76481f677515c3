"""The public dashboard and SKM results against figures worked out by hand.

Every date is in March 2025, a fortnight without a national holiday (Isra Mi'raj
was 27 January, Nyepi 29 March, Idul Fitri 31 March), Monday to Friday working.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from tenants.pelayanan import complaints, dashboard, standards, survey
from tenants.pelayanan.access import GRANTS, Actor
from tenants.pelayanan.models import Complaint, Dispatch, Event, SurveyResponse
from tests.conftest import PASSWORD
from tests.pelayanan_support import REGENCY, make_regency, submission

WIB = ZoneInfo("Asia/Jakarta")
COORDINATOR = Actor("koordinator@pati.go.id", GRANTS["coordinator"], None)


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2025, 3, day, hour, tzinfo=WIB)


@pytest.fixture
def regency(provision, tenant_db, state):
    return make_regency(provision, tenant_db, state, PASSWORD)


def _service(session, unit, name, promised, *, publish=True):
    editor = Actor("editor@dinkes.go.id", GRANTS["standards_editor"], None)
    head = Actor("kadis@dinkes.go.id", GRANTS["opd_head"], None)
    service = standards.create(
        session,
        editor,
        org_unit_id=unit,
        name=name,
        components={k: f"Uraian {k}" for k in standards.COMPONENTS},
        promised_days=promised,
    )
    if publish:
        standards.approve(session, head, service)
        standards.publish(session, head, service)
    return service


def _case(session, unit, *, dispatched, due, answers, service_id=None):
    """One complaint dispatched to ``unit`` on March ``dispatched``, due March ``due``;
    ``answers`` are (day, final) in order. Returns the complaint."""
    complaint, _code = complaints.submit(
        session,
        submission(service_id=service_id),
        [],
        regency_code=REGENCY,
        channel="web",
    )
    (row,) = complaints.dispatch(session, COORDINATOR, complaint, [unit], "Mohon ditindaklanjuti")
    staff = Actor("petugas.rahasia@opd.go.id", GRANTS["opd_liaison"], frozenset({unit}))
    for _day, final in answers:
        complaints.respond(session, staff, row, "Sedang ditangani petugas", final=final)
    session.flush()
    session.execute(
        update(Complaint).where(Complaint.id == complaint.id).values(submitted_at=at(dispatched, 8))
    )
    session.execute(
        update(Dispatch)
        .where(Dispatch.id == row.id)
        .values(dispatched_at=at(dispatched), due=date(2025, 3, due))
    )
    events = session.scalars(
        select(Event)
        .where(Event.complaint_id == complaint.id, Event.action.in_(("progress", "answered")))
        .order_by(Event.id)
    ).all()
    for event, (day, _final) in zip(events, answers, strict=True):
        event.at = at(day, 11)
    session.flush()
    return complaint


@pytest.fixture
def known(regency, tenant_db):
    """Five dispatches and one complaint still waiting, with survey answers."""
    with tenant_db(regency.slug) as session:
        skd = _service(session, regency.dinkes, "Surat Keterangan Sehat", 3)
        ppdb = _service(session, regency.disdik, "Legalisir Ijazah", 2)
        draft = _service(session, regency.disdik, "Masih Draf", 5, publish=False)
        # Dinas Kesehatan: first answers after 2, 5 and 2 working days; one late.
        _case(session, regency.dinkes, dispatched=10, due=17, answers=[(12, False), (14, True)],
              service_id=skd.id)
        _case(session, regency.dinkes, dispatched=10, due=14, answers=[(17, True)],
              service_id=skd.id)
        _case(session, regency.dinkes, dispatched=11, due=18, answers=[(13, False)])
        # Dinas Pendidikan: one unanswered past its deadline, one answered after 7 days.
        _case(session, regency.disdik, dispatched=10, due=17, answers=[])
        _case(session, regency.disdik, dispatched=12, due=19, answers=[(21, True)],
              service_id=ppdb.id)
        waiting, _ = complaints.submit(session, submission(), [], regency_code=REGENCY,
                                       channel="web")
        waiting.submitted_at = at(20)
        for service, answers, day in (
            (skd, [4, 4, 4, 4, 3, 3, 3, 3, 3], 3),
            (skd, [3, 3, 3, 3, 3, 3, 3, 3, 3], 4),
            (ppdb, [2, 2, 2, 2, 2, 2, 2, 2, 2], 5),
            (ppdb, [3, 3, 3, 3, 3, 3, 3, 3, 2], 6),
            (draft, [1, 1, 1, 1, 1, 1, 1, 1, 1], 6),  # not published: staff page only
        ):
            session.add(
                SurveyResponse(service_id=service.id, answered_on=date(2025, 3, day),
                               answers=answers, sex="L")
            )
        # Outside the first quarter: counted in the year, not in 2025-Q1.
        session.add(SurveyResponse(service_id=skd.id, answered_on=date(2025, 4, 2),
                                   answers=[1] * 9))
        return skd.id, ppdb.id


def test_the_dashboard_counts_medians_and_colours_per_opd(app, regency, tenant_db, known):
    skd, ppdb = known
    with tenant_db(regency.slug) as session:
        board = dashboard.build(session, survey.period("2025-Q1", date(2026, 1, 1)))
        assert board.statuses == {"followed_up": 3, "dispatched": 2, "new": 1}
        dinkes, disdik = board.opds
        assert dinkes.name == "Dinas Kesehatan" and disdik.name == "Dinas Pendidikan"
        assert dinkes.statuses == {"responded": 2, "in_progress": 1}
        assert sorted(dinkes.days) == [2, 2, 5] and dinkes.median == Decimal("2")
        assert (dinkes.on_time, dinkes.late, dinkes.overdue, dinkes.colour) == (2, 1, 0, "amber")
        assert disdik.statuses == {"dispatched": 1, "responded": 1}
        assert disdik.median == Decimal("7")
        assert (disdik.on_time, disdik.late, disdik.overdue, disdik.colour) == (0, 1, 1, "red")
        rows = {row.name: row for row in board.services}
        assert "Masih Draf" not in rows
        skd_row = rows["Surat Keterangan Sehat"]
        assert (skd_row.promised_days, skd_row.complaints, skd_row.median) == (3, 2, Decimal("3.5"))
        assert skd_row.skm.index == Decimal("80.56") and skd_row.skm.grade == "B"
        assert rows["Legalisir Ijazah"].median == Decimal("7")
    visitor = app.test_client()
    page = visitor.get(f"/t/{regency.slug}/p/pelayanan/dashboard?period=2025-Q1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-colour="amber"' in html and 'data-colour="red"' in html
    assert "3,5" in html and "80,56" in html  # the Indonesian decimal comma
    assert "petugas" not in html and "koordinator" not in html and "Siti" not in html
    data = visitor.get(
        f"/t/{regency.slug}/api/v1/public/pelayanan/dashboard?period=2025-Q1"
    ).get_json()
    assert data["statuses"]["followed_up"] == 3
    by_opd = {row["opd"]: row for row in data["opds"]}
    assert by_opd["Dinas Pendidikan"]["colour"] == "red"
    assert by_opd["Dinas Kesehatan"]["median_days_to_first_answer"] == "2"
    (skd_json,) = [s for s in data["services"] if s["service_id"] == skd]
    assert skd_json["median_days_to_first_answer"] == "3.5" and skd_json["skm_index"] == "80.56"
    assert "petugas" not in str(data)
    assert visitor.get(
        f"/t/{regency.slug}/p/pelayanan/dashboard?period=2025-Q9"
    ).status_code == 422


def test_skm_per_service_opd_and_regency_match_the_hand_computed_index(
    app, regency, tenant_db, known, page_sign_in
):
    with tenant_db(regency.slug) as session:
        quarter = survey.period("2025-Q1", date(2026, 1, 1))
        public = survey.results(session, quarter, published_only=True)
        # Regency, pooled over the four answers: element means 3, 3, 3, 3, 2.75 x 4, 2.5
        # -> (12 + 11 + 2.5) / 9 x 25 = 70.83, grade C.
        assert public.regency.count == 4
        assert public.regency.index == Decimal("70.83") and public.regency.grade == "C"
        scores = {s.name: score for s, _opd, score in public.services}
        # Legalisir Ijazah: (8 x 2.5 + 2) / 9 x 25 = 61.11, grade D.
        assert scores["Legalisir Ijazah"].index == Decimal("61.11")
        assert scores["Legalisir Ijazah"].grade == "D"
        opds = {score.name: score for _unit, score in public.opds}
        assert opds["Dinas Kesehatan"].index == Decimal("80.56")
        assert public.profile["sex"] == {"L": 4}
        # The staff page counts every service; the year counts April's answer too.
        everything = survey.results(session, quarter)
        assert everything.regency.count == 5
        year = survey.results(session, survey.period("2025", date(2026, 1, 1)))
        assert year.regency.count == 6
    visitor = app.test_client()
    page = visitor.get(f"/t/{regency.slug}/p/pelayanan/skm?period=2025-Q1").get_data(as_text=True)
    assert "70,83" in page and "61,11" in page and "Masih Draf" not in page
    assert "Triwulan I 2025" in page
    data = visitor.get(f"/t/{regency.slug}/api/v1/public/pelayanan/skm?period=2025-Q1").get_json()
    assert data["regency"]["index"] == "70.83" and data["regency"]["grade"] == "C"
    staff = page_sign_in(regency.slug, "viewer@pati.go.id")
    seen = staff.get(f"/t/{regency.slug}/pelayanan/skm?period=2025-Q1")
    assert seen.status_code == 200 and "Masih Draf" in seen.get_data(as_text=True)
    assert "Indeks daerah" in seen.get_data(as_text=True)
    assert app.test_client().get(f"/t/{regency.slug}/pelayanan/skm").status_code in (302, 401)
