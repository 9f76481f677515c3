"""Absences on the phone of an approver: the requests waiting for their decision, an
absence's evidence file, and lists that say when they stop, as a hostile user of one
regency tries them against another person's, another unit's and another regency's."""

from __future__ import annotations

import base64
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from smartcity.toolkit import set_member_units
from sqlalchemy import insert, select

from tenants.ekinerja import absences
from tenants.ekinerja.models import Absence
from tests.conftest import bearer, tenant_token
from tests.support.ekinerja_pages import build, user

API = "/t/{slug}/api/v1/ekinerja"
PAGES = "/t/{slug}/ekinerja"
PDF = b"%PDF-1.4\nsurat keterangan sakit\n%%EOF\n"
WHO = (
    "pegawai",
    "kadis",
    "guru",
    "kadisdik",
    "adminunit",
    "admindinkes",
    "bkpsdm",
    "viewer",
    "spv",
)


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()


def _regency(provision: Any, tenant_db: Any, client: Any) -> tuple[str, dict[str, Any]]:
    """The pages' regency (worker and head in Dinkes, teacher and admin in Disdik), an
    admin of Dinkes and a supervisor whose user is linked to no staff member."""
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        ids: dict[str, Any] = build(s)
        admin = user(s, "admindinkes@example.go.id", "ekinerja.unit_admin")
        set_member_units(s, admin.id, "ekinerja", [ids["dinkes"]], actor="test")
        user(s, "spv@example.go.id", "ekinerja.supervisor")
    ids["tokens"] = {who: bearer(tenant_token(client, slug, f"{who}@example.go.id")) for who in WHO}
    return slug, ids


@pytest.fixture
def kab(provision: Any, tenant_db: Any, client: Any) -> tuple[str, dict[str, Any]]:
    return _regency(provision, tenant_db, client)


def _ask(client: Any, slug: str, token: dict[str, str], day: date, **extra: Any) -> Any:
    body = {
        "kind": "sick",
        "start_day": day.isoformat(),
        "end_day": day.isoformat(),
        "reason": "Demam",
        **extra,
    }
    made = client.post(API.format(slug=slug) + "/absences", json=body, headers=token)
    assert made.status_code == 201, made.get_json()
    return made.get_json()


def _queue(client: Any, slug: str, token: dict[str, str]) -> Any:
    return client.get(API.format(slug=slug) + "/absences/queue", headers=token)


def test_the_queue_holds_exactly_the_requests_this_approver_may_decide(
    client: Any, kab: Any, provision: Any, tenant_db: Any, page_sign_in: Any
) -> None:
    """The worker's supervisor sees the worker's request with their name and NIP, not
    their own nor another unit's; their unit's admin sees both of the unit's; BKPSDM
    every unit's; nothing of another regency shows; a decided request leaves."""
    slug, ids = kab
    t = ids["tokens"]
    today = _today()
    head_own = _ask(client, slug, t["kadis"], today, reason="Rapat di provinsi", kind="travel")
    workers = _ask(
        client,
        slug,
        t["pegawai"],
        today + timedelta(days=1),
        evidence_name="surat-dokter.pdf",
        evidence_base64=base64.b64encode(PDF).decode(),
    )
    teachers = _ask(client, slug, t["guru"], today)
    withdrawn = _ask(client, slug, t["pegawai"], today + timedelta(days=3))
    assert (
        client.post(
            API.format(slug=slug) + f"/absences/{withdrawn['id']}/withdrawal", headers=t["pegawai"]
        ).status_code
        == 200
    )
    # Another regency's worker asks too, for reasons nobody here may read.
    other_slug, other = _regency(provision, tenant_db, client)
    _ask(client, other_slug, other["tokens"]["pegawai"], today, reason="Rahasia kabupaten lain")

    answer = _queue(client, slug, t["kadis"])
    assert answer.status_code == 200, answer.get_json()
    queue = answer.get_json()
    assert queue["more"] is False
    assert [a["id"] for a in queue["absences"]] == [workers["id"]]
    shown = queue["absences"][0]
    assert shown["staff_name"] == "Sari Pegawai" and shown["nip"] == "198609262015051001"
    assert shown["staff_id"] == ids["worker"] and shown["status"] == "submitted"
    assert shown["reason"] == "Demam" and shown["kind"] == "sick"
    assert shown["has_evidence"] is True and shown["evidence_name"] == "surat-dokter.pdf"
    assert shown["start_day"] == (today + timedelta(days=1)).isoformat()

    def listed(who: str) -> list[int]:
        got = _queue(client, slug, t[who])
        assert got.status_code == 200, (who, got.get_json())
        return [a["id"] for a in got.get_json()["absences"]]

    # The unit admin (no staff record of their own) decides the unit's, the head's
    # own request included; the earliest days first.
    assert listed("admindinkes") == [head_own["id"], workers["id"]]
    assert listed("kadisdik") == [teachers["id"]]
    assert listed("adminunit") == [teachers["id"]]
    assert set(listed("bkpsdm")) == {head_own["id"], workers["id"], teachers["id"]}
    # The page of absence requests shows the same as the API.
    page = page_sign_in(slug, "admindinkes@example.go.id").get(
        PAGES.format(slug=slug) + "/absences/decide"
    )
    text = page.get_data(as_text=True)
    assert text.count("data-absence=") == 2 and f'data-absence="{workers["id"]}"' in text
    assert "Rahasia kabupaten lain" not in text
    # In the other regency the same ids name other things: nothing of this one shows.
    there = _queue(client, other_slug, other["tokens"]["bkpsdm"]).get_json()["absences"]
    assert [a["reason"] for a in there] == ["Rahasia kabupaten lain"]
    assert _queue(client, other_slug, t["kadis"]).status_code == 401
    # Staff and viewers decide nothing; a supervisor with no staff record is told to
    # have one linked rather than shown an empty list.
    for who in ("pegawai", "guru", "viewer"):
        assert _queue(client, slug, t[who]).status_code == 403, who
    refused = _queue(client, slug, t["spv"])
    assert refused.status_code == 403
    assert refused.get_json()["error"]["fields"] == {"account": "not linked"}

    decided = client.post(
        API.format(slug=slug) + f"/absences/{workers['id']}/decision",
        json={"approve": True},
        headers=t["kadis"],
    )
    assert decided.status_code == 200, decided.get_json()
    assert listed("kadis") == []
    assert listed("admindinkes") == [head_own["id"]]


