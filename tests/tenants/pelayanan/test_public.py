"""Public services as a citizen (or an attacker) without an account sees them."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from tenants.pelayanan import codes, complaints, ikm, standards
from tenants.pelayanan.access import GRANTS, Actor
from tenants.pelayanan.models import Complaint
from tenants.pelayanan.public import WRONG_CODES
from tenants.pelayanan.reports import PosterParams, build_poster
from tests.conftest import PASSWORD
from tests.pelayanan_support import (
    KECAMATAN,
    REGENCY,
    aged_stamp,
    consulted,
    jpeg_with_gps,
    make_regency,
    submission,
)

COORDINATOR = Actor("koordinator@pati.go.id", GRANTS["coordinator"], None)


@pytest.fixture
def regency(provision, tenant_db, state):
    return make_regency(provision, tenant_db, state, PASSWORD)


def _fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', html))


def _form(app, visitor, slug):
    page = visitor.get(f"/t/{slug}/p/pelayanan/complaints/new")
    assert page.status_code == 200
    fields = _fields(page.get_data(as_text=True))
    return {"csrf_token": fields["csrf_token"], "website": "", "form_ts": aged_stamp(app)}


def test_a_citizen_reports_on_the_form_and_tracks_it_without_an_account(app, regency, tenant_db):
    visitor = app.test_client()
    guard = _form(app, visitor, regency.slug)
    data = {
        **guard,
        "classification": "complaint",
        "category": "infrastructure",
        "title": "Lampu jalan mati",
        "body": "Lampu jalan di gang tiga mati sejak sebulan, gelap dan rawan.",
        "kecamatan_code": KECAMATAN,
        "kelurahan": "Pati Lor",
        "reporter_name": "Budi Santoso",
        "confidential": "1",
        "attachments": [(__import__("io").BytesIO(jpeg_with_gps()), "lampu.jpg")],
    }
    sent = visitor.post(
        f"/t/{regency.slug}/p/pelayanan/complaints", data=data, content_type="multipart/form-data"
    )
    assert sent.status_code == 201, sent.get_data(as_text=True)[:500]
    code = re.search(r'id="tracking-code">([^<]+)<', sent.get_data(as_text=True)).group(1).strip()
    assert codes.normalize(code)
    # Staff act; the citizen's status page shows the OPD and its answer but no person.
    with tenant_db(regency.slug) as session:
        complaint = complaints.by_code(session, code)
        assert complaint.confidential and complaint.reporter_name == "Budi Santoso"
        (row,) = complaints.dispatch(session, COORDINATOR, complaint, [regency.dinkes], "Segera")
        staff = Actor(
            "petugas.rahasia@dinkes.go.id", GRANTS["opd_liaison"], frozenset({regency.dinkes})
        )
        complaints.respond(session, staff, row, "Lampu sudah diganti", final=True)
    track = visitor.get(f"/t/{regency.slug}/p/pelayanan/track")
    token = _fields(track.get_data(as_text=True))["csrf_token"]
    shown = visitor.post(
        f"/t/{regency.slug}/p/pelayanan/track", data={"csrf_token": token, "code": code}
    )
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "Dinas Kesehatan" in text and "Lampu sudah diganti" in text
    assert (
        "Budi Santoso" not in text and "petugas.rahasia" not in text and "koordinator" not in text
    )
    rated = visitor.post(
        f"/t/{regency.slug}/p/pelayanan/track/rate",
        data={"csrf_token": token, "code": code, "rating": "5"},
    )
    assert rated.status_code == 200
    with tenant_db(regency.slug) as session:
        assert complaints.by_code(session, code).status == "closed"


def test_the_form_refuses_bots_and_bad_input_without_writing(app, regency, tenant_db):
    visitor = app.test_client()
    guard = _form(app, visitor, regency.slug)
    url = f"/t/{regency.slug}/p/pelayanan/complaints"
    good = {
        **guard,
        "classification": "complaint",
        "category": "other",
        "title": "Judul cukup",
        "body": "Isi laporan yang cukup panjang untuk diterima.",
        "anonymous": "1",
    }
    assert visitor.post(url, data={**good, "website": "http://spam"}).status_code == 422
    assert visitor.post(url, data={**good, "csrf_token": ""}).status_code == 400
    assert visitor.post(url, data={**good, "form_ts": "forged"}).status_code == 422
    bad = visitor.post(
        url, data={**good, "category": "nope", "latitude": "NaN", "share_location": "1"}
    )
    assert bad.status_code == 422
    svg = visitor.post(
        url,
        data={
            **good,
            "attachments": [(__import__("io").BytesIO(b"<svg onload=alert(1)>"), "x.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert svg.status_code == 422 and "JPEG" in svg.get_data(as_text=True)
    with tenant_db(regency.slug) as session:
        assert session.scalar(select(Complaint.id)) is None


def test_guessing_tracking_codes_finds_nothing_and_is_rate_limited(app, regency, tenant_db, state):
    with tenant_db(regency.slug) as session:
        complaints.submit(
            session, submission(confidential=True), [], regency_code=REGENCY, channel="web"
        )
    guesser = app.test_client()
    url = f"/t/{regency.slug}/api/v1/public/pelayanan/complaints/lookup"
    limit = int(state.settings.PUBLIC_RATE_LIMIT.split()[0])
    statuses = []
    for _ in range(limit + 1):
        response = guesser.post(url, json={"code": codes.new_code()})
        statuses.append(response.status_code)
        assert "Siti" not in response.get_data(as_text=True)
    # Wrong codes run out before the page limit does (see test_tracking_limits).
    wrong = int(WRONG_CODES.per_address.split()[0])
    assert set(statuses[:wrong]) == {404} and set(statuses[wrong:]) == {429}
    # A malformed code answers exactly like a wrong one.
    elsewhere = {"REMOTE_ADDR": "10.9.8.7"}
    malformed = guesser.post(url, json={"code": "' OR 1=1 --"}, environ_base=elsewhere)
    wrong = guesser.post(url, json={"code": codes.new_code()}, environ_base=elsewhere)
    assert malformed.status_code == wrong.status_code == 404
    assert malformed.get_json() == wrong.get_json()


def test_the_public_api_takes_a_report_and_refuses_a_filled_honeypot(app, regency, tenant_db):
    citizen = app.test_client()
    base = f"/t/{regency.slug}/api/v1/public/pelayanan"
    body = {
        "classification": "aspiration",
        "category": "education",
        "title": "Perpustakaan desa",
        "body": "Mohon dibangun perpustakaan desa di kecamatan kami.",
        "anonymous": True,
        "reporter_name": "Tidak disimpan",
    }
    assert citizen.post(f"{base}/complaints", json={**body, "website": "x"}).status_code == 422
    assert citizen.post(f"{base}/complaints", json={**body, "latitude": "1e999"}).status_code == 422
    made = citizen.post(f"{base}/complaints", json=body)
    assert made.status_code == 201
    code = made.get_json()["tracking_code"]
    seen = citizen.post(f"{base}/complaints/lookup", json={"code": code}).get_json()
    assert seen["status"] == "new" and seen["colour"] == "red" and "reporter_name" not in seen
    with tenant_db(regency.slug) as session:
        assert complaints.by_code(session, code).reporter_name is None  # anonymous: not kept
    assert (
        citizen.post(f"{base}/complaints/rate", json={"code": code, "rating": 5}).status_code == 409
    )


# --------------------------------------------------------------------------- standards


def _complete() -> dict[str, str]:
    return {key: f"Uraian {label}" for key, label in standards.COMPONENTS.items()}


def test_a_standard_reaches_the_public_catalogue_only_once_approved_and_published(
    app, regency, tenant_db
):
    editor = Actor("editor@dinkes.go.id", GRANTS["standards_editor"], frozenset({regency.dinkes}))
    head = Actor("kadis@dinkes.go.id", GRANTS["opd_head"], frozenset({regency.dinkes}))
    other_head = Actor("kadis@disdik.go.id", GRANTS["opd_head"], frozenset({regency.disdik}))
    with tenant_db(regency.slug) as session:
        service = standards.create(
            session,
            editor,
            org_unit_id=regency.dinkes,
            name="Surat Keterangan Sehat",
            components={"requirements": "KTP"},
            promised_days=1,
        )
        with pytest.raises(standards.Forbidden if hasattr(standards, "Forbidden") else Exception):
            standards.create(
                session,
                editor,
                org_unit_id=regency.disdik,
                name="Bukan OPD-nya",
                components={},
                promised_days=None,
            )
        with pytest.raises(Exception, match="every component"):
            consulted(session, head, service)
        standards.update(session, editor, service, components=_complete(), promised_days=1)
        with pytest.raises(Exception, match="OPD"):
            consulted(session, other_head, service)
        consulted(session, head, service)
        service_id = service.id
    visitor = app.test_client()
    catalogue = f"/t/{regency.slug}/p/pelayanan/services"
    assert "Surat Keterangan Sehat" not in visitor.get(catalogue).get_data(as_text=True)
    assert visitor.get(f"{catalogue}/{service_id}").status_code == 404
    with tenant_db(regency.slug) as session:
        standards.publish(session, head, session.get(standards.Service, service_id))
    found = visitor.get(f"{catalogue}?q=sehat").get_data(as_text=True)
    assert "Surat Keterangan Sehat" in found
    assert "Surat Keterangan Sehat" not in visitor.get(f"{catalogue}?q=%25_zz").get_data(
        as_text=True
    )
    page = visitor.get(f"{catalogue}/{service_id}")
    assert page.status_code == 200 and "Uraian" in page.get_data(as_text=True)
    api = visitor.get(f"/t/{regency.slug}/api/v1/public/pelayanan/services?q=kesehatan").get_json()
    assert [s["name"] for s in api["services"]] == ["Surat Keterangan Sehat"]

    class Ctx:
        def __init__(self, session):
            self.session = session
            self.tenant = type("T", (), {"slug": regency.slug})

    with app.app_context(), tenant_db(regency.slug) as session:
        poster = build_poster(Ctx(session), PosterParams(service_id=service_id))
        assert len(poster.sections[0].rows) == 14 and "Surat Keterangan Sehat" in poster.title
        # Changing a published standard takes it off the catalogue until approved again.
        standards.update(
            session,
            editor,
            session.get(standards.Service, service_id),
            components={"cost": "Rp 0"},
            promised_days=1,
        )
    assert visitor.get(f"{catalogue}/{service_id}").status_code == 404


# --------------------------------------------------------------------------- IKM


def test_the_satisfaction_index_and_its_grades_follow_permenpanrb_14_2017():
    assert ikm.index([]) is None and ikm.grade(None) is None
    assert ikm.index([[4] * 9]) == Decimal("100.00") and ikm.grade(Decimal("100")) == "A"
    assert ikm.index([[1] * 9]) == Decimal("25.00") and ikm.grade(Decimal("25.00")) == "D"
    # Two respondents: element means 3.5 x 4 and 3 x 5 -> (14 + 15) / 9 x 25 = 80.56.
    two = [[4, 4, 4, 4, 3, 3, 3, 3, 3], [3, 3, 3, 3, 3, 3, 3, 3, 3]]
    assert ikm.element_means(two)[0] == Decimal("3.5")
    assert ikm.index(two) == Decimal("80.56") and ikm.grade(ikm.index(two)) == "B"
    for value, letter in (
        ("88.31", "A"),
        ("88.30", "B"),
        ("76.61", "B"),
        ("76.60", "C"),
        ("65.00", "C"),
        ("64.99", "D"),
    ):
        assert ikm.grade(Decimal(value)) == letter, value
    assert not ikm.valid_answers([4] * 8) and not ikm.valid_answers([5] + [4] * 8)
    assert ikm.valid_answers([1, 2, 3, 4, 1, 2, 3, 4, 1])
