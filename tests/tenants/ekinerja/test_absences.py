"""Leave, official travel and field duty as a hostile user of one regency tries them:
dates no calendar holds, two requests or two decisions at once, notes past the limit."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from smartcity.tenantcore.models import AuditEntry
from smartcity.toolkit import Conflict, set_member_units, working_calendar
from sqlalchemy import delete, func, insert, select

from tenants.ekinerja import absences
from tenants.ekinerja.access import GRANTS, Actor
from tenants.ekinerja.models import Absence
from tests.conftest import bearer, tenant_token
from tests.support.ekinerja_pages import build, user
from tests.support.web import csrf_token

API = "/t/{slug}/api/v1/ekinerja"
PAGES = "/t/{slug}/ekinerja"
#: The approver's list shows this many requests (``absences.WAITING_LIMIT``).
LIST_LIMIT = 500
WHO = ("pegawai", "kadis", "admindinkes", "bkpsdm", "guru")


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()


@pytest.fixture
def kab(provision: Any, tenant_db: Any, client: Any) -> tuple[str, dict[str, Any]]:
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        ids: dict[str, Any] = build(s)
        admin = user(s, "admindinkes@example.go.id", "ekinerja.unit_admin")
        set_member_units(s, admin.id, "ekinerja", [ids["dinkes"]], actor="test")
    ids["tokens"] = {who: bearer(tenant_token(client, slug, f"{who}@example.go.id")) for who in WHO}
    return slug, ids


def _ask(client: Any, slug: str, ids: dict[str, Any], **extra: Any) -> Any:
    body = {
        "kind": "sick",
        "start_day": _today().isoformat(),
        "end_day": _today().isoformat(),
        "reason": "Demam",
        **extra,
    }
    return client.post(
        API.format(slug=slug) + "/absences", json=body, headers=ids["tokens"]["pegawai"]
    )


def _count(tenant_db: Any, slug: str) -> int:
    with tenant_db(slug) as s:
        return int(s.scalar(select(func.count()).select_from(Absence)))


@pytest.mark.parametrize(
    "case",
    [
        ("9999-12-01", "9999-12-31", "start_day"),  # its cutoff would be in the year 10000
        ("2026-12-31", "9999-12-31", "end_day"),
        ("0001-01-01", "0001-01-02", "start_day"),
        ("2026-02-30", "2026-03-01", "start_day"),
        ("2026-12-05", "2026-12-01", "end_day"),
    ],
)
def test_a_day_no_calendar_holds_is_refused_by_its_field(
    client: Any, kab: Any, tenant_db: Any, case: tuple[str, str, str]
) -> None:
    slug, ids = kab
    start, end, field = case
    before = _count(tenant_db, slug)
    answer = _ask(client, slug, ids, start_day=start, end_day=end)
    assert answer.status_code == 422, answer.get_json()
    error = answer.get_json()["error"]
    assert field in error["fields"], error
    if "9999" in start + end:
        assert error["localized_fields"][field] == "tahun 2000 sampai 2100", error
    assert _count(tenant_db, slug) == before


def test_two_requests_for_the_same_days_sent_at_once_keep_one(kab: Any, tenant_db: Any) -> None:
    """The second request waits for the first's lock on the person, then sees its days."""
    slug, ids = kab
    me = Actor("pegawai", GRANTS["staff"], ids["worker"], frozenset())
    today = _today()
    found: dict[str, Any] = {}

    def ask() -> Any:
        return absences.submit(
            s,
            me,
            kind="annual",
            start_day=today,
            end_day=today + timedelta(days=1),
            reason="Keperluan keluarga",
            today=today,
        )

    def second() -> None:
        with tenant_db(slug) as other:
            try:
                absences.submit(
                    other,
                    me,
                    kind="sick",
                    start_day=today + timedelta(days=1),
                    end_day=today + timedelta(days=2),
                    reason="Demam",
                    today=today,
                )
            except Conflict as refused:
                found["refused"] = refused

    before = _count(tenant_db, slug)
    with tenant_db(slug) as s:
        ask()
        racer = threading.Thread(target=second)
        racer.start()
        time.sleep(0.5)  # the second request waits for the person's row
    racer.join(timeout=30)
    assert "refused" in found
    assert _count(tenant_db, slug) == before + 1


