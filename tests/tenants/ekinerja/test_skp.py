"""SKP and predicates pulled from a (fake, local) BKN e-Kinerja, and the TPP that uses them."""

from __future__ import annotations

import socket
import threading
import time
from datetime import date
from typing import Any

import pytest
from smartcity.tenantcore.models import AuditEntry, Staff
from sqlalchemy import select

from tenants.ekinerja import runs, skp
from tenants.ekinerja.access import system_actor
from tenants.ekinerja.models import RuleSet
from tenants.ekinerja.rules import TppRules
from tenants.ekinerja.tppmodels import Skp, SkpSyncRun
from tests.conftest import bearer, tenant_token
from tests.support.ekinerja_tpp import API, FakeBkn, fake_bkn, two_units, user

NIPS = {
    "head": "197001101992011001",
    "worker": "198609262015051001",
    "admin": "198703032010011003",
    "guru_head": "197502022000031002",
    "guru": "198001012005011002",
}


@pytest.fixture
def kab(provision: Any, tenant_db: Any, client: Any, monkeypatch: Any) -> Any:
    monkeypatch.setenv(skp.LOOPBACK_ENV, "1")
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        ids = two_units(s)
        user(s, "bkpsdm@example.go.id", "ekinerja.bkpsdm_admin")
        user(s, "pegawai@example.go.id", "ekinerja.staff", s.get(Staff, ids["worker"]))
    tokens = {
        who: bearer(tenant_token(client, slug, f"{who}@example.go.id"))
        for who in ("bkpsdm", "pegawai")
    }
    return slug, ids, tokens


def _configure(client: Any, slug: str, token: Any, fake: FakeBkn, secret: str | None) -> Any:
    body = {"base_url": fake.url, "client_id": fake.client_id}
    if secret is not None:
        body["client_secret"] = secret
    return client.put(API.format(slug=slug) + "/bkn", json=body, headers=token)


def test_settings_keep_the_secret_and_never_show_it(client: Any, kab: Any, tenant_db: Any) -> None:
    slug, _ids, t = kab
    url = API.format(slug=slug)
    with fake_bkn(FakeBkn()) as fake:
        assert _configure(client, slug, t["pegawai"], fake, "rahasia").status_code == 403
        first = _configure(client, slug, t["bkpsdm"], fake, None)
        assert first.status_code == 422 and "client_secret" in first.get_json()["error"]["fields"]
        saved = _configure(client, slug, t["bkpsdm"], fake, "rahasia")
        assert saved.status_code == 200
        assert saved.get_json() == {"base_url": fake.url, "client_id": "pemkab", "has_secret": True}
        # Changing the address without a secret keeps the old secret.
        kept = _configure(client, slug, t["bkpsdm"], fake, None)
        assert kept.status_code == 200 and kept.get_json()["has_secret"] is True
        shown = client.get(url + "/bkn", headers=t["bkpsdm"])
        assert "rahasia" not in shown.get_data(as_text=True)
        plain = client.put(
            url + "/bkn",
            json={"base_url": "http://bkn.example.go.id", "client_id": "x"},
            headers=t["bkpsdm"],
        )
        assert plain.status_code == 422
        broken = client.put(
            url + "/bkn", json={"base_url": "https://[bkn", "client_id": "x"}, headers=t["bkpsdm"]
        )
        assert broken.status_code == 422
    with tenant_db(slug) as s:
        audits = s.scalars(select(AuditEntry).where(AuditEntry.action == "ekinerja.bkn_settings"))
        assert all("rahasia" not in str(a.before) + str(a.after) for a in audits)


