"""Sanctions and the other per-person deductions: BKPSDM records them from the decree,
the statement cuts them month by month naming the record and the rule version, and
they are annulled (never deleted); who may do what, locked months, and what a hostile
user of the regency would try (4xx, never a 500)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from smartcity.db import db, tenant_bind
from smartcity.tenancy.names import role_name, schema_name
from smartcity.tenantcore.models import AuditEntry, Staff
from sqlalchemy import func, inspect, select, text

from tenants.ekinerja import rulesets, runs, sanctions, whatif
from tenants.ekinerja.access import system_actor
from tenants.ekinerja.models import TppMonth, TppStatement
from tenants.ekinerja.rules import TppRules
from tenants.ekinerja.tppmodels import Sanction
from tests.conftest import bearer, tenant_token
from tests.support.ekinerja_tpp import API, b64, two_units, user
from tests.support.images import png
from tests.support.web import csrf_token

PAGES = "/t/{slug}/ekinerja"
TODAY = date(2026, 4, 10)
PNG = png(8, 8)
#: The worker's class 8 base under the default rules.
BASE_8 = 3_500_000


def _setup(provision: Any, tenant_db: Any, client: Any) -> tuple[str, dict[str, int], dict]:
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        ids = two_units(s)
        staff = {k: s.get(Staff, v) for k, v in ids.items() if k not in ("dinkes", "disdik")}
        user(s, "pegawai@example.go.id", "ekinerja.staff", staff["worker"])
        user(s, "guru@example.go.id", "ekinerja.staff", staff["guru"])
        user(s, "kadis@example.go.id", "ekinerja.supervisor", staff["head"])
        user(s, "opd@example.go.id", "ekinerja.unit_admin", staff["admin"], (ids["dinkes"],))
        user(s, "admdik@example.go.id", "ekinerja.unit_admin", staff["guru_head"], (ids["disdik"],))
        user(s, "bkpsdm@example.go.id", "ekinerja.bkpsdm_admin")
        user(s, "inspektorat@example.go.id", "ekinerja.viewer")
        # Computed on its first day (a Sunday): no day to cut, so a sanction has room.
        runs.compute_month(s, system_actor("tests"), 2026, 3, today=date(2026, 3, 1))
    tokens = {
        who: bearer(tenant_token(client, slug, f"{who}@example.go.id"))
        for who in ("pegawai", "guru", "kadis", "opd", "admdik", "bkpsdm", "inspektorat")
    }
    return slug, ids, tokens


@pytest.fixture
def kab(provision: Any, tenant_db: Any, client: Any) -> tuple[str, dict[str, int], dict]:
    return _setup(provision, tenant_db, client)


def _body(person: int, **kw: Any) -> dict[str, Any]:
    return {
        "staff_id": person,
        "kind": "pemotongan_tunjangan",
        "decree_number": "800.1.6.4/12/BKPSDM/2026",
        "decree_date": "2026-02-20",
        "first_month": "2026-03",
        "months": 6,
        **kw,
    }


def _statement(client: Any, slug: str, token: Any, year: int = 2026, month: int = 3) -> dict:
    got = client.get(f"{API.format(slug=slug)}/tpp/{year}/{month}", headers=token)
    assert got.status_code == 200, got.get_json()
    return got.get_json()  # type: ignore[no-any-return]


def _sanction_lines(st: dict[str, Any]) -> list[dict[str, Any]]:
    return [ln for ln in st["lines"] if ln["component"] in ("sanction", "lhkpn", "tptgr")]


def test_a_recorded_sanction_cuts_the_open_month_with_its_record_and_rule(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    slug, ids, t = kab
    url = API.format(slug=slug)
    before = _statement(client, slug, t["pegawai"])
    assert before["sanction_deduction"] == 0 and _sanction_lines(before) == []
    made = client.post(
        f"{url}/sanctions",
        json=_body(ids["worker"], evidence_name="../sk.png", evidence_base64=b64(PNG)),
        headers=t["bkpsdm"],
    )
    assert made.status_code == 201, made.get_json()
    s = made.get_json()
    assert s["level"] == "sedang" and s["first_month"] == "2026-03" and s["last_month"] == "2026-08"
    assert s["has_evidence"] is True and s["annulled"] is False and s["name"] == "Budi Pegawai"
    # The month already computed (and open) is recalculated at once.
    after = _statement(client, slug, t["pegawai"])
    (line,) = _sanction_lines(after)
    assert line["component"] == "sanction"
    assert line["rule"] == "sanction_percent.pemotongan_tunjangan"
    assert line["record"] == f"sanction:{s['id']}" and line["day"] is None
    assert line["amount"] == BASE_8 // 4 and line["percent"].startswith("25")
    assert after["sanction_deduction"] == BASE_8 // 4
    assert after["net"] == before["net"] - BASE_8 // 4
    assert after["net"] == (
        after["base"]
        - after["performance_deduction"]
        - after["discipline_deduction"]
        - after["sanction_deduction"]
    )
    assert sum(ln["amount"] for ln in after["lines"]) == after["base"] - after["net"]
    # The decree's scan: the person and their unit's admin; nobody else learns it exists.
    ev = f"{url}/sanctions/{s['id']}/evidence"
    assert client.get(ev, headers=t["pegawai"]).status_code == 200
    assert client.get(ev, headers=t["opd"]).status_code == 200
    assert client.get(ev, headers=t["admdik"]).status_code == 404
    assert client.get(ev, headers=t["guru"]).status_code == 404
    with tenant_db(slug) as db_:
        audit = db_.scalar(select(AuditEntry).where(AuditEntry.action == "ekinerja.sanction"))
        assert audit is not None and str(audit.entity_id) == str(s["id"])
        assert db_.get(Sanction, s["id"]).evidence_name == "sk.png"


def test_only_bkpsdm_records_and_annuls_and_each_reads_only_what_they_may(
    client: Any, kab: Any, provision: Any, tenant_db: Any
) -> None:
    slug, ids, t = kab
    url = API.format(slug=slug)
    for who in ("pegawai", "kadis", "opd", "admdik", "inspektorat"):
        refused = client.post(f"{url}/sanctions", json=_body(ids["worker"]), headers=t[who])
        assert refused.status_code == 403, who
    s = client.post(f"{url}/sanctions", json=_body(ids["worker"]), headers=t["bkpsdm"]).get_json()
    guru = client.post(
        f"{url}/sanctions",
        json=_body(ids["guru"], kind="lhkpn", months=1, decree_number="LHKPN/1"),
        headers=t["bkpsdm"],
    ).get_json()
    for who in ("pegawai", "opd", "admdik", "inspektorat", "kadis"):
        annul = client.post(
            f"{url}/sanctions/{s['id']}/annulment", json={"reason": "x"}, headers=t[who]
        )
        assert annul.status_code == 403, who

    def seen(who: str, query: str = "") -> list[int]:
        got = client.get(f"{url}/sanctions{query}", headers=t[who])
        assert got.status_code == 200, (who, got.get_json())
        return sorted(x["id"] for x in got.get_json()["sanctions"])

    assert seen("pegawai") == [s["id"]]  # their own
    assert seen("guru") == [guru["id"]]
    assert seen("kadis") == []  # a supervisor is no unit admin
    assert seen("opd") == [s["id"]]  # their unit's people
    assert seen("admdik") == [guru["id"]]
    assert seen("inspektorat") == seen("bkpsdm") == sorted([s["id"], guru["id"]])
    assert seen("bkpsdm", "?kind=lhkpn") == [guru["id"]]
    assert seen("bkpsdm", f"?org_unit_id={ids['dinkes']}") == [s["id"]]
    assert seen("bkpsdm", "?month=2026-08") == [s["id"]] == seen("bkpsdm", "?q=Budi")
    assert seen("bkpsdm", "?month=2026-09") == [] == seen("bkpsdm", "?q=nobody%25_")
    assert seen("bkpsdm", "?status=annulled") == []
    assert client.get(f"{url}/sanctions/{guru['id']}", headers=t["pegawai"]).status_code == 404
    assert client.get(f"{url}/sanctions/{guru['id']}", headers=t["admdik"]).status_code == 200
    for bad in ("?kind=pemecatan", "?status=gone", "?month=2026-13", "?staff_id=-1"):
        assert client.get(f"{url}/sanctions{bad}", headers=t["bkpsdm"]).status_code == 422, bad
    # Another regency's BKPSDM admin is a stranger here.
    other = provision(apps=("ekinerja",))
    with tenant_db(other) as s2:
        user(s2, "bkpsdm@example.go.id", "ekinerja.bkpsdm_admin")
    theirs = bearer(tenant_token(client, other, "bkpsdm@example.go.id"))
    stranger = client.post(f"{url}/sanctions", json=_body(ids["worker"]), headers=theirs)
    assert stranger.status_code in (401, 403)
    assert client.get(f"{url}/sanctions", headers=theirs).status_code in (401, 403)
    # ...and their own regency has no such person.
    assert (
        client.post(
            f"{API.format(slug=other)}/sanctions", json=_body(ids["worker"]), headers=theirs
        ).status_code
        == 404
    )


def test_the_apis_refusals_name_the_fields_fault_in_the_readers_language(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    slug, _ids, t = kab
    url = API.format(slug=slug)
    with tenant_db(slug) as s:
        user(s, "lost@example.go.id", "ekinerja.staff")  # no staff member linked
    lost = bearer(tenant_token(client, slug, "lost@example.go.id"))
    for lang, word in (("id", "belum terhubung"), ("en", "not linked")):
        refused = client.get(f"{url}/sanctions?lang={lang}", headers=lost)
        assert refused.status_code == 403
        error = refused.get_json()["error"]
        assert error["fields"] == {"account": "not linked"}
        assert error["localized_fields"] == {"account": word}
    unknown = client.get(f"{url}/sanctions/424242?lang=id", headers=t["bkpsdm"])
    assert unknown.status_code == 404
    assert unknown.get_json()["error"]["localized_fields"] == {"sanction_id": "tidak dikenal"}


@pytest.mark.parametrize(
    "bad",
    [
        {"months": 0},
        {"months": 13},
        {"months": 10**30},
        {"months": -(10**30)},
        {"months": "six"},
        {"kind": "pemecatan"},
        {"kind": ""},
        {"decree_number": ""},
        {"decree_number": "   "},
        {"decree_number": "x" * 101},
        {"decree_date": "2026-02-30"},
        {"decree_date": "kemarin"},
        {"decree_date": "2026-W09-1"},
        {"decree_date": "2099-01-01"},
        {"decree_date": "1999-12-31"},
        {"first_month": "2026-13"},
        {"first_month": "2026-1"},
        {"first_month": "abcd-ef"},
        {"first_month": "1999-12"},
        {"first_month": "2026-01"},  # before the decree's month
        {"first_month": "2100-06", "months": 12},  # runs past 2100
        {"note": "x" * 2001},
        {"evidence_base64": "%%%"},
        {"evidence_base64": b64(b"just text")},
        {"staff_id": 0},
        {"staff_id": 10**30},
        {"staff_id": "budi"},
        {"extra": 1},
    ],
)
def test_hostile_input_is_a_clear_4xx(client: Any, kab: Any, bad: dict[str, Any]) -> None:
    slug, ids, t = kab
    got = client.post(
        f"{API.format(slug=slug)}/sanctions", json=_body(ids["worker"], **bad), headers=t["bkpsdm"]
    )
    assert 400 <= got.status_code < 500, (bad, got.status_code)
    assert got.status_code in (404, 422), (bad, got.get_json())
    assert got.get_json()["error"]["message"]


def test_a_locked_month_is_never_changed_by_a_sanction(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    slug, ids, t = kab
    url = API.format(slug=slug)
    spanning = client.post(
        f"{url}/sanctions", json=_body(ids["worker"], months=2), headers=t["bkpsdm"]
    ).get_json()
    only_march = client.post(
        f"{url}/sanctions",
        json=_body(ids["worker"], kind="tptgr", months=1, decree_number="TPTGR/1"),
        headers=t["bkpsdm"],
    ).get_json()
    paid = _statement(client, slug, t["pegawai"])
    with tenant_db(slug) as s:
        runs.lock_month(s, system_actor("tests"), 2026, 3)
    for first, months in (("2026-03", 1), ("2026-02", 2), ("2026-03", 12)):
        refused = client.post(
            f"{url}/sanctions",
            json=_body(ids["worker"], first_month=first, months=months, decree_number="B/2"),
            headers=t["bkpsdm"],
        )
        assert refused.status_code == 409, (first, months)
        error = refused.get_json()["error"]
        assert error["message"].startswith("March 2026 is locked for payment"), error
        assert error["params"] == {"month": "2026-03"}
    # The month by its name in the reader's language, in the sentence and beside the field.
    for lang, sentence, field in (
        ("id", "Maret 2026 sudah dikunci untuk pembayaran", "setelah Maret 2026"),
        ("en", "March 2026 is locked for payment", "after March 2026"),
    ):
        error = client.post(
            f"{url}/sanctions?lang={lang}",
            json=_body(ids["worker"], first_month="2026-03", months=1, decree_number="B/2"),
            headers=t["bkpsdm"],
        ).get_json()["error"]
        assert error["localized"].startswith(sentence), error
        assert error["localized_fields"] == {"first_month": field}
    later = client.post(
        f"{url}/sanctions",
        json=_body(ids["worker"], first_month="2026-04", months=1, decree_number="B/3"),
        headers=t["bkpsdm"],
    )
    assert later.status_code == 201
    # Every month paid: no annulment. Partly paid: annulled from the first open month.
    all_paid = client.post(
        f"{url}/sanctions/{only_march['id']}/annulment",
        json={"reason": "banding"},
        headers=t["bkpsdm"],
    )
    assert all_paid.status_code == 409
    assert all_paid.get_json()["error"]["fields"] == {"sanction_id": "locked"}
    in_indonesian = client.post(
        f"{url}/sanctions/{only_march['id']}/annulment?lang=id",
        json={"reason": "banding"},
        headers=t["bkpsdm"],
    ).get_json()["error"]
    assert in_indonesian["localized_fields"] == {"sanction_id": "dikunci"}
    partly = client.post(
        f"{url}/sanctions/{spanning['id']}/annulment",
        json={"reason": "Dibatalkan oleh putusan banding administratif"},
        headers=t["bkpsdm"],
    )
    assert partly.status_code == 200, partly.get_json()
    assert partly.get_json()["annulled_from"] == "2026-04"
    # The paid month as it was paid.
    assert _statement(client, slug, t["pegawai"]) == paid | {"locked": True}
    with tenant_db(slug) as s:
        april = runs.sanctions_for_month(s, 2026, 4)
        assert [x.sanction_id for x in april[ids["worker"]]] == [later.get_json()["id"]]
        march = runs.sanctions_for_month(s, 2026, 3)
        assert {x.sanction_id for x in march[ids["worker"]]} == {spanning["id"], only_march["id"]}


def test_an_annulled_sanction_no_longer_cuts_and_is_kept(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    slug, ids, t = kab
    url = API.format(slug=slug)
    s = client.post(f"{url}/sanctions", json=_body(ids["worker"]), headers=t["bkpsdm"]).get_json()
    assert _statement(client, slug, t["pegawai"])["sanction_deduction"] == BASE_8 // 4
    annul = f"{url}/sanctions/{s['id']}/annulment"
    for reason in ("", "   ", "x" * 2001):
        assert client.post(annul, json={"reason": reason}, headers=t["bkpsdm"]).status_code == 422
    assert client.post(annul, json={}, headers=t["bkpsdm"]).status_code == 422
    nowhere = f"{url}/sanctions/99999999999999999999/annulment"
    assert client.post(nowhere, json={"reason": "x"}, headers=t["bkpsdm"]).status_code == 404
    done = client.post(annul, json={"reason": "Salah catat"}, headers=t["bkpsdm"])
    assert done.status_code == 200
    got = done.get_json()
    assert got["annulled"] is True and got["annulled_from"] == "2026-03"
    assert got["annul_reason"] == "Salah catat"
    again = client.post(annul + "?lang=id", json={"reason": "lagi"}, headers=t["bkpsdm"])
    assert again.status_code == 409
    assert again.get_json()["error"]["fields"] == {"sanction_id": "annulled"}
    assert again.get_json()["error"]["localized_fields"] == {"sanction_id": "dibatalkan"}
    after = _statement(client, slug, t["pegawai"])
    assert after["sanction_deduction"] == 0 and _sanction_lines(after) == []
    listed = client.get(f"{url}/sanctions?status=annulled", headers=t["bkpsdm"]).get_json()
    assert [x["id"] for x in listed["sanctions"]] == [s["id"]]
    # Recorded again after an annulment (same decree) is allowed; twice at once is not.
    again = client.post(f"{url}/sanctions", json=_body(ids["worker"]), headers=t["bkpsdm"])
    assert again.status_code == 201
    twice = client.post(f"{url}/sanctions", json=_body(ids["worker"]), headers=t["bkpsdm"])
    assert twice.status_code == 409
    with tenant_db(slug) as db_:
        assert db_.scalar(select(func.count()).select_from(Sanction)) == 2
        actions = set(db_.scalars(select(AuditEntry.action)))
        assert {"ekinerja.sanction", "ekinerja.sanction_annul"} <= actions


def test_a_sanction_spans_its_months_at_each_months_rule_version(kab: Any, tenant_db: Any) -> None:
    """February and March at 25 % under the default version; a Perbup from April sets
    50 %: April's line says so and names that version; May is past the span."""
    slug, ids, _t = kab
    actor = system_actor("tests")
    with tenant_db(slug) as s:
        perbup = rulesets.add(
            s,
            actor,
            name="Perbup 9/2026",
            effective_from=date(2026, 4, 1),
            status="active",
            rules=TppRules().model_dump(mode="json")
            | {"sanction_percent": {"pemotongan_tunjangan": "50"}},
        )
        made = sanctions.record(
            s,
            actor,
            staff_id=ids["worker"],
            kind="pemotongan_tunjangan",
            decree_number="SK/1",
            decree_date="2026-01-15",
            first_month="2026-02",
            months=3,
            today=TODAY,
        )
    with tenant_db(slug) as s:
        amounts = {}
        for month in (1, 2, 3, 4, 5):
            rule_set = runs.rule_set_for(s, date(2026, month, 1))
            rules = TppRules.model_validate(rule_set.rules)
            _people, results = runs.compute_results(
                s, rules, 2026, month, date(2026, month, 28), staff_ids=[ids["worker"]]
            )
            lines = [ln for ln in results[ids["worker"]].lines if ln.component == "sanction"]
            amounts[month] = [(ln.amount, ln.rule, ln.record, rule_set.id) for ln in lines]
        rule = "sanction_percent.pemotongan_tunjangan"
        record = f"sanction:{made.id}"
        default_id = runs.rule_set_for(s, date(2026, 3, 1)).id
        assert amounts[1] == amounts[5] == []
        assert amounts[2] == amounts[3] == [(BASE_8 // 4, rule, record, default_id)]
        assert amounts[4] == [(BASE_8 // 2, rule, record, perbup.id)]


def test_an_objection_can_be_made_to_a_sanction_line(client: Any, kab: Any) -> None:
    slug, ids, t = kab
    url = API.format(slug=slug)
    client.post(f"{url}/sanctions", json=_body(ids["worker"]), headers=t["bkpsdm"])
    (line,) = _sanction_lines(_statement(client, slug, t["pegawai"]))
    sent = client.post(
        f"{url}/tpp/2026/3/objections",
        json={"line_id": line["id"], "reason": "SK sedang diajukan banding"},
        headers=t["pegawai"],
    )
    assert sent.status_code == 201, sent.get_json()
    objection = sent.get_json()
    assert objection["line"]["component"] == "sanction"
    assert objection["line"]["record"] == line["record"]
    assert objection["before"]["sanction_deduction"] == BASE_8 // 4


# --------------------------------------------------------------------------- pages


def _post(client: Any, page: str, url: str, data: dict[str, Any]) -> Any:
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def _error(html: str, key: str) -> str:
    found = re.search(rf'data-error="{re.escape(key)}">([^<]*)<', html)
    return found.group(1) if found else ""


FORM = {
    "nip": "198609262015051001",
    "kind": "teguran_tertulis",
    "decree_number": "800/7/BKPSDM/2026",
    "decree_date": "2026-03-02",
    "first_month": "2026-03",
    "months": "1",
    "note": "Tidak masuk kerja tanpa keterangan",
}


def test_bkpsdm_records_and_annuls_on_the_page_in_both_languages(
    kab: Any, page_sign_in: Any, tenant_db: Any
) -> None:
    slug, _ids, _t = kab
    base = PAGES.format(slug=slug)
    bkpsdm = page_sign_in(slug, "bkpsdm@example.go.id")
    page = bkpsdm.get(f"{base}/sanctions")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Hukuman disiplin dan potongan" in html and 'id="ekn-sanction-form"' in html
    assert "Teguran tertulis" in html and "ringan" in html
    made = _post(bkpsdm, f"{base}/sanctions", f"{base}/sanctions", FORM)
    assert made.status_code == 303, made.get_data(as_text=True)[:2000]
    html = bkpsdm.get(f"{base}/sanctions").get_data(as_text=True)
    assert "Budi Pegawai" in html and "800/7/BKPSDM/2026" in html
    assert "2 Maret 2026" in html and "Maret 2026" in html  # Indonesian dates
    assert "25% dari TPP sebulan" in html
    assert "(1 bulan)" in html
    english = bkpsdm.get(f"{base}/sanctions?lang=en").get_data(as_text=True)
    assert "Sanctions and deductions" in english and "Written reprimand" in english
    assert "March 2026" in english
    assert "(1 month)" in english and "(1 months)" not in english
    with tenant_db(slug) as s:
        sanction = s.scalars(select(Sanction)).one()
    # The statement names the cut, the decree and the rule version.
    me = page_sign_in(slug, "pegawai@example.go.id")
    tpp = me.get(f"{base}/tpp?year=2026&month=3").get_data(as_text=True)
    assert 'data-component="sanction"' in tpp and f"SK hukuman #{sanction.id}" in tpp
    assert "sanction_percent.teguran_tertulis" in tpp and "Hukuman disiplin" in tpp
    assert 'id="ekn-sanction-cut"' in tpp
    tpp_en = me.get(f"{base}/tpp?year=2026&month=3&lang=en").get_data(as_text=True)
    assert "Disciplinary sanction" in tpp_en and f"sanction decree #{sanction.id}" in tpp_en
    # Annulling asks to be confirmed and for a reason.
    annul = f"{base}/sanctions/{sanction.id}/annulment"
    unconfirmed = _post(bkpsdm, f"{base}/sanctions", annul, {"reason": "banding"})
    assert unconfirmed.status_code == 422
    assert _error(unconfirmed.get_data(as_text=True), "confirm")
    no_reason = _post(bkpsdm, f"{base}/sanctions", annul, {"reason": "", "confirm": "yes"})
    assert no_reason.status_code == 422 and _error(no_reason.get_data(as_text=True), "reason")
    done = _post(bkpsdm, f"{base}/sanctions", annul, {"reason": "banding", "confirm": "yes"})
    assert done.status_code == 303
    listed = bkpsdm.get(f"{base}/sanctions?status=annulled&lang=id").get_data(as_text=True)
    assert f'data-sanction="{sanction.id}"' in listed and "Dibatalkan oleh" in listed
    assert bkpsdm.get(f"{base}/sanctions/99999999999999999999/evidence").status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("nip", "123"),
        ("nip", "x" * 200),
        ("kind", "pemecatan"),
        ("decree_number", ""),
        ("decree_date", "30-02-2026"),
        ("decree_date", "2099-01-01"),
        ("first_month", "2026-13"),
        ("first_month", "Maret"),
        ("months", "0"),
        ("months", "13"),
        ("months", "9" * 40),
        ("months", "1,5"),
    ],
)
def test_a_hostile_sanction_form_names_the_field(
    kab: Any, page_sign_in: Any, tenant_db: Any, field: str, value: str
) -> None:
    slug, _ids, _t = kab
    base = PAGES.format(slug=slug)
    bkpsdm = page_sign_in(slug, "bkpsdm@example.go.id")
    refused = _post(bkpsdm, f"{base}/sanctions", f"{base}/sanctions", FORM | {field: value})
    assert refused.status_code == 422, (field, value, refused.status_code)
    html = refused.get_data(as_text=True)
    assert _error(html, field), (field, value)
    with tenant_db(slug) as s:
        assert s.scalar(select(func.count()).select_from(Sanction)) == 0


def test_the_page_is_read_only_to_unit_admins_and_refused_to_strangers(
    kab: Any, page_sign_in: Any, client: Any
) -> None:
    slug, _ids, t = kab
    base = PAGES.format(slug=slug)
    client.post(
        f"{API.format(slug=slug)}/sanctions", json=_body(_ids["worker"]), headers=t["bkpsdm"]
    )
    admin = page_sign_in(slug, "opd@example.go.id")
    html = admin.get(f"{base}/sanctions").get_data(as_text=True)
    assert "Budi Pegawai" in html
    assert 'id="ekn-sanction-form"' not in html and 'data-annul="' not in html
    assert _post(admin, f"{base}/sanctions", f"{base}/sanctions", FORM).status_code == 403
    other_admin = page_sign_in(slug, "admdik@example.go.id")
    assert "Budi Pegawai" not in other_admin.get(f"{base}/sanctions").get_data(as_text=True)
    me = page_sign_in(slug, "guru@example.go.id")
    assert "Budi Pegawai" not in me.get(f"{base}/sanctions").get_data(as_text=True)


def test_the_rule_version_form_edits_the_sanction_table(
    kab: Any, page_sign_in: Any, tenant_db: Any
) -> None:
    slug, _ids, _t = kab
    base = PAGES.format(slug=slug)
    bkpsdm = page_sign_in(slug, "bkpsdm@example.go.id")
    draft_url = _post(bkpsdm, f"{base}/rules", f"{base}/rules/drafts", {}).location
    draft_id = int(draft_url.rsplit("/", 1)[1])
    page = bkpsdm.get(draft_url).get_data(as_text=True)
    form = page[page.find('id="ekn-rules-form"') :]
    form = form[: form.find("</form>")]
    values = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) != "csrf_token":
            values[name.group(1)] = value.group(1) if value else ""
    for select_ in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', select_[1])
        values[select_[0]] = chosen.group(1) if chosen else ""
    assert values["sanction_percent.pemotongan_tunjangan"] == "25"
    assert values["sanction_cap_percent"] == "100"
    bad = _post(bkpsdm, draft_url, draft_url, values | {"sanction_percent.lhkpn": "120"})
    assert bad.status_code == 422
    assert _error(bad.get_data(as_text=True), "rules.sanction_percent")
    typed = values | {
        "sanction_percent.lhkpn": "12,5",
        "sanction_percent.tptgr": "",
        "sanction_cap_percent": "90",
    }
    saved = _post(bkpsdm, draft_url, draft_url, typed)
    assert saved.status_code == 303
    with tenant_db(slug) as s:
        rules = TppRules.model_validate(rulesets.get(s, draft_id).rules)
        assert str(rules.sanction_percent["lhkpn"]) == "12.5"
        assert "tptgr" not in rules.sanction_percent  # empty: no cut
        assert str(rules.sanction_cap_percent) == "90"


def test_the_api_refuses_an_unknown_sanction_kind_in_a_rule_version(client: Any, kab: Any) -> None:
    slug, _ids, t = kab
    api = API.format(slug=slug)
    d = client.post(f"{api}/rule-sets/drafts", json={}, headers=t["bkpsdm"]).get_json()
    assert d["rules"]["sanction_percent"]["pembebasan_jabatan"] == "80"
    for bad in ({"pemecatan": "100"}, {"lhkpn": "-1"}, {"lhkpn": "abc"}):
        answer = client.put(
            f"{api}/rule-sets/{d['id']}",
            json={
                "name": "R",
                "effective_from": "2027-01-01",
                "rules": d["rules"] | {"sanction_percent": bad},
            },
            headers=t["bkpsdm"],
        )
        assert answer.status_code == 422, bad
        assert any(
            k.startswith("rules.sanction_percent") for k in answer.get_json()["error"]["fields"]
        )


# --------------------------------------------------------------------------- migration


def test_the_sanctions_migration_goes_down_and_up(
    provision: Any, tenant_db: Any, state: Any
) -> None:
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        ids = two_units(s)
        runs.compute_month(s, system_actor("tests"), 2026, 3, today=TODAY)
    schema, role = schema_name(slug), role_name(state.settings.role_prefix, slug)
    with tenant_bind(db.engine, schema, role).connect() as conn:
        state.migrations.downgrade_tenant(conn, schema, "ekinerja", "ekn0004_eknpages")
        conn.commit()
        conn.execute(text(f'SET search_path TO "{schema}"'))
        tables = inspect(conn).get_table_names()
        columns = {c["name"] for c in inspect(conn).get_columns("ekn_tpp_statements")}
        assert "ekn_sanctions" not in tables and "sanction_deduction" not in columns
        state.migrations.upgrade_tenant(conn, schema, ["ekinerja"])
        conn.commit()
    with tenant_db(slug) as s:
        # The statements stored before the column existed read 0; sanctions can be added.
        assert set(s.scalars(select(TppStatement.sanction_deduction))) == {0}
        sanctions.record(
            s,
            system_actor("tests"),
            staff_id=ids["worker"],
            kind="lhkpn",
            decree_number="L/1",
            decree_date="2026-03-01",
            first_month="2026-03",
            months=1,
            today=TODAY,
        )
        run = s.scalars(select(TppMonth)).one()
        assert run.locked_at is None and run.computed_at < datetime.now(UTC)


def test_the_what_if_prices_the_months_sanctions_under_the_drafts_percentages(
    kab: Any, tenant_db: Any
) -> None:
    """The draft doubles the moderate sanction: the worker would lose what the other cuts
    left (the cap keeps the net at zero or above), and the what-if says how much more."""
    slug, ids, _t = kab
    actor = system_actor("tests")
    with tenant_db(slug) as s:
        sanctions.record(
            s,
            actor,
            staff_id=ids["worker"],
            kind="pemotongan_tunjangan",
            decree_number="SK/2",
            decree_date="2026-02-20",
            first_month="2026-03",
            months=1,
            today=TODAY,
        )
        draft = rulesets.add(
            s,
            actor,
            name="Rancangan",
            effective_from=date(2026, 5, 1),
            status="draft",
            rules=TppRules().model_dump(mode="json")
            | {"sanction_percent": {"pemotongan_tunjangan": "50"}},
        )
        result = whatif.run(s, actor, draft.id, 2026, 3, today=date(2026, 3, 1))
    # No day to cut yet and no approved minutes: the performance part (60 %) is cut whole,
    # leaving the discipline part (1,400,000) for sanctions: 875,000 now, 1,400,000 capped.
    assert result.current.deduction - result.draft.deduction == -(1_400_000 - BASE_8 // 4)
    assert result.difference == -(1_400_000 - BASE_8 // 4)
