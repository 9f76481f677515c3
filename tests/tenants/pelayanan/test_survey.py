"""The public SKM survey (PermenPANRB 14/2017): no account needed, hostile input refused."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from smartcity.errors import InvalidInput
from sqlalchemy import func, select

from tenants.pelayanan import config, standards, survey
from tenants.pelayanan.access import GRANTS, Actor
from tenants.pelayanan.models import SurveyResponse
from tests.conftest import PASSWORD
from tests.pelayanan_support import aged_stamp, consulted, make_regency


@pytest.fixture
def regency(provision, tenant_db, state):
    return make_regency(provision, tenant_db, state, PASSWORD)


def _service(tenant_db, slug, unit, name="Surat Keterangan Sehat", *, publish=True):
    editor = Actor("editor@dinkes.go.id", GRANTS["standards_editor"], None)
    head = Actor("kadis@dinkes.go.id", GRANTS["opd_head"], None)
    with tenant_db(slug) as session:
        service = standards.create(
            session,
            editor,
            org_unit_id=unit,
            name=name,
            components={k: f"Uraian {k}" for k in standards.COMPONENTS},
            promised_days=3,
        )
        if publish:
            consulted(session, head, service)
            standards.publish(session, head, service)
        return service.id


def _guard(app, visitor, url):
    page = visitor.get(url)
    assert page.status_code == 200, page.status_code
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return page, {"csrf_token": token, "website": "", "form_ts": aged_stamp(app)}


def _count(tenant_db, slug):
    with tenant_db(slug) as session:
        return session.scalar(select(func.count()).select_from(SurveyResponse))


def test_a_citizen_answers_the_nine_elements_on_the_public_form(app, regency, tenant_db):
    service_id = _service(tenant_db, regency.slug, regency.dinkes)
    visitor = app.test_client()
    url = f"/t/{regency.slug}/p/pelayanan/services/{service_id}/survey"
    page, guard = _guard(app, visitor, url)
    text = page.get_data(as_text=True)
    # The regulation's wording of each answer, in Indonesian on the Indonesian page.
    assert "Sangat sesuai" in text and "Dikelola dengan baik" in text and "Gratis" in text
    assert all(f'name="q{i}"' in text for i in range(1, 10))
    english = visitor.get(f"{url}?lang=en").get_data(as_text=True)
    assert (
        "Very suitable" in english and "Well managed" in english and "Sangat sesuai" not in english
    )
    answers = {f"q{i}": str(a) for i, a in enumerate([4, 4, 3, 4, 3, 3, 4, 2, 3], start=1)}
    sent = visitor.post(
        url, data={**guard, **answers, "age_group": "30-39", "sex": "P", "education": "s1"}
    )
    assert sent.status_code == 201, sent.get_data(as_text=True)[:400]
    assert 'id="survey-thanks"' in sent.get_data(as_text=True)
    with tenant_db(regency.slug) as session:
        (row,) = session.scalars(select(SurveyResponse))
        assert row.service_id == service_id and row.answers == [4, 4, 3, 4, 3, 3, 4, 2, 3]
        assert (row.age_group, row.sex, row.education, row.occupation) == ("30-39", "P", "s1", None)
        columns = set(SurveyResponse.__table__.columns.keys())
        assert not columns & {"name", "email", "phone", "address", "ip", "age"}


def test_hostile_survey_answers_are_refused_without_writing(app, regency, tenant_db, provision):
    service_id = _service(tenant_db, regency.slug, regency.dinkes)
    draft_id = _service(tenant_db, regency.slug, regency.dinkes, "Masih draf", publish=False)
    visitor = app.test_client()
    url = f"/t/{regency.slug}/p/pelayanan/services/{service_id}/survey"
    _page, guard = _guard(app, visitor, url)
    good = {f"q{i}": "3" for i in range(1, 10)}
    for bad in ({"q1": "0"}, {"q5": "5"}, {"q9": ""}, {"q2": "tiga"}, {"q3": "3.0"}, {"q4": "-1"}):
        refused = visitor.post(url, data={**guard, **good, **bad})
        assert refused.status_code == 422, bad
        assert "1 sampai 4" in refused.get_data(as_text=True) or "1 to 4" in refused.get_data(
            as_text=True
        )
    missing = dict(good)
    del missing["q7"]
    assert visitor.post(url, data={**guard, **missing}).status_code == 422
    assert visitor.post(url, data={**guard, **good, "sex": "X"}).status_code == 422
    assert visitor.post(url, data={**guard, **good, "website": "http://spam"}).status_code == 422
    assert visitor.post(url, data={**guard, **good, "form_ts": "forged"}).status_code == 422
    assert visitor.post(url, data={**good, "website": ""}).status_code == 400  # no CSRF token
    # An unpublished service and an unknown one: nothing to rate.
    base = f"/t/{regency.slug}/p/pelayanan/services"
    assert visitor.get(f"{base}/{draft_id}/survey").status_code == 404
    assert visitor.post(f"{base}/{draft_id}/survey", data={**guard, **good}).status_code == 404
    assert visitor.get(f"{base}/99999999/survey").status_code == 404
    # Another regency's published service is not reachable through this one.
    other = provision(apps=("pelayanan",), region_code="33.19")
    from smartcity.tenantcore import orgunits

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
    foreign = _service(tenant_db, other, unit_id, "Layanan Jepara")
    if foreign != service_id:
        assert visitor.get(f"{base}/{foreign}/survey").status_code == 404
    api = f"/t/{regency.slug}/api/v1/public/pelayanan/services"
    numbers = {f"q{i}": 3 for i in range(1, 10)}
    for bad in ({"q1": 0}, {"q1": 5}, {"q1": "3"}, {"q1": 3.5}, {"q1": True}, {"q1": None}):
        assert (
            visitor.post(f"{api}/{service_id}/survey", json={**numbers, **bad}).status_code == 422
        )
    assert visitor.post(f"{api}/{service_id}/survey", json={"q1": 3}).status_code == 422
    assert (
        visitor.post(f"{api}/{service_id}/survey", json={**numbers, "website": "x"}).status_code
        == 422
    )
    assert (
        visitor.post(
            f"{api}/{service_id}/survey", json={**numbers, "education": "x" * 9}
        ).status_code
        == 422
    )
    assert visitor.post(f"{api}/{draft_id}/survey", json=numbers).status_code == 404
    assert visitor.post(f"{api}/{service_id}/survey", data="x" * 100).status_code in (400, 415, 422)
    assert _count(tenant_db, regency.slug) == 0
    made = visitor.post(f"{api}/{service_id}/survey", json={**numbers, "occupation": "pelajar"})
    assert made.status_code == 201 and made.get_json() == {
        "service_id": service_id,
        "recorded": True,
    }
    assert _count(tenant_db, regency.slug) == 1


def test_the_survey_is_rate_limited_per_address(app, regency, tenant_db, state):
    service_id = _service(tenant_db, regency.slug, regency.dinkes)
    with tenant_db(regency.slug) as session:  # the page limit, not the daily quota, stops it
        config.update(session, {"survey_answers_per_day": 1000}, actor="t")
    visitor = app.test_client()
    api = f"/t/{regency.slug}/api/v1/public/pelayanan/services/{service_id}/survey"
    limit = int(state.settings.PUBLIC_RATE_LIMIT.split()[0])
    numbers = {f"q{i}": 4 for i in range(1, 10)}
    statuses = [visitor.post(api, json=numbers).status_code for _ in range(limit + 1)]
    assert statuses[-1] == 429 and 10 < statuses.count(201) <= limit


def test_periods_are_quarters_semesters_and_years():
    today = date(2026, 5, 17)
    assert survey.period(None, today).key == "2026-Q2"
    q = survey.period("2025-Q4", today)
    assert (q.start, q.end) == (date(2025, 10, 1), date(2025, 12, 31))
    s = survey.period("2026-S1", today)
    assert (s.start, s.end) == (date(2026, 1, 1), date(2026, 6, 30))
    y = survey.period("2026", today)
    assert (y.start, y.end) == (date(2026, 1, 1), date(2026, 12, 31))
    for bad in ("2026-S3", "2026-Q5", "26", "2026-Q1; drop", "1999", "abcd"):
        with pytest.raises(survey.InvalidInput):
            survey.period(bad, today)
    assert survey.decimal_text(Decimal("80.5")) == "80,50"
    assert survey.decimal_text(None) == "—"


def test_one_address_gives_one_service_at_most_the_regencys_daily_quota(app, regency, tenant_db):
    """Stuffing one service's index from one address stops at the regency's setting."""
    assert config.ComplaintRules().survey_answers_per_day == 10
    service_id = _service(tenant_db, regency.slug, regency.dinkes)
    other_id = _service(tenant_db, regency.slug, regency.dinkes, "Legalisir Ijazah")
    with tenant_db(regency.slug) as session:
        for bad in (0, 1001, "5", True):
            with pytest.raises(InvalidInput):
                config.update(session, {"survey_answers_per_day": bad}, actor="t")
        config.update(session, {"survey_answers_per_day": 3}, actor="t")
    visitor = app.test_client()
    api = f"/t/{regency.slug}/api/v1/public/pelayanan/services"
    stuffer = {"REMOTE_ADDR": "10.20.30.40"}
    numbers = {f"q{i}": 4 for i in range(1, 10)}
    # Refused answers cost nothing: the quota counts answers that are stored.
    for _ in range(4):
        bad = visitor.post(
            f"{api}/{service_id}/survey", json={**numbers, "q1": 9}, environ_base=stuffer
        )
        assert bad.status_code == 422
    sent = [
        visitor.post(f"{api}/{service_id}/survey", json=numbers, environ_base=stuffer).status_code
        for _ in range(3)
    ]
    assert sent == [201, 201, 201]
    refused = visitor.post(f"{api}/{service_id}/survey?lang=id", json=numbers, environ_base=stuffer)
    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert error["code"] == "too_many_requests" and error["params"] == {"count": 3}
    assert "try again tomorrow" in error["message"]
    assert "sudah 3 kali mengisi survei layanan ini hari ini" in error["localized"]
    # Another service from the same address, and the same service from another address.
    assert (
        visitor.post(f"{api}/{other_id}/survey", json=numbers, environ_base=stuffer).status_code
        == 201
    )
    neighbour = {"REMOTE_ADDR": "10.20.30.41"}
    assert (
        visitor.post(f"{api}/{service_id}/survey", json=numbers, environ_base=neighbour).status_code
        == 201
    )
    # The public form says so on its own page, in the visitor's language.
    url = f"/t/{regency.slug}/p/pelayanan/services/{service_id}/survey"
    answers = {f"q{i}": "3" for i in range(1, 10)}
    for lang, text in (
        ("id", "silakan coba lagi besok"),
        ("en", "has already answered the survey of this service 3 times today"),
    ):
        page = visitor.get(f"{url}?lang={lang}", environ_base=stuffer)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
        assert token is not None
        guard = {"csrf_token": token.group(1), "website": "", "form_ts": aged_stamp(app)}
        shown = visitor.post(url, data={**guard, **answers}, environ_base=stuffer)
        assert shown.status_code == 429 and text in shown.get_data(as_text=True)
        assert 'name="q1"' in shown.get_data(as_text=True)  # the form, not an error page
    assert _count(tenant_db, regency.slug) == 5
