"""The public dashboard and SKM results against figures worked out by hand
(the quarter is ``known_quarter`` in tests/pelayanan_support.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tenants.pelayanan import dashboard, survey
from tests.conftest import PASSWORD
from tests.pelayanan_support import known_quarter, make_regency


@pytest.fixture
def regency(provision, tenant_db, state):
    return make_regency(provision, tenant_db, state, PASSWORD)


@pytest.fixture
def known(regency, tenant_db):
    return known_quarter(tenant_db, regency)


def test_the_dashboard_counts_medians_and_colours_per_opd(app, regency, tenant_db, known):
    skd, _ppdb = known
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
        skd_complaints = skd_row.complaints
        assert (skd_row.promised_days, skd_complaints.received) == (3, 2)
        assert skd_complaints.median_first_answer == Decimal("3.5")
        # Final answers after 4 (on time) and 5 (late) working days: promised 3, median 4.5.
        assert skd_complaints.median_days == Decimal("4.5")
        assert skd_complaints.on_time_percent == Decimal("50.00")
        assert skd_row.skm.index == Decimal("80.56") and skd_row.skm.grade == "B"
        assert rows["Legalisir Ijazah"].complaints.median_first_answer == Decimal("7")
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
    assert skd_json["complaints"] == skd_json["complaints_received"] == 2
    assert skd_json["median_days_to_finish"] == "4.5" and skd_json["on_time_percent"] == "50.00"
    assert "petugas" not in str(data)
    assert visitor.get(f"/t/{regency.slug}/p/pelayanan/dashboard?period=2025-Q9").status_code == 422
    # The standard's own public page sets this year's practice beside the promise.
    page = visitor.get(f"/t/{regency.slug}/p/pelayanan/services/{skd}").get_data(as_text=True)
    assert 'id="service-performance"' in page and "Layanan ini dalam kenyataan" in page


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