def test_an_absence_file_downloads_to_whoever_may_see_it_and_is_unknown_to_others(
    client: Any, kab: Any, provision: Any, tenant_db: Any
) -> None:
    slug, ids = kab
    t = ids["tokens"]
    api = API.format(slug=slug)
    sent = _ask(
        client,
        slug,
        t["pegawai"],
        _today(),
        evidence_name="surat-dokter.pdf",
        evidence_base64=base64.b64encode(PDF).decode(),
    )
    url = f"{api}/absences/{sent['id']}/evidence"
    # The person, their supervisor, their unit's admin, BKPSDM and a viewer.
    for who in ("pegawai", "kadis", "admindinkes", "bkpsdm", "viewer"):
        got = client.get(url, headers=t[who])
        assert got.status_code == 200, who
        assert got.mimetype == "application/pdf" and got.data == PDF
        assert got.headers["Content-Disposition"] == "attachment; filename=surat-dokter.pdf"
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        assert got.headers["Cache-Control"] == "private, no-store"
    # The leave the worker had approved in November, kept from the web form.
    leave = client.get(f"{api}/absences/{ids['leave']}/evidence", headers=t["kadis"])
    assert leave.status_code == 200
    assert leave.headers["Content-Disposition"] == "attachment; filename=surat.pdf"
    # Another unit's staff, head and admin, and a supervisor over nobody: as unknown
    # as an id that names nothing, or a request without a file.
    bare = _ask(client, slug, t["pegawai"], _today() + timedelta(days=2))
    for who in ("guru", "kadisdik", "adminunit", "spv"):
        answers = [
            client.get(u, headers=t[who])
            for u in (
                url,
                f"{api}/absences/999999999/evidence",
                f"{api}/absences/{bare['id']}/evidence",
            )
        ]
        assert [a.status_code for a in answers] == [404, 404, 404], who
        assert {a.get_json()["error"]["code"] for a in answers} == {"not_found"}
        assert b"surat-dokter" not in answers[0].data
    assert (
        client.get(f"{api}/absences/{bare['id']}/evidence", headers=t["pegawai"]).status_code == 404
    )
    # Ids no row can have are the same 404 (a NUL the request guard's 400), never a 500.
    for hostile in ("99999999999999999999", "-1", "1e3", "abc", "%20", "1%00"):
        answer = client.get(f"{api}/absences/{hostile}/evidence", headers=t["pegawai"])
        assert answer.status_code == (400 if "%00" in hostile else 404), hostile
    # The core's id converter reads other scripts' digits as the id they spell; the
    # file's rule holds all the same.
    arabic = quote("".join(chr(0x660 + int(c)) for c in str(sent["id"])))
    assert client.get(f"{api}/absences/{arabic}/evidence", headers=t["guru"]).status_code == 404

    # Another regency: under this id its users find nothing (its only absence is its own
    # leave); this regency's token is no credential there.
    other_slug, other = _regency(provision, tenant_db, client)
    there = API.format(slug=other_slug) + f"/absences/{sent['id']}/evidence"
    for who in ("pegawai", "kadis", "bkpsdm", "viewer"):
        assert client.get(there, headers=other["tokens"][who]).status_code == 404, who
    for who in ("pegawai", "bkpsdm"):
        assert client.get(there, headers=t[who]).status_code == 401, who
        assert client.get(url, headers=other["tokens"][who]).status_code == 401, who


