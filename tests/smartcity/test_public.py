"""The public forms' optional proof of work, on the noticeboard test app's form.

Off by default; once a regency switches it on, a form goes only with a nonce that
solves a challenge this server signed for this regency and this form, at the
regency's difficulty, before it expired, and only once.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from smartcity.errors import InvalidInput
from smartcity.public import CHALLENGE_TTL, HoneypotGuard
from smartcity.tenantcore.models import AuditEntry, TenantSettings
from smartcity.tenantcore.settings import proof_of_work_bits, update_proof_of_work
from sqlalchemy import select

from tests.support.pow import challenge_in, opened, signed, solve, switch_on, wrong_nonce
from tests.support.web import admin_client, field_errors, post_form

BITS = 10


def _fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', html))


@pytest.fixture
def board(app, provision, tenant_db):
    slug = provision(apps=("noticeboard",))
    return slug


def _suggestions(tenant_db, slug: str) -> list[Any]:
    with tenant_db(slug) as session:
        return list(
            session.scalars(
                select(AuditEntry.after).where(AuditEntry.action == "noticeboard.suggest")
            )
        )


def _opened_form(app, page: str) -> dict[str, str]:
    """The form's fields as ``page`` gave them, its stamp aged past the minimum time."""
    with app.test_request_context():
        aged = HoneypotGuard()._signer().dumps(time.time() - 10)
    return {**_fields(page), "form_ts": aged, "title": "Kerja bakti"}


def test_proof_of_work_is_off_by_default(app, board, tenant_db):
    visitor = app.test_client()
    page = visitor.get(f"/t/{board}/p/noticeboard/").get_data(as_text=True)
    assert "pow_challenge" not in page and "pow.js" not in page and "<noscript>" not in page
    sent = visitor.post(f"/t/{board}/p/noticeboard/suggestions", data=_opened_form(app, page))
    assert sent.status_code == 302
    with tenant_db(board) as session:
        assert proof_of_work_bits(session) == 0


def test_a_solved_challenge_passes_once(app, board, tenant_db):
    switch_on(tenant_db, board, BITS)
    visitor = app.test_client()
    page = visitor.get(f"/t/{board}/p/noticeboard/").get_data(as_text=True)
    # The script is a static file (the CSP forbids inline script); without it, a note says why.
    assert re.search(r'<script src="[^"]*/static/js/pow\.js" defer>', page)
    assert "<noscript>" in page and "JavaScript" in page
    assert "Memeriksa peramban Anda" in page  # the working state, in the page's language
    form = _opened_form(app, page)
    challenge, bits = challenge_in(page)
    assert bits == BITS and opened(app, challenge)["f"] == "noticeboard.form"
    solved = {**form, "pow_nonce": solve(challenge, bits)}
    url = f"/t/{board}/p/noticeboard/suggestions"
    assert visitor.post(url, data=solved).status_code == 302
    replayed = visitor.post(url, data=solved)
    assert replayed.status_code == 422
    assert "sudah pernah dikirim" in replayed.get_data(as_text=True)
    assert _suggestions(tenant_db, board) == [{"title": "Kerja bakti"}]