def test_a_sync_stores_predicates_and_lists_what_it_could_not_match(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    slug, ids, t = kab
    url = API.format(slug=slug)
    fake = FakeBkn()
    fake.record(NIPS["head"], "Sangat Baik")
    fake.record(NIPS["worker"], "Butuh Perbaikan")
    fake.record(NIPS["admin"], "Baik")
    fake.records[NIPS["guru_head"]] = {"data": {"nip": NIPS["guru_head"], "predikat": "Istimewa"}}
    # guru: unknown at BKN (404)
    with fake_bkn(fake):
        assert _configure(client, slug, t["bkpsdm"], fake, "rahasia").status_code == 200
        assert (
            client.post(url + "/skp/sync", json={"year": 2026}, headers=t["pegawai"]).status_code
            == 403
        )
        ran = client.post(url + "/skp/sync", json={"year": 2026}, headers=t["bkpsdm"])
    assert ran.status_code == 201, ran.get_json()
    run = ran.get_json()
    assert run["status"] == "partial" and run["asked"] == 5 and run["stored"] == 3
    assert run["problems"]["unknown_nips"] == {NIPS["guru"]: "not found at BKN"}
    assert list(run["problems"]["malformed"]) == [NIPS["guru_head"]]
    with tenant_db(slug) as s:
        stored = {r.staff_id: r.predicate for r in s.scalars(select(Skp))}
        assert stored == {
            ids["head"]: "Sangat Baik",
            ids["worker"]: "Butuh Perbaikan",
            ids["admin"]: "Baik",
        }
        # The performance part follows the predicate when the rule version says so.
        rule_set = s.scalar(select(RuleSet))
        rule_set.rules = TppRules(performance_basis="predicate").model_dump(mode="json")
        s.flush()
        runs.compute_month(s, system_actor("tests"), 2026, 3, today=date(2026, 4, 10))
    st = client.get(url + "/tpp/2026/3", headers=t["pegawai"]).get_json()
    (line,) = [ln for ln in st["lines"] if ln["component"] == "predicate"]
    assert line["rule"] == "predicate_percent.Butuh Perbaikan"
    assert line["record"].startswith("skp:") and line["percent"] == "25.0000"
    assert st["performance_deduction"] == line["amount"] == st["performance_part"] // 4
    # A second pull updates in place: one SKP per person and year.
    fake.record(NIPS["worker"], "Baik")
    with fake_bkn(fake):
        _configure(client, slug, t["bkpsdm"], fake, None)
        again = client.post(url + "/skp/sync", json={"year": 2026}, headers=t["bkpsdm"])
    assert again.get_json()["stored"] == 3
    with tenant_db(slug) as s:
        assert s.scalar(select(Skp.predicate).where(Skp.staff_id == ids["worker"])) == "Baik"
        assert len(s.scalars(select(Skp)).all()) == 3
    history = client.get(url + "/skp/runs", headers=t["bkpsdm"]).get_json()["runs"]
    assert [r["status"] for r in history] == ["partial", "partial"]


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        ("bad_secret", "refused the client credentials (HTTP 401)"),
        ("token_5xx", "token endpoint answered HTTP 503"),
        ("all_5xx", "failed"),
        ("down", "cannot reach BKN"),
    ],
)
def test_a_broken_bkn_is_a_failed_run_of_record(
    client: Any, kab: Any, tenant_db: Any, breakage: str, expected: str
) -> None:
    slug, _ids, t = kab
    url = API.format(slug=slug)
    fake = FakeBkn()
    for nip in NIPS.values():
        fake.record(nip, "Baik")
    with fake_bkn(fake):
        _configure(client, slug, t["bkpsdm"], fake, "rahasia")
        if breakage == "bad_secret":
            fake.client_secret = "lain"
        elif breakage == "token_5xx":
            fake.token_status = 503
        elif breakage == "all_5xx":
            fake.failing = dict.fromkeys(NIPS.values(), 500)
    if breakage != "down":
        with fake_bkn(fake) as live:
            _configure(client, slug, t["bkpsdm"], live, None)
            ran = client.post(url + "/skp/sync", json={"year": 2026}, headers=t["bkpsdm"])
    else:
        ran = client.post(url + "/skp/sync", json={"year": 2026}, headers=t["bkpsdm"])
    assert ran.status_code == 201
    run = ran.get_json()
    if breakage == "all_5xx":
        # Five failing NIPs are not yet "down": each is listed, nothing is stored.
        assert run["status"] == "partial" and run["stored"] == 0
        assert set(run["problems"]["errors"].values()) == {"HTTP 500"}
    else:
        assert run["status"] == "failed" and expected in run["error"] and run["stored"] == 0
    with tenant_db(slug) as s:
        assert s.scalar(select(SkpSyncRun.status)) == run["status"]
        assert s.scalars(select(Skp)).all() == []


def test_many_failures_in_a_row_stop_the_run(tenant_db: Any, kab: Any, monkeypatch: Any) -> None:
    slug, _ids, _t = kab
    monkeypatch.setattr(skp, "MAX_FAILURES_IN_A_ROW", 2)
    fake = FakeBkn(failing=dict.fromkeys(NIPS.values(), 502))
    with fake_bkn(fake), tenant_db(slug) as s:
        client = skp.BknClient(fake.url, fake.client_id, fake.client_secret)
        run = skp.sync(s, system_actor("tests"), 2026, client=client)
        assert run.status == "failed" and "2 answers in a row" in (run.error or "")
        assert run.asked == 2
    assert fake.calls.count("token") == 1


