"""The public consultation of a draft service standard (PermenPANRB 15/2014):
draft -> consultation (citizens comment without an account) -> approved -> published."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from smartcity.tenantcore import orgunits
from smartcity.tenantcore.models import AuditEntry
from sqlalchemy import func, select, update

from tenants.pelayanan import standards
from tenants.pelayanan.access import GRANTS, Actor
from tenants.pelayanan.models import ConsultComment, Service
from tests.conftest import PASSWORD, bearer, tenant_token
from tests.pelayanan_support import aged_stamp, make_regency
from tests.support.web import sign_in

HEAD = Actor("kadis@dinkes.go.id", GRANTS["opd_head"], None)
EDITOR = Actor("editor@dinkes.go.id", GRANTS["standards_editor"], None)


@pytest.fixture
def regency(provision, tenant_db, state):
    return make_regency(provision, tenant_db, state, PASSWORD)


def _draft(tenant_db, slug, unit, name="Surat Keterangan Sehat"):
    with tenant_db(slug) as session:
        service = standards.create(
            session,
            EDITOR,
            org_unit_id=unit,
            name=name,
            components={k: f"Uraian {k}" for k in standards.COMPONENTS},
            promised_days=3,
        )
        return service.id


def _open(tenant_db, slug, service_id, *, starts=0, days=7):
    with tenant_db(slug) as session:
        day = standards.today(session)
        standards.consult(
            session,
            HEAD,
            session.get(Service, service_id),
            opens=day + timedelta(days=starts),
            closes=day + timedelta(days=starts + days),
        )


def _close(tenant_db, slug, service_id):
    """The closing day passes (the consultation's days moved back, as time would)."""
    with tenant_db(slug) as session:
        day = standards.today(session)
        session.execute(
            update(Service)
            .where(Service.id == service_id)
            .values(consult_opens=day - timedelta(days=10), consult_closes=day - timedelta(days=1))
        )


def _guard(app, visitor, url):
    page = visitor.get(url)
    assert page.status_code == 200, page.status_code
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return page, {"csrf_token": token, "website": "", "form_ts": aged_stamp(app)}


def _comments(tenant_db, slug):
    with tenant_db(slug) as session:
        return session.scalar(select(func.count()).select_from(ConsultComment))


def test_a_draft_is_consulted_commented_on_recorded_approved_and_published(
    app, regency, tenant_db, client
):
    service_id = _draft(tenant_db, regency.slug, regency.dinkes)
    head = bearer(tenant_token(client, regency.slug, "kadis@dinkes.go.id"))
    api = f"/t/{regency.slug}/api/v1/pelayanan/services/{service_id}"
    with tenant_db(regency.slug) as session:
        day = standards.today(session)
    window = {"opens": day.isoformat(), "closes": (day + timedelta(days=7)).isoformat()}
    # A consultation longer than 90 days or ending before it opens is refused.
    too_long = {**window, "closes": (day + timedelta(days=120)).isoformat()}
    assert client.post(f"{api}/consultation", json=too_long, headers=head).status_code == 422
    backwards = {"opens": window["closes"], "closes": window["opens"]}
    assert client.post(f"{api}/consultation", json=backwards, headers=head).status_code == 422
    opened = client.post(f"{api}/consultation", json=window, headers=head)
    assert opened.status_code == 200 and opened.get_json()["status"] == "consult"
    assert client.post(f"{api}/consultation", json=window, headers=head).status_code == 409
    # Not approved while the consultation is open; the draft does not change either.
    response = {"response": "Masukan warga dimuat dalam persyaratan."}
    assert client.post(f"{api}/approve", json=response, headers=head).status_code == 409
    editor = bearer(tenant_token(client, regency.slug, "editor@dinkes.go.id"))
    patch = {"components": {"cost": "Rp 5.000"}, "promised_days": 3}
    assert client.patch(api, json=patch, headers=editor).status_code == 409

    # Citizens read the draft on the public pages and comment: named or anonymous.
    visitor = app.test_client()
    public = f"/t/{regency.slug}/p/pelayanan/consultations"
    listing = visitor.get(f"{public}?lang=en").get_data(as_text=True)
    assert "Surat Keterangan Sehat" in listing
    assert "Surat Keterangan Sehat" not in visitor.get(
        f"/t/{regency.slug}/p/pelayanan/services"
    ).get_data(as_text=True)
    page, guard = _guard(app, visitor, f"{public}/{service_id}")
    assert "Uraian legal_basis" in page.get_data(as_text=True)
    named = visitor.post(
        f"{public}/{service_id}",
        data={**guard, "name": "Siti Aminah", "body": "Mohon loket buka pukul 07.00."},
    )
    assert named.status_code == 201
    anonymous = visitor.post(
        f"{public}/{service_id}", data={**guard, "name": " ", "body": "Biaya harus nol rupiah."}
    )
    assert anonymous.status_code == 201
    indonesian = visitor.get(f"{public}/{service_id}?lang=id").get_data(as_text=True)
    assert "Konsultasi publik" in indonesian

    # Staff see the comments with counts, then the consultation closes.
    listed = client.get(f"{api}/comments", headers=head).get_json()
    assert (listed["count"], listed["named"], listed["anonymous"]) == (2, 1, 1)
    assert {c["name"] for c in listed["comments"]} == {"Siti Aminah", None}
    _close(tenant_db, regency.slug, service_id)
    closed = visitor.post(
        f"{public}/{service_id}", data={**guard, "body": "Terlambat, tetapi tetap ingin usul."}
    )
    assert closed.status_code == 409
    assert _comments(tenant_db, regency.slug) == 2
    assert "Surat Keterangan Sehat" not in visitor.get(public).get_data(as_text=True)
    # After it closed the draft may be revised from the comments; it stays consulted.
    revised = client.patch(api, json=patch, headers=editor)
    assert revised.status_code == 200 and revised.get_json()["status"] == "consult"

    # Approval needs the forum's record and how the comments were answered.
    assert client.post(f"{api}/approve", json=response, headers=head).status_code == 422
    record = {
        "held_on": (day - timedelta(days=3)).isoformat(),
        "place": "Aula Dinas Kesehatan dan Zoom",
        "participants": 42,
        "summary": "Dua usulan: jam loket dan biaya.",
    }
    bad_record = {**record, "held_on": (day + timedelta(days=2)).isoformat()}
    assert (
        client.put(f"{api}/consultation/record", json=bad_record, headers=head).status_code == 422
    )
    assert (
        client.put(f"{api}/consultation/record", json={**record, "participants": -1}, headers=head)
    ).status_code == 422
    assert client.put(f"{api}/consultation/record", json=record, headers=head).status_code == 200
    assert client.post(f"{api}/approve", json={"response": "ok"}, headers=head).status_code == 422
    approved = client.post(f"{api}/approve", json=response, headers=head)
    body = approved.get_json()
    assert approved.status_code == 200 and body["status"] == "approved"
    assert body["consultation"]["participants"] == 42
    assert body["consultation"]["response"] == response["response"]
    assert client.post(f"{api}/publish", headers=head).get_json()["status"] == "published"

    # The staff page shows the record and the comments in the reader's language.
    staff = app.test_client()
    assert sign_in(staff, regency.slug, "kadis@dinkes.go.id").status_code in (302, 303)
    edit = f"/t/{regency.slug}/pelayanan/services/{service_id}/edit"
    english = staff.get(f"{edit}?lang=en").get_data(as_text=True)
    assert "Aula Dinas Kesehatan dan Zoom" in english and "Siti Aminah" in english
    assert '<span id="comment-count">2</span>' in english and "Anonymous" in english
    assert "How the comments were answered" in english
    assert "Tanggapan atas masukan" in staff.get(f"{edit}?lang=id").get_data(as_text=True)
    with tenant_db(regency.slug) as session:
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.action.like("pelayanan.service.%"))
            .order_by(AuditEntry.id)
        ).all()
    assert actions == [
        "pelayanan.service.create",
        "pelayanan.service.consult",
        "pelayanan.service.update",
        "pelayanan.service.consult_record",
        "pelayanan.service.approve",
        "pelayanan.service.publish",
    ]


