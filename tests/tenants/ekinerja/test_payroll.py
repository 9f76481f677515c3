"""The month's TPP for payment (the signed list per unit, the payroll export) and the
"what if" of a draft rule set, built by the worker's own code on the real database."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader
from smartcity.jobs.models import Job
from smartcity.tenantcore.models import Staff, User
from smartcity.toolkit import set_member_units
from sqlalchemy import select

from tenants.ekinerja import runs
from tenants.ekinerja.access import system_actor
from tenants.ekinerja.models import RuleSet, TppStatement
from tenants.ekinerja.rules import TppRules
from tests.conftest import bearer, tenant_token
from tests.support.documents import pdf_text
from tests.support.ekinerja_tpp import API, two_units, user
from tests.support.web import csrf_token
from tests.workers import ask, broker_of, redis_server, run_now


@pytest.fixture(scope="module", autouse=True)
def private_broker(app: Any) -> Any:
    with redis_server() as server, broker_of(app, server.url):
        yield server


@pytest.fixture
def kab(provision: Any, tenant_db: Any, client: Any) -> Any:
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        ids = two_units(s)
        user(s, "bkpsdm@example.go.id", "ekinerja.bkpsdm_admin")
        user(
            s,
            "opd@example.go.id",
            "ekinerja.unit_admin",
            s.get(Staff, ids["admin"]),
            (ids["dinkes"],),
        )
        runs.compute_month(s, system_actor("tests"), 2026, 3, today=date(2026, 4, 10))
        statements = {st.staff_id: st for st in s.scalars(select(TppStatement))}
        nets = {k: statements[v].net for k, v in ids.items() if k not in ("dinkes", "disdik")}
    tokens = {who: tenant_token(client, slug, f"{who}@example.go.id") for who in ("bkpsdm", "opd")}
    return slug, ids, tokens, nets


def _file(  # noqa: PLR0917 - the fixtures, then who asks for what
    app: Any, client: Any, state: Any, slug: str, token: str, kind: str, **params: Any
) -> bytes:
    job = ask(client, slug, token, kind, **params)
    assert run_now(app, state, slug, job["id"]) == "succeeded"
    response = client.get(f"/t/{slug}/api/v1/jobs/{job['id']}/result", headers=bearer(token))
    assert response.status_code == 200
    return response.data  # type: ignore[no-any-return]


def _rupiah(amount: int) -> str:
    return "Rp " + f"{amount:,}".replace(",", ".")


def test_the_signed_list_puts_each_unit_on_its_pages_under_its_heads_signature(
    app: Any, client: Any, state: Any, kab: Any
) -> None:
    slug, _ids, t, nets = kab
    data = _file(
        app,
        client,
        state,
        slug,
        t["bkpsdm"],
        "report:ekinerja_tpp_signed",
        year=2026,
        month=3,
        format="pdf",
    )
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]
    dinkes = next(p for p in pages if "Dinas Kesehatan" in p)
    disdik = next(p for p in pages if "Dinas Pendidikan" in p)
    assert dinkes is not disdik
    # Money the Indonesian way, each unit signed by its own head (with the NIP printed).
    assert _rupiah(nets["worker"]) in dinkes
    assert "dr. Kadis" in dinkes and "19700110 199201 1 001" in dinkes
    assert "Kadis Disdik" in disdik and "dr. Kadis" not in disdik
    assert "PPh 21 tidak dihitung" in pdf_text(data)
    # The month by its Indonesian name, whoever asked: the document is Indonesian.
    assert "DAFTAR TPP PER UNIT MARET 2026" in dinkes and "03/2026" not in pdf_text(data)
    # One unit only, on request; a unit admin may not ask for the regency's payroll.
    one = pdf_text(
        _file(
            app,
            client,
            state,
            slug,
            t["bkpsdm"],
            "report:ekinerja_tpp_signed",
            year=2026,
            month=3,
            format="pdf",
            org_unit_id=_ids["disdik"],
        )
    )
    assert "Dinas Pendidikan" in one and "Dinas Kesehatan" not in one
    refused = client.post(
        f"/t/{slug}/api/v1/jobs",
        json={"kind": "report:ekinerja_tpp_signed", "params": {"year": 2026, "month": 3}},
        headers=bearer(t["opd"]),
    )
    assert refused.status_code == 403


def test_the_payroll_export_has_plain_numbers_in_csv_and_xlsx(
    app: Any, client: Any, state: Any, kab: Any
) -> None:
    slug, _ids, t, nets = kab
    raw = _file(
        app,
        client,
        state,
        slug,
        t["bkpsdm"],
        "report:ekinerja_tpp_payroll",
        year=2026,
        month=3,
        format="csv",
    )
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = next(r for r in rows if r and r[0] == "NIP")
    assert header == [
        "NIP",
        "Nama",
        "Kelas jabatan",
        "Kode unit",
        "Unit",
        "TPP kotor",
        "Potongan disiplin",
        "Potongan kinerja",
        "Hukuman disiplin dan potongan lain",
        "TPP bersih",
    ]
    worker = next(r for r in rows if r and r[0] == "198609262015051001")
    assert worker[1] == "Budi Pegawai" and worker[2] == "8" and worker[3] == "1.02.01"
    assert worker[9] == str(nets["worker"])
    assert int(worker[5]) - int(worker[6]) - int(worker[7]) - int(worker[8]) == int(worker[9])
    xlsx = _file(
        app,
        client,
        state,
        slug,
        t["bkpsdm"],
        "report:ekinerja_tpp_payroll",
        year=2026,
        month=3,
        format="xlsx",
    )
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    values = [
        row for row in sheet.iter_rows(values_only=True) if row and row[0] == "198609262015051001"
    ]
    assert values and values[0][9] == nets["worker"]
    heading = [row[0] for row in sheet.iter_rows(max_row=6, values_only=True) if row]
    assert "Ekspor pembayaran TPP Maret 2026" in heading and "Bulan: Maret 2026" in heading
    pdf = client.post(
        f"/t/{slug}/api/v1/jobs",
        json={
            "kind": "report:ekinerja_tpp_payroll",
            "params": {"year": 2026, "month": 3, "format": "pdf"},
        },
        headers=bearer(t["bkpsdm"]),
    )
    assert pdf.status_code == 422


def test_the_tpp_run_lists_the_month_by_its_indonesian_name(
    app: Any, client: Any, state: Any, kab: Any
) -> None:
    slug, _ids, t, _nets = kab
    text = pdf_text(
        _file(
            app,
            client,
            state,
            slug,
            t["bkpsdm"],
            "report:ekinerja_tpp",
            year=2026,
            month=3,
            recompute=False,
            format="pdf",
        )
    )
    assert "Daftar TPP Maret 2026" in text and "03/2026" not in text
    assert re.search(r"Bulan\s*Maret 2026", text), text[:400]


def test_what_if_a_draft_rule_set_changes_the_budget_per_unit(
    client: Any, kab: Any, tenant_db: Any
) -> None:
    slug, _ids, t, nets = kab
    url = API.format(slug=slug)
    with tenant_db(slug) as s:
        draft = RuleSet(
            name="Perbup 2027 (rancangan)",
            effective_from=date(2027, 1, 1),
            status="draft",
            rules=TppRules(
                absent_percent=Decimal(2),
                base_by_class={
                    **TppRules().base_by_class,
                    8: Decimal(4_000_000),
                },
            ).model_dump(mode="json"),
            created_by="tests",
        )
        s.add(draft)
        s.flush()
        draft_id = draft.id
        before = list(s.scalars(select(TppStatement.net).order_by(TppStatement.id)))
    got = client.get(f"{url}/rule-sets/{draft_id}/what-if/2026/3", headers=bearer(t["bkpsdm"]))
    assert got.status_code == 200, got.get_json()
    result = got.get_json()
    assert result["current"]["net"] == sum(nets.values())
    assert result["draft_rule_set"] == "Perbup 2027 (rancangan)"
    units = {u["code"]: u for u in result["units"]}
    assert set(units) == {"1.01.01", "1.02.01"}
    assert sum(u["difference"] for u in units.values()) == result["difference"]
    assert result["draft"]["net"] - result["current"]["net"] == result["difference"]
    assert result["difference"] > 0  # a higher class-8 base and a smaller absence cut
    # Nothing real changed.
    with tenant_db(slug) as s:
        assert list(s.scalars(select(TppStatement.net).order_by(TppStatement.id))) == before
    assert (
        client.get(
            f"{url}/rule-sets/{draft_id}/what-if/2026/3", headers=bearer(t["opd"])
        ).status_code
        == 403
    )
    assert (
        client.get(
            f"{url}/rule-sets/999999/what-if/2026/3", headers=bearer(t["bkpsdm"])
        ).status_code
        == 404
    )
    assert (
        client.get(
            f"{url}/rule-sets/{draft_id}/what-if/2099/3", headers=bearer(t["bkpsdm"])
        ).status_code
        == 422
    )


def test_the_what_if_page_in_indonesian(
    client: Any, kab: Any, page_sign_in: Any, tenant_db: Any
) -> None:
    slug, *_ = kab
    with tenant_db(slug) as s:
        s.add(
            RuleSet(
                name="Rancangan",
                effective_from=date(2027, 1, 1),
                status="draft",
                rules={},
                created_by="tests",
            )
        )
    admin = page_sign_in(slug, "bkpsdm@example.go.id")
    page = admin.get(f"/t/{slug}/ekinerja/what-if?year=2026&month=3")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Simulasi" in html and "Dinas Kesehatan" in html and "Selisih" in html


def test_a_unit_admin_asks_for_their_own_units_list_and_payroll_and_no_other(
    app: Any, client: Any, kab: Any, tenant_db: Any, provision: Any
) -> None:
    state = app.extensions["smartcity"]
    slug, ids, t, nets = kab
    jobs = f"/t/{slug}/api/v1/jobs"
    for kind, fmt in (
        ("report:ekinerja_tpp_signed", "pdf"),
        ("report:ekinerja_tpp_payroll", "csv"),
    ):
        for unit, status in ((ids["disdik"], 403), (None, 403), (999999, 422)):
            params = {"year": 2026, "month": 3, "format": fmt, "org_unit_id": unit}
            refused = client.post(
                jobs, json={"kind": kind, "params": params}, headers=bearer(t["opd"])
            )
            assert refused.status_code == status, (kind, unit, refused.get_json())
            assert "params.org_unit_id" in refused.get_json()["error"]["fields"]
    signed = pdf_text(
        _file(
            app,
            client,
            state,
            slug,
            t["opd"],
            "report:ekinerja_tpp_signed",
            year=2026,
            month=3,
            format="pdf",
            org_unit_id=ids["dinkes"],
        )
    )
    assert "Dinas Kesehatan" in signed and "Dinas Pendidikan" not in signed
    assert _rupiah(nets["worker"]) in signed and "Guru" not in signed
    raw = _file(
        app,
        client,
        state,
        slug,
        t["opd"],
        "report:ekinerja_tpp_payroll",
        year=2026,
        month=3,
        format="csv",
        org_unit_id=ids["dinkes"],
    )
    units = {
        r[3] for r in csv.reader(io.StringIO(raw.decode("utf-8-sig"))) if r and r[0].isdecimal()
    }
    assert units == {"1.02.01"}
    # Asked while they managed the unit, run after they no longer do: refused when it runs.
    job = ask(
        client,
        slug,
        t["opd"],
        "report:ekinerja_tpp_payroll",
        year=2026,
        month=3,
        format="csv",
        org_unit_id=ids["dinkes"],
    )
    with tenant_db(slug) as s:
        opd = s.scalars(select(User).where(User.email == "opd@example.go.id")).one()
        set_member_units(s, opd.id, "ekinerja", [], actor="test")
    assert run_now(app, state, slug, job["id"]) == "failed"
    failed = client.get(f"{jobs}/{job['id']}", headers=bearer(t["opd"])).get_json()
    assert "do not manage" in failed["error"]
    # Another regency: this regency's token is no credential there.
    other = provision(apps=("ekinerja",))
    elsewhere = client.post(
        f"/t/{other}/api/v1/jobs",
        json={"kind": "report:ekinerja_tpp_payroll", "params": {"year": 2026, "month": 3}},
        headers=bearer(t["opd"]),
    )
    assert elsewhere.status_code == 401


def test_the_tpp_lists_page_asks_for_a_units_list_through_the_jobs(
    client: Any, kab: Any, page_sign_in: Any, tenant_db: Any
) -> None:
    slug, ids, _t, _nets = kab
    page = f"/t/{slug}/ekinerja/tpp-lists"
    admin = page_sign_in(slug, "opd@example.go.id")
    html = admin.get(page).get_data(as_text=True)
    assert "Dinas Kesehatan" in html and "Dinas Pendidikan" not in html and "Semua unit" not in html
    form = {"year": "2026", "month": "3", "document": "signed"}
    token = csrf_token(html)
    refused = admin.post(
        page, data={"csrf_token": token, **form, "org_unit_id": str(ids["disdik"])}
    )
    assert refused.status_code == 403 and "Anda tidak mengelola unit ini" in refused.get_data(
        as_text=True
    )
    for bad in ({"month": "²"}, {"year": "99999"}, {"org_unit_id": "abc"}):
        answer = admin.post(
            page, data={"csrf_token": token, **form, "org_unit_id": str(ids["dinkes"]), **bad}
        )
        assert answer.status_code in (403, 422), bad
    asked = admin.post(page, data={"csrf_token": token, **form, "org_unit_id": str(ids["dinkes"])})
    assert asked.status_code == 303 and asked.location.endswith("/jobs")
    with tenant_db(slug) as s:
        job = s.scalars(select(Job).order_by(Job.id.desc())).first()
        assert (
            job.kind == "report:ekinerja_tpp_signed" and job.params["org_unit_id"] == ids["dinkes"]
        )
    # The core's own form says the same, beside the unit's field.
    core = admin.post(
        f"/t/{slug}/jobs/new",
        data={
            "csrf_token": csrf_token(admin.get(f"/t/{slug}/jobs/new").get_data(as_text=True)),
            "report": "ekinerja_tpp_payroll",
            "year": "2026",
            "month": "3",
            "format": "csv",
            "org_unit_id": str(ids["disdik"]),
        },
    )
    assert core.status_code == 403 and "Anda tidak mengelola unit ini" in core.get_data(
        as_text=True
    )
    bkpsdm = page_sign_in(slug, "bkpsdm@example.go.id")
    assert "Semua unit" in bkpsdm.get(page).get_data(as_text=True)