def test_a_supervisor_and_a_unit_admin_deciding_at_once_decide_once(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    slug, ids = kab
    made = _ask(client, slug, ids)
    assert made.status_code == 201, made.get_json()
    absence_id = made.get_json()["id"]
    today = _today()
    found: dict[str, Any] = {}

    def admin_refuses() -> None:
        admin = Actor("admindinkes", GRANTS["unit_admin"], None, frozenset({ids["dinkes"]}))
        with tenant_db(slug) as other:
            try:
                absences.decide(
                    other, admin, absence_id, approve=False, note="Tanpa surat", today=today
                )
            except Conflict as refused:
                found["refused"] = refused

    head = Actor("kadis", GRANTS["supervisor"], ids["head"], frozenset())
    with tenant_db(slug) as s:
        absences.decide(s, head, absence_id, approve=True, note="", today=today)
        racer = threading.Thread(target=admin_refuses)
        racer.start()
        time.sleep(0.5)  # the admin's decision waits for the supervisor's
    racer.join(timeout=30)
    assert "refused" in found
    with tenant_db(slug) as s:
        absence = s.get(Absence, absence_id)
        assert absence.status == "approved" and absence.decided_by == "kadis"


def test_a_note_past_the_limit_is_refused_not_cut(client: Any, kab: Any, tenant_db: Any) -> None:
    slug, ids = kab
    made = _ask(client, slug, ids).get_json()
    url = API.format(slug=slug) + f"/absences/{made['id']}/decision"
    head = ids["tokens"]["kadis"]
    long = client.post(url, json={"approve": False, "note": "x" * 2001}, headers=head)
    assert long.status_code == 422
    blank = client.post(url, json={"approve": False, "note": "   "}, headers=head)
    assert blank.status_code == 422
    with tenant_db(slug) as s:
        assert s.get(Absence, made["id"]).status == "submitted"
    done = client.post(url, json={"approve": False, "note": "y" * 2000}, headers=head)
    assert done.status_code == 200 and done.get_json()["decision_note"] == "y" * 2000


def test_annual_leave_stops_at_the_years_allowance_however_it_is_split(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    """5 working days taken last year leave 7 to carry: 18 this year (the most that
    carries), counted in the regency's working days over pieces waiting or approved."""
    slug, ids = kab
    year = _today().year + 1
    with tenant_db(slug) as s:
        s.execute(delete(Absence).where(Absence.staff_id == ids["worker"]))
        calendar = working_calendar(s, date(year - 1, 1, 1), date(year, 12, 31))
        last_year = [d for d in _days(date(year - 1, 3, 1), 60) if calendar.is_working_day(d)][:5]
        s.add(
            Absence(
                staff_id=ids["worker"],
                kind="annual",
                start_day=last_year[0],
                end_day=last_year[-1],
                reason="Keperluan keluarga",
                status="approved",
            )
        )
        work = [d for d in _days(date(year, 2, 1), 90) if calendar.is_working_day(d)]

    def annual(first: int, last: int) -> Any:
        return _ask(
            client,
            slug,
            ids,
            kind="annual",
            start_day=work[first].isoformat(),
            end_day=work[last].isoformat(),
        )

    assert annual(0, 9).status_code == 201  # 10 working days
    second = annual(10, 17)  # 8 more: 18
    assert second.status_code == 201
    over = annual(18, 18)
    assert over.status_code == 409, over.get_json()
    assert over.get_json()["error"]["localized"] == (
        f"cuti tahunan {year} paling banyak 18 hari kerja; dengan permintaan ini menjadi 19"
    )
    # Another kind of leave is not annual leave.
    assert (
        _ask(
            client, slug, ids, start_day=work[18].isoformat(), end_day=work[18].isoformat()
        ).status_code
        == 201
    )
    # A refused piece gives its days back.
    refused = client.post(
        API.format(slug=slug) + f"/absences/{second.get_json()['id']}/decision",
        json={"approve": False, "note": "Sedang akhir tahun anggaran"},
        headers=ids["tokens"]["kadis"],
    )
    assert refused.status_code == 200
    assert annual(19, 26).status_code == 201  # 10 + 8 = 18 again
    assert annual(27, 27).status_code == 409


def _days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(count)]


def test_an_approvers_list_holds_their_requests_behind_a_regencys_worth_of_others(
    client: Any, kab: Any, tenant_db: Any, page_sign_in: Any
) -> None:
    """More than the list's limit of the other unit's requests, all of earlier days,
    wait before the worker's: their supervisor and their unit's admin still see it (and
    nothing they may not decide); the other unit's head sees the limit of their own."""
    slug, ids = kab
    first = _today() - timedelta(days=LIST_LIMIT + 30)
    with tenant_db(slug) as s:
        s.execute(
            insert(Absence),
            [
                {
                    "staff_id": ids["teacher"],
                    "kind": "sick",
                    "start_day": first + timedelta(days=n),
                    "end_day": first + timedelta(days=n),
                    "reason": "Demam",
                    "status": "submitted",
                }
                for n in range(LIST_LIMIT + 20)
            ],
        )
    made = _ask(client, slug, ids)
    assert made.status_code == 201, made.get_json()
    mine = f'data-absence="{made.get_json()["id"]}"'
    page = PAGES.format(slug=slug) + "/absences/decide"
    for who in ("kadis", "admindinkes"):
        shown = page_sign_in(slug, f"{who}@example.go.id").get(page).get_data(as_text=True)
        assert mine in shown, who
        assert shown.count("data-absence=") == 1, who
    theirs = page_sign_in(slug, "kadisdik@example.go.id").get(page).get_data(as_text=True)
    assert mine not in theirs
    assert theirs.count("data-absence=") == LIST_LIMIT


def test_a_person_withdraws_their_own_waiting_request_and_gets_its_days_back(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    """Withdrawn while it waits: audited, never decided afterwards, and its days free
    again for another request and for the year's annual leave. Someone else's request
    is not found; a decided one stays decided."""
    slug, ids = kab
    api, t = API.format(slug=slug), ids["tokens"]
    year = _today().year + 1
    with tenant_db(slug) as s:
        s.execute(delete(Absence).where(Absence.staff_id == ids["worker"]))
        calendar = working_calendar(s, date(year - 2, 1, 1), date(year, 12, 31))
        work = [d for d in _days(date(year, 3, 2), 60) if calendar.is_working_day(d)]

    def annual(first: int, last: int) -> Any:
        return _ask(
            client,
            slug,
            ids,
            kind="annual",
            start_day=work[first].isoformat(),
            end_day=work[last].isoformat(),
        )

    made = annual(0, 23)  # 24 working days: all two untaken years allow
    assert made.status_code == 201, made.get_json()
    absence_id = made.get_json()["id"]
    assert annual(24, 24).status_code == 409  # the allowance is spent
    url = f"{api}/absences/{absence_id}/withdrawal"
    # Not the person's: their supervisor or another unit's staff find nothing; an
    # admin with no staff record of their own is told to have one linked first.
    for who in ("kadis", "guru"):
        assert client.post(url, headers=t[who]).status_code == 404, who
    for who in ("admindinkes", "bkpsdm"):
        assert client.post(url, headers=t[who]).status_code == 403, who
    assert (
        client.post(f"{api}/absences/999999999/withdrawal", headers=t["pegawai"]).status_code == 404
    )
    done = client.post(url, headers=t["pegawai"])
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "withdrawn"
    again = client.post(url, headers=t["pegawai"])
    assert again.status_code == 409
    decided = client.post(
        f"{api}/absences/{absence_id}/decision", json={"approve": True}, headers=t["kadis"]
    )
    assert decided.status_code == 409
    assert decided.get_json()["error"]["localized"] == (
        "permohonan ketidakhadiran ini sudah ditarik oleh pegawainya"
    )
    with tenant_db(slug) as s:
        assert s.get(Absence, absence_id).status == "withdrawn"
        audit = s.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "ekinerja.absence_withdraw",
                AuditEntry.entity_id == str(absence_id),
            )
        )
        assert audit is not None and audit.actor == "pegawai@example.go.id"
    # The same days, the whole allowance, can be asked for again.
    asked_again = annual(0, 23)
    assert asked_again.status_code == 201, asked_again.get_json()
    # Approved, it stays approved: withdrawing it is a conflict.
    approved_id = asked_again.get_json()["id"]
    assert (
        client.post(
            f"{api}/absences/{approved_id}/decision", json={"approve": True}, headers=t["kadis"]
        ).status_code
        == 200
    )
    late = client.post(f"{api}/absences/{approved_id}/withdrawal", headers=t["pegawai"])
    assert late.status_code == 409
    with tenant_db(slug) as s:
        assert s.get(Absence, approved_id).status == "approved"


def test_the_leave_page_withdraws_a_waiting_request(
    client: Any, kab: Any, tenant_db: Any, page_sign_in: Any
) -> None:
    slug, ids = kab
    made = _ask(client, slug, ids).get_json()
    page = PAGES.format(slug=slug) + "/absences"
    action = f"{page}/{made['id']}/withdrawal"
    me = page_sign_in(slug, "pegawai@example.go.id")
    shown = me.get(page).get_data(as_text=True)
    assert action in shown and "Tarik permohonan" in shown
    # Another person posting the form finds nothing to withdraw.
    other = page_sign_in(slug, "guru@example.go.id")
    token = csrf_token(other.get(page).get_data(as_text=True))
    assert other.post(action, data={"csrf_token": token}).status_code == 404
    token = csrf_token(shown)
    assert me.post(action, data={"csrf_token": token}).status_code == 303
    after = me.get(page).get_data(as_text=True)
    assert "Permohonan Anda ditarik." in after and "Ditarik" in after
    assert action not in after
    with tenant_db(slug) as s:
        assert s.get(Absence, made["id"]).status == "withdrawn"
