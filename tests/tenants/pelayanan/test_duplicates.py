"""Likely duplicates: the same matter reported twice, found by words and place."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from smartcity.toolkit import Conflict, Forbidden
from sqlalchemy import select

from tenants.pelayanan import complaints, duplicates
from tenants.pelayanan.access import GRANTS, Actor
from tenants.pelayanan.models import Complaint
from tests.conftest import PASSWORD, bearer, tenant_token
from tests.pelayanan_support import REGENCY, make_regency, submission
from tests.support.web import csrf_token, sign_in

COORDINATOR = Actor("koordinator@pati.go.id", GRANTS["coordinator"], None)
OTHER_KECAMATAN = "33.18.02"

LAMPU = submission(
    title="Lampu penerangan jalan mati di Jalan Kolonel Sunandar",
    body=(
        "Sudah lima malam lampu penerangan jalan umum di Jalan Kolonel Sunandar dekat "
        "SD Negeri Pati Kidul 02 mati total, jalan gelap dan rawan begal."
    ),
    kelurahan="Pati Kidul",
    reporter_name="Siti Aminah",
)
LAMPU_AGAIN = submission(
    title="PJU mati Jl. Kol. Sunandar",
    body=(
        "Lampu jalan di Jalan Sunandar depan SD Pati Kidul mati sejak minggu lalu, "
        "malam hari gelap sekali dan rawan kejahatan. Mohon lampu penerangan diperbaiki."
    ),
    kelurahan="Pati Kidul",
    reporter_name="Bambang Wijaya",
)
SAMPAH = submission(
    category="environment",
    title="Sampah menumpuk di TPS Pasar Puri",
    body="Sampah di TPS Pasar Puri tidak diangkut tiga hari, baunya sampai ke rumah warga.",
    kelurahan="Puri",
)
LAMPU_ELSEWHERE = submission(
    title="Lampu penerangan jalan mati di Jalan Juwana",
    body="Lampu penerangan jalan umum di Jalan Raya Juwana mati, jalan gelap di malam hari.",
    kecamatan_code=OTHER_KECAMATAN,
    kelurahan="Bakaran",
)


@pytest.fixture
def regency(provision, tenant_db, state):
    return make_regency(provision, tenant_db, state, PASSWORD)


def _submit(session, form):
    complaint, code = complaints.submit(session, form, [], regency_code=REGENCY, channel="web")
    return complaint, code


def test_the_same_street_light_reported_twice_is_suggested_and_other_matters_are_not(
    regency, tenant_db
):
    with tenant_db(regency.slug) as session:
        first, _ = _submit(session, LAMPU)
        rubbish, _ = _submit(session, SAMPAH)
        elsewhere, _ = _submit(session, LAMPU_ELSEWHERE)
        old, _ = _submit(session, LAMPU)
        old.submitted_at -= timedelta(days=duplicates.WINDOW_DAYS + 5)
        again, _ = _submit(session, LAMPU_AGAIN)
        session.flush()
        found = duplicates.suggest(session, COORDINATOR, again)
        assert [c.complaint.id for c in found] == [first.id]
        (best,) = found
        assert best.place == "kelurahan" and 35 <= best.score <= 100 and best.text > 0.2
        # Different words, another kecamatan, outside the window: none of them.
        assert rubbish.id not in {c.complaint.id for c in found}
        assert elsewhere.id not in {c.complaint.id for c in found}
        # An OPD liaison is not asked to judge duplicates.
        with pytest.raises(Forbidden):
            duplicates.suggest(
                session, Actor("l", GRANTS["opd_liaison"], frozenset({regency.dinkes})), again
            )


def test_shared_positions_a_few_metres_apart_count_as_the_same_place(regency, tenant_db):
    position = {
        "share_location": True,
        "kecamatan_code": None,
        "kelurahan": None,
    }
    with tenant_db(regency.slug) as session:
        first, _ = _submit(
            session,
            submission(
                title="Jembatan kayu Dukuh Ngablak rusak",
                body="Papan jembatan kayu di Dukuh Ngablak patah dua, anak sekolah takut lewat.",
                latitude=Decimal("-6.754210"),
                longitude=Decimal("111.038120"),
                **position,
            ),
        )
        far, _ = _submit(
            session,
            submission(
                title="Jembatan kayu rusak",
                body="Jembatan kayu di desa kami rusak, papan jembatan patah, anak sekolah takut.",
                latitude=Decimal("-6.854210"),
                longitude=Decimal("111.138120"),
                **position,
            ),
        )
        again, _ = _submit(
            session,
            submission(
                title="Papan jembatan patah",
                body="Jembatan kayu Ngablak papannya patah, berbahaya untuk anak sekolah lewat.",
                latitude=Decimal("-6.754900"),
                longitude=Decimal("111.038500"),
                **position,
            ),
        )
        found = duplicates.suggest(session, COORDINATOR, again)
        assert [c.complaint.id for c in found] == [first.id]
        assert found[0].place == "nearby" and found[0].distance_m is not None
        assert found[0].distance_m < 120 and far.id not in {c.complaint.id for c in found}


def test_marking_a_duplicate_archives_it_and_its_reporter_follows_the_other_report(
    app, regency, tenant_db
):
    with tenant_db(regency.slug) as session:
        first, _ = _submit(session, LAMPU)
        again, code = _submit(session, LAMPU_AGAIN)
        first_id, again_id = first.id, again.id
    # The coordinator sees the suggestion on the complaint's page and acts on it.
    client = app.test_client()
    assert sign_in(client, regency.slug, "koordinator@pati.go.id").status_code in (302, 303)
    page = client.get(f"/t/{regency.slug}/pelayanan/complaints/{again_id}?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Possible duplicates" in html
    assert f'name="original_id" value="{first_id}"' in html
    done = client.post(
        f"/t/{regency.slug}/pelayanan/complaints/{again_id}/duplicate",
        data={"csrf_token": csrf_token(html), "original_id": str(first_id)},
    )
    assert done.status_code == 302
    with tenant_db(regency.slug) as session:
        marked = session.get_one(Complaint, again_id)
        assert marked.status == "archived" and marked.duplicate_of_id == first_id
        (row,) = complaints.dispatch(
            session, COORDINATOR, session.get_one(Complaint, first_id), [regency.dinkes], "cek"
        )
        complaints.respond(
            session,
            Actor("l", GRANTS["opd_liaison"], frozenset({regency.dinkes})),
            row,
            "Petugas sedang mengganti lampu",
            final=False,
        )
        # Once a duplicate, always the same answer: it cannot be marked again.
        with pytest.raises(Conflict) as refused:
            duplicates.mark(session, COORDINATOR, marked, first_id)
        # The refusal names the status in words, not its code ("archived").
        assert str(refused.value.message) == (
            'a complaint with the status "Archived" cannot be marked a duplicate'
        )
        with pytest.raises(Conflict) as not_now:
            complaints.dispatch(session, COORDINATOR, marked, [regency.dinkes], None)
        assert str(not_now.value.message) == (
            'a complaint with the status "Archived" cannot be dispatched'
        )
    # The second reporter's status page follows the first report, without its reporter.
    visitor = app.test_client()
    url = f"/t/{regency.slug}/api/v1/public/pelayanan/complaints/lookup"
    view = visitor.post(url, json={"code": code}).get_json()
    assert view["status"] == "archived"
    assert view["handled_under"]["status"] == "dispatched"
    assert view["handled_under"]["colour"] == "yellow"
    assert view["handled_under"]["opds"] == [{"opd": "Dinas Kesehatan", "status": "in_progress"}]
    text = str(view)
    assert "Siti" not in text and "Bambang" not in text and "Sunandar dekat" not in text
    assert "mengganti lampu" not in text


def test_the_api_lists_scores_and_refuses_marking_a_complaint_already_with_an_opd(
    regency, tenant_db, client
):
    with tenant_db(regency.slug) as session:
        first, _ = _submit(session, LAMPU)
        again, _ = _submit(session, LAMPU_AGAIN)
        complaints.dispatch(session, COORDINATOR, again, [regency.dinkes], "cek")
        first_id, again_id = first.id, again.id
    headers = bearer(tenant_token(client, regency.slug, "koordinator@pati.go.id"))
    base = f"/t/{regency.slug}/api/v1/pelayanan/complaints"
    listed = client.get(f"{base}/{first_id}/duplicates", headers=headers).get_json()
    assert [d["id"] for d in listed["duplicates"]] == [again_id]
    assert listed["duplicates"][0]["place"] == "kelurahan"
    refused = client.post(
        f"{base}/{again_id}/duplicate", json={"original_id": first_id}, headers=headers
    )
    assert refused.status_code == 409
    missing = client.post(
        f"{base}/{first_id}/duplicate", json={"original_id": 999999}, headers=headers
    )
    assert missing.status_code == 404
    liaison = bearer(tenant_token(client, regency.slug, "liaison@dinkes.go.id"))
    assert client.get(f"{base}/{first_id}/duplicates", headers=liaison).status_code == 403
    with tenant_db(regency.slug) as session:
        assert (
            session.scalar(select(Complaint.duplicate_of_id).where(Complaint.id == first_id))
            is None
        )