def test_hostile_comments_are_refused_without_writing(app, regency, tenant_db, provision):
    draft_id = _draft(tenant_db, regency.slug, regency.dinkes, "Masih draf")
    open_id = _draft(tenant_db, regency.slug, regency.dinkes, "Sedang dikonsultasikan")
    later_id = _draft(tenant_db, regency.slug, regency.dinkes, "Dibuka minggu depan")
    _open(tenant_db, regency.slug, open_id)
    _open(tenant_db, regency.slug, later_id, starts=7)
    visitor = app.test_client()
    public = f"/t/{regency.slug}/p/pelayanan/consultations"
    _page, guard = _guard(app, visitor, f"{public}/{open_id}")
    good = {"name": "", "body": "Persyaratan terlalu banyak."}
    # Not in consultation, not yet open, unknown: nothing to comment on.
    for missing in (draft_id, later_id, 99999999):
        assert visitor.get(f"{public}/{missing}").status_code == 404
        assert visitor.post(f"{public}/{missing}", data={**guard, **good}).status_code == 404
    # Spam guard, CSRF and size limits.
    url = f"{public}/{open_id}"
    assert visitor.post(url, data={**guard, **good, "website": "http://spam"}).status_code == 422
    assert visitor.post(url, data={**guard, **good, "form_ts": "forged"}).status_code == 422
    assert visitor.post(url, data={**good, "website": ""}).status_code == 400
    for bad in ({"body": "x" * 2001}, {"body": "pendek"}, {"body": " " * 50}, {"name": "n" * 121}):
        refused = visitor.post(url, data={**guard, **good, **bad})
        assert refused.status_code == 422, bad
    huge = visitor.post(url, data={**guard, **good, "body": "x" * 3_000_000})
    assert huge.status_code in (413, 422)
    # Another regency's consultation is not reachable through this one.
    other = provision(apps=("pelayanan",), region_code="33.19")
    with tenant_db(other) as session:
        unit = orgunits.create_unit(
            session,
            code="1.02.01",
            name="Dinkes Jepara",
            kind="dinas",
            regency_code="33.19",
            actor="tests",
        )
        unit_id = unit.id
    foreign = _draft(tenant_db, other, unit_id, "Layanan Jepara")
    _open(tenant_db, other, foreign)
    if foreign not in (draft_id, open_id, later_id):
        assert visitor.post(f"{public}/{foreign}", data={**guard, **good}).status_code == 404
    assert _comments(tenant_db, regency.slug) == 0
    assert _comments(tenant_db, other) == 0
    assert visitor.post(url, data={**guard, **good}).status_code == 201
    assert _comments(tenant_db, regency.slug) == 1


