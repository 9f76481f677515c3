"""Each service beside its standard, per period, from the one computation in
``performance``: on the standard's public and staff pages, both APIs, the dashboard
and the capability other apps read (the quarter is ``known_quarter``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from smartcity.errors import InvalidInput
from smartcity.toolkit import ServicePerformance

from tenants.pelayanan import dashboard, performance, survey
from tests.conftest import PASSWORD, bearer, tenant_token
from tests.pelayanan_support import known_quarter, make_regency
from tests.support.web import sign_in

Q1 = survey.period("2025-Q1", date(2026, 1, 1))


@pytest.fixture
def regency(provision, tenant_db, state):
    return make_regency(provision, tenant_db, state, PASSWORD)


@pytest.fixture
def known(regency, tenant_db):
    return known_quarter(tenant_db, regency)


def test_figures_per_service_and_per_opd_match_the_hand_counted_quarter(regency, tenant_db, known):
    skd, ppdb = known
    with tenant_db(regency.slug) as session:
        found = performance.figures(session, Q1)
        services = {s.service_id: s for s in found.services}
        # Surat Keterangan Sehat: answered for good after 4 (by its deadline) and 5
        # working days (after it); promised 3, median 4.5, half on time.
        c = services[skd].complaints
        assert (c.received, c.finished, c.finished_on_time, c.overdue) == (2, 2, 1, 0)
        assert c.median_days == Decimal("4.5") and c.on_time_percent == Decimal("50.00")
        assert services[skd].promised_days == 3 and services[skd].skm.index == Decimal("80.56")
        c = services[ppdb].complaints
        assert (c.received, c.finished, c.finished_on_time, c.median_days) == (1, 1, 0, 7)
        assert c.on_time_percent == Decimal("0.00")
        # The draft is counted for staff (its one answer in March), not on public pages.
        draft = next(s for s in found.services if s.name == "Masih Draf")
        assert draft.skm.count == 1 and draft.complaints.received == 0
        public = performance.figures(session, Q1, published_only=True)
        assert "Masih Draf" not in {s.name for s in public.services}
        # Per OPD, dispatch by dispatch (complaints without a service too).
        opds = {o.name: o.complaints for o in found.opds}
        dinkes, disdik = opds["Dinas Kesehatan"], opds["Dinas Pendidikan"]
        assert (dinkes.received, dinkes.finished, dinkes.finished_on_time, dinkes.overdue) == (
            3,
            2,
            1,
            1,  # the one with only a progress note, past its deadline
        )
        assert dinkes.on_time_percent == Decimal("33.33")
        assert (disdik.received, disdik.finished, disdik.overdue) == (2, 1, 1)
        assert disdik.median_days == Decimal("7") and disdik.on_time_percent == Decimal("0.00")
        # Narrowed to one service or one OPD: the same figures.
        one = performance.figures(session, Q1, service_ids=[skd]).service(skd)
        assert one is not None and one.complaints == services[skd].complaints
        assert performance.figures(session, Q1, service_ids=[skd]).opds == []
        unit = performance.figures(session, Q1, org_unit_id=regency.dinkes)
        assert [o.complaints for o in unit.opds] == [dinkes]
        assert {s.service_id for s in unit.services} == {skd}
        # The dashboard's rows are these figures, not a second computation.
        board = dashboard.build(session, Q1)
        assert {s.service_id: s.complaints for s in board.services} == {
            s.service_id: s.complaints for s in public.services
        }
        # Another quarter: April's one answer, no complaint.
        april = performance.figures(session, survey.period("2025-Q2", date(2026, 1, 1)))
        later = april.service(skd)
        assert later is not None and later.complaints.received == 0
        assert later.skm.index == Decimal("25.00") and later.complaints.on_time_percent is None


def test_the_capability_gives_typed_records_for_a_quarter_or_a_month(regency, tenant_db, known):
    skd, _ppdb = known
    with tenant_db(regency.slug) as session:
        records = performance.service_performance(session, year=2025, quarter=1)
        assert all(isinstance(r, ServicePerformance) for r in records)
        service = next(r for r in records if r.service_id == skd)
        assert service == ServicePerformance(
            org_unit_id=regency.dinkes,
            service_id=skd,
            name="Surat Keterangan Sehat",
            period="2025-Q1",
            skm_index=Decimal("80.56"),
            skm_grade="B",
            skm_respondents=2,
            complaints_received=2,
            complaints_finished=2,
            on_time_percent=Decimal("50.00"),
            median_days=Decimal("4.5"),
            promised_days=3,
        )
        opd = next(r for r in records if r.service_id is None and r.org_unit_id == regency.dinkes)
        assert (opd.complaints_received, opd.on_time_percent) == (3, Decimal("33.33"))
        assert opd.skm_index == Decimal("80.56") and opd.promised_days is None
        # Everything happened in March: the month gives the quarter's figures.
        march = performance.service_performance(
            session, year=2025, month=3, org_unit_id=regency.dinkes
        )
        same = next(r for r in march if r.service_id == skd)
        assert same.period == "2025-03" and same.median_days == service.median_days
        assert {r.org_unit_id for r in march} == {regency.dinkes}
        # An OPD without a service or a complaint still has its record, all empty.
        empty = performance.service_performance(
            session, year=2024, quarter=2, org_unit_id=regency.disdik
        )
        assert [(r.service_id, r.complaints_received, r.skm_index) for r in empty] == [
            (None, 0, None),
            *[(r.service_id, 0, None) for r in empty[1:]],
        ]
        for bad in (
            {"year": 2025, "quarter": 5},
            {"year": 2025, "quarter": 0},
            {"year": 2025, "month": 13},
            {"year": 2025, "quarter": 1, "month": 1},
            {"year": 1999},
            {"year": True},
        ):
            with pytest.raises(InvalidInput):
                performance.service_performance(session, **bad)


def test_a_standards_pages_and_apis_show_the_figures_of_the_chosen_period(
    app, regency, tenant_db, known, state
):
    skd, _ppdb = known
    visitor = app.test_client()
    public = f"/t/{regency.slug}/p/pelayanan/services/{skd}"
    page = visitor.get(f"{public}?period=2025-Q1&lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="service-performance"' in html
    assert "Quarter I 2025" in html and "3 working days" in html
    for cell, value in (
        ("median-days", "4,5"),
        ("median-first-answer", "3,5"),
        ("complaints-received", "2"),
        ("complaints-finished", "2"),
        ("skm-index", "80,56 (B,"),
    ):
        assert f'id="{cell}">{value}' in html, cell
    assert "1 (50,00 %)" in html
    indonesian = visitor.get(f"{public}?period=2025-Q1&lang=id").get_data(as_text=True)
    assert "Layanan ini dalam kenyataan" in indonesian and "Triwulan I 2025" in indonesian
    assert "3 hari kerja" in indonesian
    # The default is the current year; a bad period is refused, not a 500.
    assert 'id="complaints-received">0' in visitor.get(public).get_data(as_text=True)
    assert visitor.get(f"{public}?period=2025-Q7").status_code == 422
    api = f"/t/{regency.slug}/api/v1/public/pelayanan/services/{skd}/performance"
    data = visitor.get(f"{api}?period=2025-Q1").get_json()
    assert data["period"] == "2025-Q1" and data["respond_days"] == 5
    figures = data["service"]
    assert figures["median_days_to_finish"] == "4.5" and figures["on_time_percent"] == "50.00"
    assert figures["skm_index"] == "80.56" and figures["complaints_received"] == 2
    assert visitor.get(f"{api}?period=x").status_code == 422
    assert (
        visitor.get(
            f"/t/{regency.slug}/api/v1/public/pelayanan/services/99/performance"
        ).status_code
        == 404
    )
    # Staff see the same on the standard's own page and API, drafts included.
    staff = app.test_client()
    assert sign_in(staff, regency.slug, "viewer@pati.go.id").status_code in (302, 303)
    own = staff.get(f"/t/{regency.slug}/pelayanan/services/{skd}/edit?period=2025-Q1&lang=en")
    assert own.status_code == 200
    assert 'id="median-days">4,5' in own.get_data(as_text=True)
    token = bearer(tenant_token(visitor, regency.slug, "viewer@pati.go.id"))
    base = f"/t/{regency.slug}/api/v1/pelayanan/services"
    assert visitor.get(f"{base}/{skd}/performance?period=2025-Q1", headers=token).get_json() == data
    with tenant_db(regency.slug) as session:
        draft = next(s for s in performance.figures(session, Q1).services if s.name == "Masih Draf")
    shown = visitor.get(f"{base}/{draft.service_id}/performance?period=2025-Q1", headers=token)
    assert shown.status_code == 200 and shown.get_json()["service"]["skm_respondents"] == 1
    assert (
        visitor.get(
            f"/t/{regency.slug}/api/v1/public/pelayanan/services/{draft.service_id}/performance"
        ).status_code
        == 404
    )
    # An OPD's liaison reads only their OPDs' services.
    other = bearer(tenant_token(visitor, regency.slug, "liaison@disdik.go.id"))
    assert visitor.get(f"{base}/{skd}/performance", headers=other).status_code == 404
