"""e-Budgeting reports through the worker's report framework: RKA, program, realization."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from tenants.ebudgeting import ceilings, review, stages, tapd
from tenants.ebudgeting import execution as realization
from tenants.ebudgeting import planning as rka
from tests.conftest import PASSWORD, bearer, tenant_token
from tests.ebudgeting_support import (
    CHAIR,
    HVS,
    MEALS_ACCOUNT,
    PAPER_ACCOUNT,
    SNACK,
    SUB_MOTHERS,
    SUB_PLANNING,
    SYSTEM,
    TAPD,
    agree_kua_ppas,
    budget_year,
    factors,
    item,
    make_opds,
    make_users,
    stage_document,
    sub_activity,
)
from tests.support.documents import pdf_text
from tests.workers import ask, broker_of, redis_server, run_now


@pytest.fixture(scope="module", autouse=True)
def private_broker(app):
    with redis_server() as server, broker_of(app, server.url):
        yield server


@pytest.fixture
def regency(provision, tenant_db, state):
    """Dinas Kesehatan (two plans, paid in part) and Dinas Pendidikan (one plan), through DPA."""
    slug = provision(apps=("ebudgeting",))
    with tenant_db(slug) as session:
        opds = make_opds(session)
        make_users(session, state.registry, opds, PASSWORD)
        fiscal_year = budget_year(session, opds)
        ceilings.set_ceiling(session, fiscal_year, opds.disdik, Decimal(50000000), actor=TAPD)
        planning = sub_activity(session, fiscal_year, opds)
        mothers = sub_activity(session, fiscal_year, opds, code=SUB_MOTHERS)
        rka.add_line(
            session,
            planning.id,
            catalogue_item_id=item(session, HVS).id,
            account_code=PAPER_ACCOUNT,
            factors=factors(("20", "rim")),
            description="dokumen Renja",
            actor=opds.operator,
        )
        rka.add_line(
            session,
            mothers.id,
            catalogue_item_id=item(session, SNACK).id,
            account_code=MEALS_ACCOUNT,
            factors=factors(("25", "orang"), ("4", "kali")),
            actor=opds.operator,
        )
        school = rka.create_sub_activity(
            session,
            fiscal_year,
            org_unit_id=opds.disdik,
            sub_kegiatan_code="1.01.02.2.01.0002",
            output_indicator=None,
            target=Decimal(2),
            target_unit=None,
            location="SDN 3",
            funding_source="DAK Fisik",
            ceiling=Decimal(10000000),
            actor=TAPD,
        )
        rka.add_line(
            session,
            school.id,
            catalogue_item_id=item(session, HVS).id,
            account_code=PAPER_ACCOUNT,
            factors=factors(("100", "rim")),
            actor=TAPD,
        )
        for unit in (opds.dinkes, opds.disdik):
            review.transition_opd(session, fiscal_year, unit, "submit", note=None, actor=SYSTEM)
            review.transition_opd(session, fiscal_year, unit, "lock", note=None, actor=CHAIR)
        agree_kua_ppas(session, fiscal_year)
        for stage in ("rka", "apbd", "dpa"):
            stages.take_snapshot(
                session, fiscal_year, stage, document=stage_document(stage), actor=CHAIR
            )
        realization.record_payment(
            session,
            fiscal_year,
            sp2d_number="10/SP2D",
            paid_on=date(2026, 3, 2),
            sub_activity_id=planning.id,
            account_code=PAPER_ACCOUNT,
            amount=Decimal(550000),
            actor=TAPD,
        )
        realization.record_payment(
            session,
            fiscal_year,
            sp2d_number="11/SP2D",
            paid_on=date(2026, 4, 6),
            sub_activity_id=school.id,
            account_code=PAPER_ACCOUNT,
            amount=Decimal(5500000),
            actor=TAPD,
        )
    return slug


@pytest.fixture
def report(app, client, state):
    """``report(slug, email, kind, **params)``: ask as that user, run it, return the file."""

    def make(slug, email, kind, **params):
        token = tenant_token(client, slug, email)
        job = ask(client, slug, token, kind, **params)
        assert run_now(app, state, slug, job["id"]) == "succeeded"
        response = client.get(f"/t/{slug}/api/v1/jobs/{job['id']}/result", headers=bearer(token))
        assert response.status_code == 200
        return response.data

    return make


def _rows(data, sheet):
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    names = {s.title: s for s in book.worksheets}
    return [list(r) for r in names[sheet].iter_rows(values_only=True)]


@pytest.fixture
def heads(regency, tenant_db):
    """The head of Dinas Kesehatan on the roster, and the TAPD chair's NIP."""
    from datetime import date as day

    from smartcity.tenantcore.models import OrgUnit, Staff
    from sqlalchemy import select

    with tenant_db(regency) as session:
        dinkes = session.scalar(select(OrgUnit).where(OrgUnit.code == "1.02.01"))
        disdik = session.scalar(select(OrgUnit).where(OrgUnit.code == "1.01.01"))
        for nip, name, echelon, position in (
            ("197001101992011001", "dr. Siti Rahmawati, M.Kes", "II.b", "Kepala Dinas"),
            ("198503152010012002", "Budi Santoso", None, "Analis Keuangan"),
            ("196805121990031003", "Sekda", "II.a", "Sekretaris Daerah"),
            ("197205151995031002", "Drs. Bambang Wibowo", "II.b", "Kepala BPKAD"),
        ):
            session.add(
                Staff(
                    nip=nip,
                    name=name,
                    status="PNS",
                    golongan="IV/c",
                    position=position,
                    echelon=echelon,
                    unit_id=disdik.id if name == "Sekda" else dinkes.id,
                    sex="P",
                    birth_date=day(1970, 1, 10),
                )
            )
        session.flush()
        # The TAPD the regency keeps: the Sekda chairs, the head of BPKAD is the PPKD.
        for nip, role, is_ppkd in (
            ("196805121990031003", "chair", False),
            ("197205151995031002", "secretary", True),
        ):
            person = tapd.staff_by_nip(session, nip)
            tapd.set_member(session, person.id, role, is_ppkd=is_ppkd, actor=CHAIR)
    return regency