def test_comments_are_rate_limited_per_address(app, regency, tenant_db, state):
    service_id = _draft(tenant_db, regency.slug, regency.dinkes)
    _open(tenant_db, regency.slug, service_id)
    visitor = app.test_client()
    url = f"/t/{regency.slug}/p/pelayanan/consultations/{service_id}"
    _page, guard = _guard(app, visitor, url)
    limit = int(state.settings.PUBLIC_RATE_LIMIT.split()[0])
    data = {**guard, "body": "Usul: tambah loket difabel."}
    statuses = [visitor.post(url, data=data).status_code for _ in range(limit + 1)]
    assert statuses[-1] == 429 and statuses.count(201) <= limit


def test_a_standard_approved_before_the_consultation_step_stays_as_it_is(app, regency, tenant_db):
    service_id = _draft(tenant_db, regency.slug, regency.dinkes)
    with tenant_db(regency.slug) as session:  # approved the old way, before this step existed
        session.execute(update(Service).where(Service.id == service_id).values(status="approved"))
    with tenant_db(regency.slug) as session:
        service = standards.publish(session, HEAD, session.get(Service, service_id))
        assert service.status == "published" and service.consult_opens is None
    page = app.test_client().get(f"/t/{regency.slug}/p/pelayanan/services/{service_id}")
    assert page.status_code == 200
    # Changing it later sends it through the consultation like any draft.
    with tenant_db(regency.slug) as session:
        service = standards.update(
            session,
            EDITOR,
            session.get(Service, service_id),
            components={"cost": "Rp 0"},
            promised_days=3,
        )
        assert service.status == "draft"
        with pytest.raises(standards.Conflict):
            standards.approve(session, HEAD, service, "Tidak dikonsultasikan lagi.")
