"""The SKM report as PermenPANRB 14/2017 asks for it, over a quarter worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from smartcity.toolkit import Letterhead, ReportFormat

from tenants.pelayanan.reports import SurveyParams, build_survey
from tenants.pelayanan.reports import survey as survey_report
from tests.conftest import PASSWORD
from tests.pelayanan_support import WIB, known_quarter, make_regency
from tests.support.documents import pdf_text


@pytest.fixture
def regency(provision, tenant_db, state):
    return make_regency(provision, tenant_db, state, PASSWORD)


def test_the_skm_report_has_nrr_weighted_nrr_index_grade_and_profile(app, regency, tenant_db):
    known_quarter(tenant_db, regency)
    with tenant_db(regency.slug) as session:
        ctx = SimpleNamespace(session=session, tenant=SimpleNamespace(slug=regency.slug))
        params = SurveyParams(start=date(2025, 1, 1), end=date(2025, 3, 31))
        document = build_survey(ctx, params)
    head = dict(document.parameters)
    # Five answers in the quarter (one about a service not yet published counts for staff).
    assert head["Jumlah responden"] == "5"
    elements, opds, services, profile = document.sections
    # Element 1 over 4 + 3 + 2 + 3 + 1 = 13: NRR 2.6, weighted 2.6 / 9 = 0.289.
    assert elements.rows[0][2:] == (13, Decimal("2.600"), Decimal("0.289"))
    # Element 9: 3 + 3 + 2 + 2 + 1 = 11 -> 2.2.
    assert elements.rows[8][2:4] == (11, Decimal("2.200"))
    # IKM: (13 x 4 + 12 x 4 + 11) / 5 / 9 x 25 = 61.67 -> D, Tidak Baik.
    assert elements.rows[-1][-1] == Decimal("61.67")
    assert head["Indeks Kepuasan Masyarakat (IKM)"] == "61,67"
    assert head["Mutu pelayanan"] == "D" and head["Kinerja unit pelayanan"] == "Tidak Baik"
    by_opd = {row[1]: row for row in opds.rows}
    assert by_opd["Dinas Kesehatan"][2:] == (2, Decimal("80.56"), "B", "Baik")
    names = {row[2]: row for row in services.rows}
    assert names["Legalisir Ijazah"][-3:] == (Decimal("61.11"), "D", "Tidak Baik")
    assert ("Jenis kelamin", "Laki-laki", 5, Decimal("100.0")) in profile.rows
    assert ("Jenis kelamin", "Perempuan", 0, Decimal("0.0")) in profile.rows
    assert ("Pekerjaan", "Tidak diisi", 5, Decimal("100.0")) in profile.rows
    # The PDF renders with the Indonesian decimal comma.
    head_of_page = Letterhead("Kabupaten Pati", datetime(2025, 4, 1, tzinfo=UTC), WIB)
    with app.app_context():
        data = survey_report.renderer(ReportFormat.PDF)(document, head_of_page)
    text = pdf_text(data)
    assert "NRR tertimbang" in text and "61,67" in text and "Sangat Baik" in text