def test_answers_that_are_not_http_or_json_or_this_year_are_each_a_problem_not_a_crash(
    tenant_db: Any, kab: Any
) -> None:
    """Each of these crashed the pull (a 500 on demand, a dead task at night) or stored
    another year's predicate as this one's."""
    slug, _ids, _t = kab
    fake = FakeBkn(
        raw={
            NIPS["head"]: b"SSH-2.0-OpenSSH_9.6\r\n",  # no HTTP status line
            NIPS["worker"]: b'HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{"data": {',  # cut
            NIPS["admin"]: (
                b"HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n" + b"[" * 200_000
            ),  # nested past the parser's depth
        },
        drip={NIPS["guru_head"]},  # a byte every 0.3 s: 30 s for the answer
    )
    fake.record(NIPS["guru"], "Baik", year=2019)
    with fake_bkn(fake), tenant_db(slug) as s:
        client = skp.BknClient(fake.url, fake.client_id, fake.client_secret, timeout=1.5)
        started = time.monotonic()
        run = skp.sync(s, system_actor("tests"), 2026, client=client)
        took = time.monotonic() - started
        assert run.status == "partial" and run.asked == 5 and run.stored == 0, run.error
        errors, malformed = run.problems["errors"], run.problems["malformed"]
        assert errors[NIPS["head"]] == "not an HTTP answer (BadStatusLine)"
        assert errors[NIPS["worker"]] == "answer cut short"
        assert errors[NIPS["guru_head"]] == "no whole answer in 1.5 s"
        assert malformed == {
            NIPS["admin"]: "answer nested too deep",
            NIPS["guru"]: "periode is not within 2026",
        }
        assert s.scalars(select(Skp)).all() == []
    assert took < 10


def test_a_token_answer_that_is_not_http_fails_the_run_of_record(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    slug, _ids, t = kab
    fake = FakeBkn()
    with fake_bkn(fake) as live:
        _configure(client, slug, t["bkpsdm"], live, "rahasia")
    # Whatever listens there now answers every request with a line that is not HTTP.
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def answer() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"220 smtp.example ESMTP\r\n")

    threading.Thread(target=answer, daemon=True).start()
    try:
        _configure(client, slug, t["bkpsdm"], FakeBkn(url=f"http://127.0.0.1:{port}"), None)
        ran = client.post(
            API.format(slug=slug) + "/skp/sync", json={"year": 2026}, headers=t["bkpsdm"]
        )
    finally:
        listener.close()
    assert ran.status_code == 201, ran.get_json()
    run = ran.get_json()
    assert run["status"] == "failed" and "token answer is broken" in run["error"]


def test_a_nip_not_answered_in_time_is_that_nips_problem(tenant_db: Any, kab: Any) -> None:
    """A socket timeout on one NIP (BKN slow for one person) failed the whole run as
    "cannot reach BKN", storing nobody's predicate."""
    slug, ids, _t = kab
    fake = FakeBkn(silent={NIPS["head"]})
    for nip in NIPS.values():
        fake.record(nip, "Baik")
    with fake_bkn(fake), tenant_db(slug) as s:
        client = skp.BknClient(fake.url, fake.client_id, fake.client_secret, timeout=1.5)
        run = skp.sync(s, system_actor("tests"), 2026, client=client)
        assert run.status == "partial" and run.asked == 5 and run.stored == 4, run.error
        assert run.problems["errors"] == {NIPS["head"]: "no whole answer in 1.5 s"}
        assert ids["head"] not in set(s.scalars(select(Skp.staff_id)))


def test_headers_sent_a_byte_at_a_time_get_the_answers_time_not_more(
    tenant_db: Any, kab: Any
) -> None:
    """The timeout bounded each wait on the socket, and the whole answer only once its
    body was being read: a status line and headers sent a byte every 0.3 s were waited
    for as long as they took."""
    slug, ids, _t = kab
    fake = FakeBkn(drip_headers={NIPS["worker"]})
    for nip in NIPS.values():
        fake.record(nip, "Baik")
    with fake_bkn(fake), tenant_db(slug) as s:
        client = skp.BknClient(fake.url, fake.client_id, fake.client_secret, timeout=1.5)
        started = time.monotonic()
        run = skp.sync(s, system_actor("tests"), 2026, client=client)
        took = time.monotonic() - started
        assert run.status == "partial" and run.stored == 4, run.error
        assert run.problems["errors"] == {NIPS["worker"]: "no whole answer in 1.5 s"}
        assert ids["worker"] not in set(s.scalars(select(Skp.staff_id)))
    assert took < 8  # the headers alone take some 17 s


def test_timeouts_in_a_row_stop_the_run_as_other_failures_do(
    tenant_db: Any, kab: Any, monkeypatch: Any
) -> None:
    slug, _ids, _t = kab
    monkeypatch.setattr(skp, "MAX_FAILURES_IN_A_ROW", 2)
    fake = FakeBkn(silent=set(NIPS.values()))
    with fake_bkn(fake), tenant_db(slug) as s:
        client = skp.BknClient(fake.url, fake.client_id, fake.client_secret, timeout=0.5)
        run = skp.sync(s, system_actor("tests"), 2026, client=client)
        assert run.status == "failed" and "2 answers in a row" in (run.error or "")
        assert run.asked == 2 and s.scalars(select(Skp)).all() == []
