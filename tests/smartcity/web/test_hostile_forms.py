"""Every form of every page, posted with hostile values by people who hold real accounts.

A regency with every granted app, filled the way the demo fills one; each demo user
(one per role of each app, the regency's admin, a civil servant) walks the pages they
can reach and posts each form they find (once per form, whatever record it is on) with
values a prober would type. Whatever the form does with them, the answer is a page or
a refusal: never a server error. The API has the same guarantee from generated
requests (tests/smartcity/api/test_openapi.py).
"""

from __future__ import annotations

import pytest
from smartcity.demo import seed_regency_demo
from smartcity.tenantcore.models import User
from sqlalchemy import select

from tests.conftest import PASSWORD, take_region
from tests.support.crawl import probe, walk
from tests.support.web import sign_in

GRANTED = ("ebudgeting", "ekinerja", "pelayanan", "sakip")
#: Majene: a regency outside Java, hundreds of staff, so the demo month is quick to seed.
REGION = "76.05"
#: Pages one user's walk visits at the most (one of each kind).
PAGES_PER_USER = 60


@pytest.fixture
def demo_regency(provision, tenant_db, state):
    slug = provision(apps=GRANTED, region_code=take_region(REGION))
    with tenant_db(slug) as session:
        seed_regency_demo(
            session,
            state,
            REGION,
            slug,
            regency="Kabupaten Majene",
            apps=GRANTED,
            password_for=lambda _email: PASSWORD,
            echo=lambda _line: None,
        )
    return slug


@pytest.mark.timeout(900)
def test_no_form_answers_a_hostile_value_with_a_server_error(app, tenant_db, demo_regency):
    slug = demo_regency
    prefix = f"/t/{slug}/"
    with tenant_db(slug) as session:
        emails = sorted(session.scalars(select(User.email)))
    probed: set[str] = set()
    failures: list[tuple[str, str, str, int]] = []
    for email in emails:
        browser = app.test_client()
        assert sign_in(browser, slug, email).status_code in (302, 303), email
        forms, errors = walk(browser, prefix, prefix, PAGES_PER_USER)
        failures += [(email, url, "GET", status) for url, status in errors]
        for shape, form in forms.items():
            if shape in probed:
                continue
            probed.add(shape)
            failures += [(email, *failure) for failure in probe(browser, form)]
    # The walk reached the apps' forms, so a pass means something.
    assert len(probed) > 60, sorted(probed)
    assert failures == []