def test_the_dpa_of_an_opd_is_the_regulations_document(report, heads):
    """Permendagri 77/2020: title and number by stage, header block, indicators, account
    hierarchy with subtotals equal to the lines, TAPD table, the head's signature."""
    slug = heads
    dpa = pdf_text(
        report(
            slug,
            "tapd@example.go.id",
            "report:ebudgeting_rka",
            year=2026,
            org_unit_code="1.02.01",
            signing_place="Sukamaju",
            format="pdf",
        )
    )
    flat = " ".join(dpa.split())
    assert "DOKUMEN PELAKSANAAN ANGGARAN SATUAN KERJA PERANGKAT DAERAH (DPA-SKPD)" in flat
    assert "Nomor: DPA/2026/001" in flat and "RENCANA KERJA DAN ANGGARAN" not in flat
    assert "DPA-RINCIAN BELANJA SKPD" in flat and "RKA-RINCIAN" not in flat
    for label in (
        "Urusan Pemerintahan",
        "Bidang Urusan",
        "Program",
        "Kegiatan",
        "Sub Kegiatan",
        "Capaian Program",
        "Masukan",
        "Keluaran",
        "Hasil",
        "Kelompok Sasaran",
        "Lokasi",
        "Waktu Pelaksanaan",
        "Sumber Pendanaan",
        "Alokasi 2025",
        "Alokasi 2027",
    ):
        assert label in flat, label
    assert "1.02.02.2.02.0001 Pengelolaan Pelayanan Kesehatan Ibu Hamil" in flat
    # 25 orang x 4 kali boxes of snacks at Rp 20.000: volume and unit apart, and every
    # account level above the line carries the line's 2.000.000.
    assert "25 orang x 4 kali 100 orang x kali 20.000 2.000.000" in flat
    for account in ("5 ", "5.1 ", "5.1.02 ", "5.1.02.01 ", "5.1.02.01.01 ", MEALS_ACCOUNT):
        assert f"{account.strip()} " in flat
    assert "5.1.02.01.01.0052 Belanja Makanan dan Minuman Rapat 2.000.000" in flat
    # The TAPD table from the list the regency keeps, and the PPKD's signature on the DPA.
    assert "Tim Anggaran Pemerintah Daerah" in flat and "Ketua TAPD" in flat
    assert "Sekda 196805121990031003" in flat.replace(" Ketua", "")
    assert "Drs. Bambang Wibowo 197205151995031002 Sekretaris TAPD" in flat
    assert "Sukamaju, 2 Januari 2026" in flat
    assert "Mengesahkan," in flat and "Pejabat Pengelola Keuangan Daerah" in flat
    assert "NIP 19720515 199503 1 002" in flat
    assert "dr. Siti Rahmawati, M.Kes" not in flat  # the RKA is the head's to sign

    rka = " ".join(
        pdf_text(
            report(
                slug,
                "tapd@example.go.id",
                "report:ebudgeting_rka",
                year=2026,
                org_unit_code="1.02.01",
                stage="rka",
                format="pdf",
            )
        ).split()
    )
    assert "RENCANA KERJA DAN ANGGARAN SATUAN KERJA PERANGKAT DAERAH (RKA-SKPD)" in rka
    assert "Nomor DPA" not in rka and "RKA-RINCIAN BELANJA SKPD" in rka
    assert "Kepala Dinas Kesehatan," in rka and "dr. Siti Rahmawati, M.Kes" in rka
    assert "NIP 19700110 199201 1 001" in rka and "Pejabat Pengelola Keuangan" not in rka


