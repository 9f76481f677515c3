"""The regency's proof of work on pelayanan's public forms and API: one check for both.

Off by default (the other public tests run without it). Switched on, the
complaint, survey and consultation forms carry a challenge for that form; the API
hands one out at ``GET /challenge?form=`` and takes the nonce in the JSON body.
A challenge of one form, or one regency, opens no other; a solution is spent once.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tenants.pelayanan import standards
from tenants.pelayanan.access import GRANTS, Actor
from tenants.pelayanan.models import Complaint, ConsultComment, SurveyResponse
from tests.conftest import PASSWORD
from tests.pelayanan_support import KECAMATAN, aged_stamp, consulted, make_regency
from tests.support.pow import challenge_in, opened, solve, switch_on, wrong_nonce

BITS = 10
EDITOR = Actor("editor@dinkes.go.id", GRANTS["standards_editor"], None)
HEAD = Actor("kadis@dinkes.go.id", GRANTS["opd_head"], None)
ANSWERS = {f"q{i}": 3 for i in range(1, 10)}
REPORT = {
    "classification": "complaint",
    "category": "infrastructure",
    "title": "Lampu jalan mati",
    "body": "Lampu jalan di gang tiga mati sejak sebulan, gelap dan rawan.",
    "kecamatan_code": KECAMATAN,
    "anonymous": "1",
}


@pytest.fixture
def regency(provision, tenant_db, state):
    found = make_regency(provision, tenant_db, state, PASSWORD)
    switch_on(tenant_db, found.slug, BITS)
    return found


def _service(tenant_db, slug, unit, name="Surat Keterangan Sehat", *, publish=True):
    with tenant_db(slug) as session:
        service = standards.create(
            session,
            EDITOR,
            org_unit_id=unit,
            name=name,
            components={k: f"Uraian {k}" for k in standards.COMPONENTS},
            promised_days=3,
        )
        if publish:
            consulted(session, HEAD, service)
            standards.publish(session, HEAD, service)
        else:
            day = standards.today(session)
            standards.consult(session, HEAD, service, opens=day, closes=day + timedelta(days=7))
        return service.id


def _page(app, visitor, url):
    """The form's guard fields (stamp aged) and its challenge."""
    page = visitor.get(url)
    assert page.status_code == 200, page.status_code
    text = page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
    challenge, bits = challenge_in(text)
    guard = {"csrf_token": token, "website": "", "form_ts": aged_stamp(app)}
    return text, guard, challenge, bits


def _count(tenant_db, slug, model):
    with tenant_db(slug) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_the_complaint_form_goes_with_a_solved_challenge_once(app, regency, tenant_db):
    visitor = app.test_client()
    base = f"/t/{regency.slug}/p/pelayanan"
    text, guard, challenge, bits = _page(app, visitor, f"{base}/complaints/new")
    assert bits == BITS and opened(app, challenge)["f"] == "pelayanan.complaint"
    assert "<noscript>" in text and "memerlukan JavaScript" in text
    english = app.test_client().get(f"{base}/complaints/new?lang=en").get_data(as_text=True)
    assert "which needs JavaScript" in english and "Checking your browser" in english
    url = f"{base}/complaints"
    data = {**guard, **REPORT, "pow_challenge": challenge}
    # Without the script (no nonce), wrong nonce: refused with a clear word, nothing written.
    missing = visitor.post(url, data=data)
    assert missing.status_code == 422 and "memerlukan JavaScript" in missing.get_data(as_text=True)
    assert (
        visitor.post(url, data={**data, "pow_nonce": wrong_nonce(challenge, bits)}).status_code
        == 422
    )
    assert _count(tenant_db, regency.slug, Complaint) == 0
    solved = {**data, "pow_nonce": solve(challenge, bits)}
    sent = visitor.post(url, data=solved)
    assert sent.status_code == 201, sent.get_data(as_text=True)[:300]
    replayed = visitor.post(url, data=solved)
    assert replayed.status_code == 422 and "sudah pernah dikirim" in replayed.get_data(as_text=True)
    assert _count(tenant_db, regency.slug, Complaint) == 1


def test_a_refused_complaint_comes_back_with_a_fresh_challenge(app, regency, tenant_db):
    visitor = app.test_client()
    base = f"/t/{regency.slug}/p/pelayanan"
    _text, guard, challenge, bits = _page(app, visitor, f"{base}/complaints/new")
    data = {**guard, **REPORT, "category": "nope", "pow_challenge": challenge}
    bad = visitor.post(f"{base}/complaints", data={**data, "pow_nonce": solve(challenge, bits)})
    assert bad.status_code == 422
    fresh, _bits = challenge_in(bad.get_data(as_text=True))
    assert fresh != challenge  # the spent one is not offered again
    assert _count(tenant_db, regency.slug, Complaint) == 0


