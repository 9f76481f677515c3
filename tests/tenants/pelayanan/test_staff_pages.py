"""Staff pages: editing a service standard through its workflow, and the regency's settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from smartcity.tenantcore.models import AuditEntry
from sqlalchemy import select

from tenants.pelayanan import config, standards
from tenants.pelayanan.models import Service
from tests.conftest import PASSWORD
from tests.pelayanan_support import make_regency
from tests.support.web import csrf_token, sign_in

COMPONENT_TEXT = {
    "legal_basis": "Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik",
    "requirements": "Fotokopi KTP dan KK; surat pengantar RT/RW",
    "procedure": "Pemohon mengisi formulir, petugas memverifikasi, kepala seksi menandatangani",
    "time": "3 hari kerja",
    "cost": "Tidak dipungut biaya",
    "product": "Surat keterangan sehat",
    "facilities": "Ruang tunggu, loket, toilet, kursi roda",
    "competence": "Tenaga kesehatan bersertifikat",
    "supervision": "Kepala Puskesmas dan Inspektorat",
    "complaints": "Kotak saran, WhatsApp 0812-0000-2222, SP4N-LAPOR!",
    "staff_count": "4 orang",
    "guarantee": "Maklumat pelayanan dipajang di loket",
    "security": "Data pemohon dijaga kerahasiaannya",
    "evaluation": "Evaluasi kinerja petugas setiap triwulan",
}


@pytest.fixture
def regency(provision, tenant_db, state):
    return make_regency(provision, tenant_db, state, PASSWORD)


def _client(app, slug, email):
    client = app.test_client()
    assert sign_in(client, slug, email).status_code in (302, 303)
    client.get(f"/t/{slug}/pelayanan/?lang=en")  # the session keeps the language
    return client


def _fields(**components):
    return {f"c_{k}": v for k, v in components.items()}


def test_an_editor_drafts_all_fourteen_components_and_the_head_approves_and_publishes(
    app, regency, tenant_db
):
    editor = _client(app, regency.slug, "editor@dinkes.go.id")
    base = f"/t/{regency.slug}/pelayanan/services"
    form = editor.get(f"{base}/new")
    html = form.get_data(as_text=True)
    assert form.status_code == 200
    assert all(f'name="c_{key}"' in html for key in standards.COMPONENTS)
    assert "Dinas Kesehatan" in html and "Dinas Pendidikan" not in html
    # Without the CSRF token nothing is saved.
    assert editor.post(f"{base}/new", data={"name": "Surat sehat"}).status_code == 400
    half = dict(list(COMPONENT_TEXT.items())[:7])
    made = editor.post(
        f"{base}/new",
        data={
            "csrf_token": csrf_token(html),
            "org_unit_id": str(regency.dinkes),
            "name": "Surat Keterangan Sehat",
            "promised_days": "3",
            **_fields(**half),
        },
    )
    assert made.status_code == 302
    with tenant_db(regency.slug) as session:
        service = session.scalars(select(Service)).one()
        assert service.status == "draft" and service.components["time"] == "3 hari kerja"
        service_id = service.id
    edit = f"{base}/{service_id}/edit"
    # The head cannot consult on an incomplete draft: the page names the missing components.
    head = _client(app, regency.slug, "kadis@dinkes.go.id")
    page = head.get(edit).get_data(as_text=True)
    refused = head.post(
        f"{base}/{service_id}/consult",
        data={"csrf_token": csrf_token(page), "opens": "2026-01-01", "closes": "2026-01-10"},
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and html.count("Required before approval.") == 7
    # Nor approve a draft that skipped the public consultation.
    skipped = head.post(
        f"{base}/{service_id}/approve",
        data={"csrf_token": csrf_token(page), "response": "Tidak ada konsultasi."},
    )
    assert skipped.status_code == 409
    # The editor completes it; then approve and publish.
    page = editor.get(edit).get_data(as_text=True)
    saved = editor.post(
        edit,
        data={"csrf_token": csrf_token(page), "promised_days": "3", **_fields(**COMPONENT_TEXT)},
    )
    assert saved.status_code == 302
    # A consultation held last month is recorded, then the head approves.
    with tenant_db(regency.slug) as session:
        day = standards.today(session)
    page = head.get(edit).get_data(as_text=True)
    token = csrf_token(page)
    consulted = head.post(
        f"{base}/{service_id}/consult",
        data={
            "csrf_token": token,
            "opens": (day - timedelta(days=30)).isoformat(),
            "closes": (day - timedelta(days=16)).isoformat(),
        },
    )
    assert consulted.status_code == 302
    recorded = head.post(
        f"{base}/{service_id}/consult/record",
        data={
            "csrf_token": token,
            "held_on": (day - timedelta(days=20)).isoformat(),
            "place": "Aula Dinas Kesehatan",
            "participants": "40",
            "summary": "Warga meminta loket dibuka lebih pagi.",
        },
    )
    assert recorded.status_code == 302
    approved = head.post(
        f"{base}/{service_id}/approve",
        data={"csrf_token": token, "response": "Loket dibuka pukul 07.30 sesuai masukan."},
    )
    assert approved.status_code == 302
    page = head.get(edit).get_data(as_text=True)
    assert "Publish" in page
    assert (
        head.post(f"{base}/{service_id}/publish", data={"csrf_token": csrf_token(page)}).status_code
        == 302
    )
    catalogue = app.test_client().get(f"/t/{regency.slug}/p/pelayanan/services/{service_id}")
    assert catalogue.status_code == 200 and "Maklumat pelayanan" in catalogue.get_data(as_text=True)
    # Editing a published standard takes it out of the catalogue until approved again.
    page = editor.get(edit).get_data(as_text=True)
    editor.post(
        edit,
        data={
            "csrf_token": csrf_token(page),
            "promised_days": "2",
            **_fields(**{**COMPONENT_TEXT, "time": "2 hari kerja"}),
        },
    )
    gone = app.test_client().get(f"/t/{regency.slug}/p/pelayanan/services/{service_id}")
    assert gone.status_code == 404
    with tenant_db(regency.slug) as session:
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.action.like("pelayanan.service.%"))
            .order_by(AuditEntry.id)
        ).all()
    assert actions == [
        "pelayanan.service.create",
        "pelayanan.service.update",
        "pelayanan.service.consult",
        "pelayanan.service.consult_record",
        "pelayanan.service.approve",
        "pelayanan.service.publish",
        "pelayanan.service.update",
    ]
    # The head approves but does not draft; a viewer neither.
    assert head.get(f"{base}/new").status_code == 403
    viewer = _client(app, regency.slug, "viewer@pati.go.id")
    assert "Save as draft" not in viewer.get(edit).get_data(as_text=True)


def test_a_bad_standard_form_shows_each_error_under_its_field_in_both_languages(
    app, regency, tenant_db
):
    editor = _client(app, regency.slug, "editor@dinkes.go.id")
    url = f"/t/{regency.slug}/pelayanan/services/new"
    bad = {
        "org_unit_id": str(regency.disdik),  # not the editor's OPD
        "name": "Surat Keterangan Sehat",
        "promised_days": "tiga",
        "c_cost": "x" * (standards.MAX_COMPONENT + 1),
    }
    for lang, expected in (
        ("en", "A whole number from 1 to 365, or empty."),
        ("id", "Bilangan bulat 1 sampai 365, atau kosong."),
    ):
        page = editor.get(f"{url}?lang={lang}").get_data(as_text=True)
        refused = editor.post(url, data={"csrf_token": csrf_token(page), **bad})
        assert refused.status_code == 422
        html = refused.get_data(as_text=True)
        assert expected in html and "tiga" in html
    page = editor.get(f"{url}?lang=en").get_data(as_text=True)
    other = editor.post(url, data={"csrf_token": csrf_token(page), **bad, "promised_days": ""})
    assert other.status_code == 403
    with tenant_db(regency.slug) as session:
        assert session.scalars(select(Service)).all() == []


def test_the_coordinator_sets_the_deadlines_on_a_page_with_errors_in_both_languages(
    app, regency, tenant_db
):
    coordinator = _client(app, regency.slug, "koordinator@pati.go.id")
    url = f"/t/{regency.slug}/pelayanan/settings"
    values = {key: str(value) for key, value in config.ComplaintRules().__dict__.items()}
    page = coordinator.get(f"{url}?lang=id").get_data(as_text=True)
    refused = coordinator.post(
        url, data={"csrf_token": csrf_token(page), **values, "verify_days": "0"}
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Bilangan bulat 1 sampai 30." in html
    page = coordinator.get(f"{url}?lang=en").get_data(as_text=True)
    refused = coordinator.post(
        url, data={"csrf_token": csrf_token(page), **values, "respond_days": "-1"}
    )
    assert "A whole number from 1 to 60." in refused.get_data(as_text=True)
    saved = coordinator.post(
        url, data={"csrf_token": csrf_token(page), **values, "verify_days": "5"}
    )
    assert saved.status_code == 302
    with tenant_db(regency.slug) as session:
        assert config.rules(session).verify_days == 5
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "pelayanan.settings")
        ).one()
        assert audit.before["verify_days"] == 3 and audit.after["verify_days"] == 5
    # Only who holds the settings permission reaches the page.
    liaison = _client(app, regency.slug, "liaison@dinkes.go.id")
    assert liaison.get(url).status_code == 403
    assert liaison.post(url, data=values).status_code in (400, 403)