def test_every_forgery_is_refused_and_nothing_is_written(app, board, provision, tenant_db):
    switch_on(tenant_db, board, BITS)
    visitor = app.test_client()
    url = f"/t/{board}/p/noticeboard/suggestions"
    page = visitor.get(f"/t/{board}/p/noticeboard/").get_data(as_text=True)
    form = _opened_form(app, page)
    challenge, bits = challenge_in(page)
    mine = opened(app, challenge)

    def refused(challenge: str | None, nonce: str | None, bits: int = BITS) -> str:
        data = {**form}
        data.pop("pow_challenge", None)
        data.pop("pow_nonce", None)
        if challenge is not None:
            data["pow_challenge"] = challenge
        if nonce is not None:
            data["pow_nonce"] = nonce
        answer = visitor.post(url, data=data)
        assert answer.status_code == 422, (challenge, nonce)
        return answer.get_data(as_text=True)

    # Missing fields: the page says the check needs JavaScript.
    assert "JavaScript" in refused(None, None)
    assert "JavaScript" in refused(challenge, None)
    assert "JavaScript" in refused(None, "1")
    assert "JavaScript" in refused(challenge, "")
    # A nonce that does not solve it, or that is no number.
    assert "Pemeriksaan peramban gagal" in refused(challenge, wrong_nonce(challenge, bits))
    for hostile in ("²", "-1", "1e3", "0x10", "9" * 21, " 12"):
        refused(challenge, hostile)
    # Tampered: the difficulty changed in the token breaks the signature.
    payload, _dot, rest = challenge.partition(".")
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + rest
    refused(tampered, solve(tampered, bits))
    refused("x" * 600, "1")
    # Signed by us, but for a lower difficulty than the regency asks now.
    easy = signed(app, {**mine, "b": 1})
    refused(easy, solve(easy, 1), 1)
    # Signed by us, for another form of the app, or another app's form.
    for other in ("noticeboard.other", "pelayanan.form"):
        forged = signed(app, {**mine, "f": other})
        refused(forged, solve(forged, bits))
    # Signed by us, but expired.
    old = signed(app, mine, age=CHALLENGE_TTL + 60)
    assert "kedaluwarsa" in refused(old, solve(old, bits))
    # Another regency's challenge, solved.
    other = provision(apps=("noticeboard",))
    switch_on(tenant_db, other, BITS)
    theirs, _bits = challenge_in(visitor.get(f"/t/{other}/p/noticeboard/").get_data(as_text=True))
    refused(theirs, solve(theirs, bits))
    assert _suggestions(tenant_db, board) == []
    # The real one still passes: no refusal above spent it.
    assert visitor.post(url, data={**form, "pow_nonce": solve(challenge, bits)}).status_code == 302


def test_raising_the_difficulty_refuses_forms_opened_before(app, board, tenant_db):
    switch_on(tenant_db, board, BITS)
    visitor = app.test_client()
    page = visitor.get(f"/t/{board}/p/noticeboard/").get_data(as_text=True)
    form = _opened_form(app, page)
    challenge, bits = challenge_in(page)
    switch_on(tenant_db, board, BITS + 2)
    nonce = solve(challenge, bits)
    url = f"/t/{board}/p/noticeboard/suggestions"
    assert visitor.post(url, data={**form, "pow_nonce": nonce}).status_code == 422
    switch_on(tenant_db, board, 0)  # off again: the fields are no longer asked for
    assert visitor.post(url, data=_opened_form(app, page)).status_code == 302


HOSTILE = ["²", "99", "-1", "7", "25", "", "1.5", "abc", "١٨", 99, -1, True, None]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_the_difficulty_setting_is_bounded(board, tenant_db, hostile):
    with tenant_db(board) as session, pytest.raises(InvalidInput) as refused:
        update_proof_of_work(session, actor="tests", bits=hostile)
    assert "pow_bits" in refused.value.fields


@pytest.mark.parametrize(("given", "kept"), [(0, 0), (8, 8), ("18", 18), (24, 24), (" 12 ", 12)])
def test_the_difficulty_setting_takes_off_and_8_to_24(board, tenant_db, given, kept):
    with tenant_db(board) as session:
        assert update_proof_of_work(session, actor="tests", bits=given) == kept
        assert proof_of_work_bits(session) == kept


def test_a_stored_value_out_of_bounds_counts_as_off(board, tenant_db):
    for stored in (99, "18", -1, True, None, [18]):
        with tenant_db(board) as session:
            row = session.get(TenantSettings, 1)
            row.values = {**(row.values or {}), "public": {"pow_bits": stored}}
        with tenant_db(board) as session:
            assert proof_of_work_bits(session) == 0, stored


def test_the_regency_admin_switches_it_on_in_the_settings(app, board, tenant_db):
    admin = admin_client(app, board)
    url = f"/t/{board}/admin/settings/public"
    page = f"/t/{board}/admin/settings"
    for hostile in ("²", "99", "-1", "1" * 50):
        answer = post_form(admin, url, {"pow_bits": hostile}, page=page)
        assert answer.status_code == 422, hostile
        assert field_errors(answer.get_data(as_text=True), "pow_bits")
    with tenant_db(board) as session:
        assert proof_of_work_bits(session) == 0
    saved = post_form(admin, url, {"pow_bits": "18"}, page=page)
    assert saved.status_code == 303
    assert 'value="18"' in admin.get(page).get_data(as_text=True)
    with tenant_db(board) as session:
        assert proof_of_work_bits(session) == 18
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry.after == {"pow_bits": 18}