def test_each_forms_challenge_opens_that_form_only(app, regency, tenant_db, provision, state):
    published = _service(tenant_db, regency.slug, regency.dinkes)
    draft = _service(tenant_db, regency.slug, regency.dinkes, "Izin Praktik", publish=False)
    visitor = app.test_client()
    base = f"/t/{regency.slug}/p/pelayanan"
    _t, guard, complaint, bits = _page(app, visitor, f"{base}/complaints/new")
    _t, survey_guard, survey, _b = _page(app, visitor, f"{base}/services/{published}/survey")
    _t, consult_guard, consult, _b = _page(app, visitor, f"{base}/consultations/{draft}")
    assert opened(app, survey)["f"] == "pelayanan.survey"
    assert opened(app, consult)["f"] == "pelayanan.consultation"
    survey_form = {**survey_guard, **{k: str(v) for k, v in ANSWERS.items()}}
    comment = {**consult_guard, "body": "Usul: tambah loket difabel."}
    posts = (
        (f"{base}/complaints", {**guard, **REPORT}),
        (f"{base}/services/{published}/survey", survey_form),
        (f"{base}/consultations/{draft}", comment),
    )
    challenges = (complaint, survey, consult)
    for index, (url, data) in enumerate(posts):
        for other, foreign in enumerate(challenges):
            if other != index:
                solved = {**data, "pow_challenge": foreign, "pow_nonce": solve(foreign, bits)}
                assert visitor.post(url, data=solved).status_code == 422, (url, other)
    # Another regency's complaint challenge, solved, on this regency's complaint form.
    elsewhere = make_regency(provision, tenant_db, state, PASSWORD)
    switch_on(tenant_db, elsewhere.slug, BITS)
    theirs = _page(app, visitor, f"/t/{elsewhere.slug}/p/pelayanan/complaints/new")[2]
    solved = {**guard, **REPORT, "pow_challenge": theirs, "pow_nonce": solve(theirs, bits)}
    assert visitor.post(f"{base}/complaints", data=solved).status_code == 422
    for model in (Complaint, SurveyResponse, ConsultComment):
        assert _count(tenant_db, regency.slug, model) == 0
    # Each with its own challenge: all three go.
    for (url, data), mine in zip(posts, challenges, strict=True):
        solved = {**data, "pow_challenge": mine, "pow_nonce": solve(mine, bits)}
        assert visitor.post(url, data=solved).status_code == 201, url
    for model in (Complaint, SurveyResponse, ConsultComment):
        assert _count(tenant_db, regency.slug, model) == 1


def test_the_api_hands_out_challenges_and_checks_them_like_the_pages(app, regency, tenant_db):
    published = _service(tenant_db, regency.slug, regency.dinkes)
    citizen = app.test_client()
    base = f"/t/{regency.slug}/api/v1/public/pelayanan"
    report = {**REPORT, "anonymous": True}
    for hostile in ("", "nope", "complaint%00", "²", "x" * 5000):
        assert citizen.get(f"{base}/challenge", query_string={"form": hostile}).status_code == 422
    given = citizen.get(f"{base}/challenge?form=complaint").get_json()
    assert given["required"] is True and given["difficulty"] == BITS
    assert given["challenge_field"] == "pow_challenge" and given["nonce_field"] == "pow_nonce"
    challenge = given["challenge"]
    assert opened(app, challenge)["f"] == "pelayanan.complaint"
    # A page's challenge and an API one are the same thing: one code path.
    missing = citizen.post(f"{base}/complaints", json=report, headers={"Accept-Language": "en"})
    assert missing.status_code == 422
    assert "needs JavaScript" in missing.get_json()["error"]["localized"]
    wrong = {**report, "pow_challenge": challenge, "pow_nonce": wrong_nonce(challenge, BITS)}
    assert citizen.post(f"{base}/complaints", json=wrong).status_code == 422
    for hostile in ("²", "-5", "1" * 21, 12):
        body = {**report, "pow_challenge": challenge, "pow_nonce": hostile}
        assert citizen.post(f"{base}/complaints", json=body).status_code == 422
    survey = citizen.get(f"{base}/challenge?form=survey").get_json()["challenge"]
    crossed = {**report, "pow_challenge": survey, "pow_nonce": solve(survey, BITS)}
    assert citizen.post(f"{base}/complaints", json=crossed).status_code == 422
    assert _count(tenant_db, regency.slug, Complaint) == 0
    solved = {**report, "pow_challenge": challenge, "pow_nonce": solve(challenge, BITS)}
    made = citizen.post(f"{base}/complaints", json=solved)
    assert made.status_code == 201 and made.get_json()["tracking_code"]
    replay = citizen.post(f"{base}/complaints", json=solved, headers={"Accept-Language": "id"})
    assert replay.status_code == 422
    assert "sudah pernah dikirim" in replay.get_json()["error"]["localized"]
    assert _count(tenant_db, regency.slug, Complaint) == 1
    # The survey over the API, with its own challenge.
    answer = {**ANSWERS, "pow_challenge": survey, "pow_nonce": solve(survey, BITS)}
    assert citizen.post(f"{base}/services/{published}/survey", json=answer).status_code == 201
    assert citizen.post(f"{base}/services/{published}/survey", json=answer).status_code == 422
    assert _count(tenant_db, regency.slug, SurveyResponse) == 1


def test_off_the_api_says_no_challenge_is_needed(app, provision, tenant_db, state):
    slug = make_regency(provision, tenant_db, state, PASSWORD).slug
    base = f"/t/{slug}/api/v1/public/pelayanan"
    given = app.test_client().get(f"{base}/challenge?form=survey").get_json()
    assert given["required"] is False and given["challenge"] is None and given["difficulty"] == 0


def test_the_openapi_document_says_how_to_get_and_send_a_challenge(app, regency):
    document = app.test_client().get(f"/t/{regency.slug}/api/v1/openapi.json").get_json()
    operation = document["paths"]["/public/pelayanan/challenge"]["get"]
    assert operation["security"] == [] and "SHA-256" in operation["summary"]
    schemas = document["components"]["schemas"]
    assert {"pow_challenge", "pow_nonce"} <= set(schemas["ComplaintIn"]["properties"])
    assert {"pow_challenge", "pow_nonce"} <= set(schemas["SurveyIn"]["properties"])
    assert {"challenge", "difficulty", "required"} <= set(schemas["ChallengeOut"]["properties"])
