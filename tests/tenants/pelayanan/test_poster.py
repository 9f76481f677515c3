"""The service poster's QR code leads to that service's survey on the regency's own host."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from smartcity.db import db
from smartcity.tenancy.models import Tenant, TenantDomain
from smartcity.toolkit import Letterhead
from sqlalchemy import select

from tenants.pelayanan import poster, standards
from tenants.pelayanan.access import GRANTS, Actor
from tenants.pelayanan.reports import PosterParams, build_poster
from tests.conftest import PASSWORD
from tests.pelayanan_support import consulted, make_regency
from tests.support.documents import pdf_text


@pytest.fixture
def regency(provision, tenant_db, state):
    return make_regency(provision, tenant_db, state, PASSWORD)


def _published(tenant_db, slug, unit):
    editor = Actor("editor@dinkes.go.id", GRANTS["standards_editor"], None)
    head = Actor("kadis@dinkes.go.id", GRANTS["opd_head"], None)
    with tenant_db(slug) as session:
        service = standards.create(
            session,
            editor,
            org_unit_id=unit,
            name="Surat Keterangan Sehat",
            components={k: f"Uraian {k}" for k in standards.COMPONENTS},
            promised_days=3,
        )
        consulted(session, head, service)
        standards.publish(session, head, service)
        return service.id


def _poster(app, tenant_db, slug, service_id):
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    with app.app_context(), tenant_db(slug) as session:
        ctx = SimpleNamespace(session=session, tenant=SimpleNamespace(slug=slug))
        document = build_poster(ctx, PosterParams(service_id=service_id))
        head = Letterhead("Kabupaten Pati", datetime.now(UTC), ZoneInfo("Asia/Jakarta"))
        return document, poster.render_poster(document, head)


def test_the_poster_prints_a_qr_code_of_the_survey_on_the_regencys_host(
    app, regency, tenant_db, state
):
    service_id = _published(tenant_db, regency.slug, regency.dinkes)
    document, data = _poster(app, tenant_db, regency.slug, service_id)
    base = state.settings.BASE_DOMAIN
    path = f"/p/pelayanan/services/{service_id}/survey"
    url = document.survey_url
    assert f"://{regency.slug}.{base}" in url and url.endswith(path) and "/t/" not in url
    text = pdf_text(data)
    assert document.survey_url in text.replace("\n", "")
    assert "Survei Kepuasan Masyarakat" in text and "Uraian legal_basis" in text
    drawing = poster.qr_drawing(document.survey_url)
    (widget,) = drawing.contents
    assert widget.value == document.survey_url
    # With its own domain the regency's poster points there.
    with db.platform_transaction() as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == regency.slug))
        session.add(TenantDomain(tenant_id=tenant.id, domain="layanan.patikab.go.id"))
    with app.app_context():
        document, data = _poster(app, tenant_db, regency.slug, service_id)
    assert document.survey_url.endswith(f"://layanan.patikab.go.id{path}")
    assert document.survey_url in pdf_text(data).replace("\n", "")
    # The address the QR code names opens the survey form on the regency's host.
    visitor = app.test_client()
    page = visitor.get(path, base_url=f"http://{regency.slug}.{base}")
    assert page.status_code == 200 and 'name="q9"' in page.get_data(as_text=True)