def test_the_dpa_spreadsheet_keeps_the_hierarchy_with_subtotals(report, heads):
    xlsx = report(
        heads,
        "tapd@example.go.id",
        "report:ebudgeting_rka",
        year=2026,
        org_unit_code="1.02.01",
        format="xlsx",
    )
    rows = _rows(xlsx, "DPA-RINCIAN BELANJA SKPD")
    header = rows.index(next(r for r in rows if r and r[0] == "Sub kegiatan"))
    body = [r for r in rows[header + 1 :] if r and r[0]]
    mothers = [r for r in body if r[0] == SUB_MOTHERS]
    lines = [r for r in mothers if r[2] == 7]
    assert [(r[5], r[6], r[7], r[8]) for r in lines] == [(100, "orang x kali", 20000, 2000000)]
    levels = {r[2]: r for r in mothers if r[2] < 7}
    assert sorted(levels) == [1, 2, 3, 4, 5, 6]
    assert all(r[8] == sum(ln[8] for ln in lines) for r in levels.values())
    summary = _rows(xlsx, "DPA-BELANJA SKPD")
    total = next(r for r in summary if len(r) > 1 and r[1] == "Jumlah")
    assert total[5] == 3100000


def test_rka_per_opd_in_pdf_and_xlsx(report, regency):
    slug = regency
    pdf = report(
        slug,
        "tapd@example.go.id",
        "report:ebudgeting_rka",
        year=2026,
        org_unit_code="1.02.01",
        format="pdf",
    )
    assert pdf.startswith(b"%PDF")
    content = pdf_text(pdf)
    assert "Dinas Kesehatan" in content and "1.02.01.2.01.0001" in content
    xlsx = report(
        slug,
        "tapd@example.go.id",
        "report:ebudgeting_rka",
        year=2026,
        org_unit_code="1.02.01",
        format="xlsx",
    )
    summary = _rows(xlsx, "DPA-BELANJA SKPD")
    header = summary.index(next(r for r in summary if r and r[0] == "Kode"))
    body = summary[header + 1 :]
    assert [r[0] for r in body[:2]] == [SUB_PLANNING, SUB_MOTHERS]
    assert [r[5] for r in body[:2]] == [1100000, 2000000]
    assert body[2][1] == "Jumlah" and body[2][5] == 3100000
    assert any(r[0] == "Nomor DPA: DPA/2026/001" for r in summary if r)


