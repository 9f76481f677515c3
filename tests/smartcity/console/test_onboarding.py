"""Onboarding a regency outside the demo list: the region field, the landing page."""

from __future__ import annotations

import html
import re

from smartcity.db import db
from smartcity.tenancy.models import PlatformAuditEntry, Tenant, TenantStatus
from smartcity.tenantcore.models import OrgUnit
from sqlalchemy import func, select

from tests.conftest import PASSWORD, take_region, unique_slug
from tests.support.console import page_token, signed_in_console


def _provision_form(client, slug: str, region: str, **extra: str):
    token = page_token(client, "/platform/tenants/new")
    data = {
        "csrf_token": token,
        "name": "Kabupaten Sleman",
        "region_code": region,
        "slug": slug,
        "admin_email": "admin@slemankab.go.id",
        "admin_name": "Admin Diskominfo Sleman",
        "admin_password": PASSWORD,
        **extra,
    }
    return client.post("/platform/tenants/new", data=data)


def test_the_region_is_a_searchable_choice_of_every_kab_kota(app):
    client = signed_in_console(app)
    page = client.get("/platform/tenants/new").get_data(as_text=True)
    assert 'list="region-options"' in page
    options = page.count("<option value=")
    assert options >= 514  # every kab/kota, not the 12 demo ones
    assert "Kabupaten Sleman (34.04)" in page and "Kota Jayapura (91.71)" in page


def test_an_operator_provisions_a_region_outside_the_demo_list(app):
    code = take_region("34.04")
    client = signed_in_console(app)
    slug = unique_slug("sleman")
    response = _provision_form(client, slug, f"Kabupaten Sleman ({code})")
    assert response.status_code == 303, response.get_data(as_text=True)
    with db.platform_transaction() as session:
        tenant = session.scalars(select(Tenant).where(Tenant.slug == slug)).one()
        assert (tenant.region_code, tenant.province) == ("34.04", "Daerah Istimewa Yogyakarta")


def test_a_second_regency_for_a_region_is_refused_in_words_then_reprovisioned(app):
    code = take_region("34.71")  # Kota Yogyakarta
    client = signed_in_console(app)
    first, second = unique_slug("yogya"), unique_slug("yogya-baru")
    assert _provision_form(client, first, code).status_code == 303
    refused = _provision_form(client, second, code)
    assert refused.status_code == 409
    page = html.unescape(refused.get_data(as_text=True))
    assert f"sudah disiapkan sebagai '{first}'" in page

    with db.platform_transaction() as session:
        tenant = session.scalars(select(Tenant).where(Tenant.slug == first)).one()
        tenant.status = TenantStatus.ARCHIVED
    unconfirmed = _provision_form(client, second, code)
    assert unconfirmed.status_code == 409
    assert f"'{first}' telah diarsipkan" in html.unescape(unconfirmed.get_data(as_text=True))
    again = _provision_form(client, second, code, reprovision="y")
    assert again.status_code == 303, again.get_data(as_text=True)
    with db.platform_transaction() as session:
        entry = session.scalars(
            select(PlatformAuditEntry)
            .where(PlatformAuditEntry.action == "tenant.provision")
            .order_by(PlatformAuditEntry.id.desc())
            .limit(1)
        ).one()
        assert entry.detail["reprovision_of"] == first


def test_the_platform_root_is_a_bilingual_landing_page(client, provision):
    slug = provision()
    with db.platform_transaction() as session:
        name = session.scalars(select(Tenant.name).where(Tenant.slug == slug)).one()
    page = client.get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Pegawai kabupaten atau kota" in text
    assert f'href="http://localhost/t/{slug}/login"' in text and name in text
    assert 'href="/platform/login"' in text
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "Staff of a regency or city" in english and "Operator console" in english


def test_an_unknown_tenant_address_is_still_a_404(client, provision):
    assert client.get("/t/nobody-here/").status_code == 404


def test_provisioning_can_start_the_regency_with_the_standard_org_units(app, tenant_db):
    code = take_region("35.18")  # Kabupaten Nganjuk: 20 kecamatan
    client = signed_in_console(app)
    form = client.get("/platform/tenants/new").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*id="standard_units"', form)  # on unless unticked
    slug = unique_slug("nganjuk")
    assert _provision_form(client, slug, code, standard_units="y").status_code == 303
    with tenant_db(slug) as session:
        kinds = dict(
            session.execute(select(OrgUnit.kind, func.count()).group_by(OrgUnit.kind)).all()
        )
    assert kinds["kecamatan"] == 20 and kinds["dinas"] >= 20