def test_my_absences_come_page_by_page_without_skipping_a_shared_first_day(
    client: Any, kab: Any, tenant_db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests of one first day (one withdrawn, asked for again) split across two
    pages are both shown: the next page starts after the last one, day and id."""
    slug, ids = kab
    t = ids["tokens"]
    monkeypatch.setattr(absences, "MINE_LIMIT", 2)
    first = date(2026, 10, 1)
    with tenant_db(slug) as s:
        s.execute(
            insert(Absence),
            [
                {
                    "staff_id": ids["worker"],
                    "kind": "sick",
                    "start_day": day,
                    "end_day": day,
                    "reason": "Demam",
                    "status": status,
                }
                for day, status in (
                    (first + timedelta(days=20), "approved"),
                    (first + timedelta(days=10), "withdrawn"),
                    (first + timedelta(days=10), "submitted"),
                    (first, "rejected"),
                )
            ],
        )
        s.execute(
            insert(Absence),
            [
                {
                    "staff_id": ids["teacher"],
                    "kind": "sick",
                    "start_day": first + timedelta(days=15),
                    "end_day": first + timedelta(days=15),
                    "reason": "Demam",
                    "status": "submitted",
                }
            ],
        )
        mine = list(
            s.scalars(
                select(Absence.id)
                .where(Absence.staff_id == ids["worker"])
                .order_by(Absence.start_day.desc(), Absence.id.desc())
            )
        )
    assert len(mine) == 5  # the four and November's leave
    url = API.format(slug=slug) + "/absences"
    seen: list[int] = []
    query = ""
    for _page in range(5):
        answer = client.get(url + query, headers=t["pegawai"])
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        assert len(body["absences"]) <= 2
        seen += [a["id"] for a in body["absences"]]
        if not body["more"]:
            break
        last = body["absences"][-1]
        query = f"?before={last['start_day']}&before_id={last['id']}"
    assert seen == mine
    # The days before a date, without an id: that day's requests are left out.
    before = client.get(f"{url}?before=2026-10-11", headers=t["pegawai"]).get_json()
    assert [a["start_day"] for a in before["absences"]] == ["2026-10-01"]
    assert before["more"] is False


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("before=x", "before"),
        ("before=2026-13-01", "before"),
        ("before=2026-02-30", "before"),
        ("before=9999-01-01", "before"),
        ("before=1999-12-31", "before"),
        ("before=2026-W45-1", "before"),
        ("before=20261101", "before"),
        ("before=2026-11-01T00:00", "before"),
        ("before=%D9%A2%D9%A0%D9%A2%D9%A6-11-01", "before"),  # Arabic-Indic digits
        ("before=2026-11-01&before_id=abc", "before_id"),
        ("before=2026-11-01&before_id=-1", "before_id"),
        ("before=2026-11-01&before_id=99999999999999999999", "before_id"),
        ("before=2026-11-01&before_id=%D9%A1", "before_id"),
        ("before_id=5", "before_id"),
    ],
)
def test_a_page_asked_for_with_garbage_is_refused_by_its_field(
    client: Any, kab: Any, query: str, field: str
) -> None:
    slug, ids = kab
    answer = client.get(
        API.format(slug=slug) + f"/absences?{query}", headers=ids["tokens"]["pegawai"]
    )
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["error"]["fields"]


def test_the_approvers_list_and_page_say_when_more_wait_behind_them(
    client: Any, kab: Any, monkeypatch: pytest.MonkeyPatch, page_sign_in: Any
) -> None:
    slug, ids = kab
    t = ids["tokens"]
    made = [_ask(client, slug, t["pegawai"], _today() + timedelta(days=n))["id"] for n in (0, 1, 2)]
    page = PAGES.format(slug=slug) + "/absences/decide"
    notice = 'id="ekn-requests-more"'
    # Exactly the limit: all of them are shown, and nothing is said to be missing.
    monkeypatch.setattr(absences, "WAITING_LIMIT", 3)
    full = _queue(client, slug, t["kadis"]).get_json()
    assert [a["id"] for a in full["absences"]] == made and full["more"] is False
    shown = page_sign_in(slug, "kadis@example.go.id").get(page).get_data(as_text=True)
    assert shown.count("data-absence=") == 3 and notice not in shown
    # One past it: the earliest are shown and the list says more wait.
    monkeypatch.setattr(absences, "WAITING_LIMIT", 2)
    cut = _queue(client, slug, t["kadis"]).get_json()
    assert [a["id"] for a in cut["absences"]] == made[:2] and cut["more"] is True
    shown = page_sign_in(slug, "kadis@example.go.id").get(page).get_data(as_text=True)
    assert shown.count("data-absence=") == 2
    assert notice in shown
    assert "Yang ditampilkan 2 permohonan dengan hari paling awal" in shown