def test_budget_by_program_and_kegiatan(report, regency):
    xlsx = report(
        regency,
        "dprd@example.go.id",
        "report:ebudgeting_program",
        year=2026,
        format="xlsx",
    )
    rows = {r[0]: r for r in _rows(xlsx, "Program dan kegiatan") if r and r[0]}
    assert rows["1.02.01"][1:4] == [
        "Program",
        "PROGRAM PENUNJANG URUSAN PEMERINTAHAN DAERAH KABUPATEN/KOTA",
        1100000,
    ]
    assert rows["1.02.02.2.02"][3] == 2000000 and rows["1.01.02"][3] == 5500000
    assert rows["1.02.02.2.02.0001"][1] == "Sub kegiatan"


def test_realization_against_the_budget_is_scoped_to_the_reader(report, regency):
    xlsx = report(
        regency,
        "tapd@example.go.id",
        "report:ebudgeting_realization",
        year=2026,
        format="xlsx",
    )
    per_opd = [r for r in _rows(xlsx, "Per OPD") if r and r[0] in ("1.01.01", "1.02.01")]
    assert [(r[0], r[2], r[3], r[4]) for r in per_opd] == [
        ("1.01.01", 5500000, 5500000, 100),
        ("1.02.01", 3100000, 550000, 17.74),
    ]
    detail = [r for r in _rows(xlsx, "Rincian DPA") if r and r[0] in ("1.01.01", "1.02.01")]
    assert len(detail) == 3
    paper = next(r for r in detail if r[2] == SUB_PLANNING)
    assert paper[6] == 1100000 and paper[9] == 550000 and paper[19] == 550000  # March, total
    # An OPD operator's report covers their own OPD only.
    own = report(
        regency,
        "operator@dinkes.go.id",
        "report:ebudgeting_realization",
        year=2026,
        format="xlsx",
    )
    assert [r[0] for r in _rows(own, "Rincian DPA") if r and r[0] in ("1.01.01", "1.02.01")] == [
        "1.02.01",
        "1.02.01",
    ]


def test_reports_are_only_for_tenants_with_the_app(client, provision):
    other = provision(apps=("noticeboard",))
    token = tenant_token(client, other)
    response = client.post(
        f"/t/{other}/api/v1/jobs",
        json={"kind": "report:ebudgeting_rka", "params": {"year": 2026, "org_unit_code": "1"}},
        headers=bearer(token),
    )
    assert (
        response.status_code == 422
        and "unknown job kind" in response.get_json()["error"]["message"]
    )


def test_the_report_request_page_offers_the_year_and_named_stages(app, regency):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.support.web import sign_in

    browser = app.test_client()
    assert sign_in(browser, regency, "sekda@example.go.id").status_code == 302
    html = browser.get(f"/t/{regency}/jobs/new").get_data(as_text=True)
    assert "PydanticUndefined" not in html
    this_year = datetime.now(ZoneInfo("Asia/Jakarta")).year
    assert f'id="ebudgeting_rka-year" name="year" value="{this_year}"' in html
    stage = html[html.index('id="ebudgeting_rka-stage"') :].split("</select>")[0]
    assert '<option value="" selected>Terbaru</option>' in stage
    assert '<option value="rka_p">RKA-P</option>' in stage


def test_the_report_request_page_names_the_reports_in_the_page_language(app, regency):
    from tests.support.web import sign_in

    browser = app.test_client()
    assert sign_in(browser, regency, "sekda@example.go.id").status_code == 302
    english = browser.get(f"/t/{regency}/jobs/new?lang=en").get_data(as_text=True)
    for text in (
        "Budget by program and kegiatan",
        "Realization against the budget",
        "SP2D payments against the DPA by OPD, program, month and DPA line.",
        ">OPD code</label>",
        ">Budget year</label>",
        ">Stage</label>",
        '<option value="" selected>Latest</option>',
    ):
        assert text in english, text
    for indonesian in ("Kode OPD", "Tahun anggaran", "Terbaru", "Realisasi terhadap anggaran"):
        assert indonesian not in english, indonesian
    page = browser.get(f"/t/{regency}/jobs/new?lang=id").get_data(as_text=True)
    for text in (
        "Anggaran per program dan kegiatan",
        "Realisasi SP2D terhadap DPA per OPD, program, bulan dan baris DPA.",
        ">Kode OPD</label>",
        ">Tahun anggaran</label>",
        ">Tahap</label>",
    ):
        assert text in page, text
