"""Tracking codes cannot be enumerated: wrong codes are counted per address and per regency."""

from __future__ import annotations

import re

import pytest

from tenants.pelayanan import codes, complaints
from tenants.pelayanan.public import WRONG_CODES
from tests.conftest import PASSWORD
from tests.pelayanan_support import REGENCY, make_regency, submission

PER_ADDRESS = int(WRONG_CODES.per_address.split()[0])


@pytest.fixture
def regency(provision, tenant_db, state):
    return make_regency(provision, tenant_db, state, PASSWORD)


def _address(n: int) -> dict[str, str]:
    return {"REMOTE_ADDR": f"10.{n // 250}.{n % 250}.7"}


def test_an_address_guessing_codes_is_stopped_while_the_real_reporter_is_not(
    app, regency, tenant_db
):
    with tenant_db(regency.slug) as session:
        _complaint, code = complaints.submit(
            session, submission(), [], regency_code=REGENCY, channel="web"
        )
    visitor = app.test_client()
    url = f"/t/{regency.slug}/api/v1/public/pelayanan/complaints/lookup"
    guesser = _address(1)
    answers = [
        visitor.post(url, json={"code": codes.new_code()}, environ_base=guesser).status_code
        for _ in range(PER_ADDRESS + 2)
    ]
    assert answers[:PER_ADDRESS] == [404] * PER_ADDRESS and answers[-2:] == [429, 429]
    # Once stopped, even a right code from that address is refused: no oracle left.
    assert visitor.post(url, json={"code": code}, environ_base=guesser).status_code == 429
    # The rating form shares the counter.
    rate = f"/t/{regency.slug}/api/v1/public/pelayanan/complaints/rate"
    refused = visitor.post(rate, json={"code": code, "rating": 5}, environ_base=guesser)
    assert refused.status_code == 429
    # The reporter, from another address, reads their report many times over.
    reporter = _address(2)
    for _ in range(PER_ADDRESS + 5):
        assert visitor.post(url, json={"code": code}, environ_base=reporter).status_code == 200
    # The public page refuses the guesser too, saying why.
    page = f"/t/{regency.slug}/p/pelayanan/track"
    form = visitor.get(f"{page}?lang=en", environ_base=guesser).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    shown = visitor.post(
        page, data={"csrf_token": token.group(1), "code": code}, environ_base=guesser
    )
    assert shown.status_code == 429
    assert "Too many attempts" in shown.get_data(as_text=True)


def test_many_addresses_guessing_together_exhaust_the_regencys_budget(app, regency, tenant_db):
    with tenant_db(regency.slug) as session:
        _complaint, code = complaints.submit(
            session, submission(), [], regency_code=REGENCY, channel="web"
        )
    per_regency = int(WRONG_CODES.per_regency.split()[0])
    visitor = app.test_client()
    url = f"/t/{regency.slug}/api/v1/public/pelayanan/complaints/lookup"
    statuses = []
    # A botnet: each address stays under its own budget.
    for n in range(per_regency + 1):
        response = visitor.post(
            url, json={"code": codes.new_code()}, environ_base=_address(100 + n // 5)
        )
        statuses.append(response.status_code)
    assert set(statuses[:per_regency]) == {404} and statuses[-1] == 429
    # From a fresh address, the regency's look-ups are closed until the hour passes.
    assert visitor.post(url, json={"code": code}, environ_base=_address(999)).status_code == 429
