"""Reports: declared once, built from the tenant's data, rendered to PDF, XLSX and CSV.

Jobs here are asked for through the real API and pages, then run in this process
with the worker's own code (``smartcity.jobs.runner.run_job``); the messages go
to a private Redis nobody consumes. ``test_jobs.py`` runs them in a real worker.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import openpyxl
import pytest
from PIL import Image
from pydantic import Field
from pypdf import PdfReader
from smartcity.errors import Forbidden
from smartcity.jobs.kinds import Requester
from smartcity.reports import Report, ReportDocument, ReportParams
from smartcity.reports.registry import job_kind
from smartcity.tenantcore import orgunits, settings, staff
from smartcity.tenantcore.models import AuditEntry, Staff
from sqlalchemy import select

from tests.conftest import bearer, tenant_token
from tests.support.documents import pdf_text
from tests.support.web import csrf_token, sign_in
from tests.workers import add_member, ask, broker_of, redis_server, run_now


@pytest.fixture(scope="module", autouse=True)
def private_broker(app):
    with redis_server() as server, broker_of(app, server.url):
        yield server


@dataclass
class Reports:
    app: Any
    client: Any
    state: Any

    def build(self, slug: str, token: str, kind: str, **params: Any) -> Any:
        """Ask for a report, run it, and return its download."""
        job = ask(self.client, slug, token, kind, **params)
        assert run_now(self.app, self.state, slug, job["id"]) == "succeeded"
        response = self.client.get(
            f"/t/{slug}/api/v1/jobs/{job['id']}/result", headers=bearer(token)
        )
        assert response.status_code == 200, response.get_json()
        return response


@pytest.fixture
def reports(app, client, state) -> Reports:
    return Reports(app, client, state)


@pytest.fixture
def regency(provision, tenant_db):
    """Setda (PNS III/a active and inactive, IV/a), its Bagian Umum (CPNS II/c, PPPK IX),
    and a Dinas with nobody yet."""
    slug = provision(apps=("noticeboard",))
    with tenant_db(slug) as session:
        common = {"session": session, "regency_code": "33.18", "actor": "t"}
        setda = orgunits.create_unit(
            code="4.01", name="Sekretariat Daerah", kind="sekretariat_daerah", **common
        )
        umum = orgunits.create_unit(
            code="4.01.01", name="Bagian Umum", kind="bagian", parent_id=setda.id, **common
        )
        orgunits.create_unit(code="1.01", name="Dinas Pendidikan", kind="dinas", **common)
        people = [
            ("198609262015051001", "Budi", "PNS", "III/a", setda),
            ("198609262015051002", "Agus", "PNS", "III/a", setda),
            ("197501012000031001", "Sri", "PNS", "IV/a", setda),
            ("199203152019032005", "Sari", "CPNS", "II/c", umum),
            ("199001012019212002", "Wati", "PPPK", "IX", umum),
        ]
        rows = [
            staff.create_staff(
                session,
                actor="t",
                nip=nip,
                name=name,
                status=status,
                golongan=golongan,
                position="Analis",
                unit_id=unit.id,
            )
            for nip, name, status, golongan, unit in people
        ]
        staff.update_staff(session, rows[1], actor="t", is_active=False)
    return slug


def _sheet_rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_staff_report_counts_each_unit_by_golongan_in_every_format(client, reports, regency):
    token = tenant_token(client, regency)
    kind = "report:staff_by_unit_golongan"

    xlsx = reports.build(regency, token, kind, format="xlsx")
    assert xlsx.mimetype.endswith("spreadsheetml.sheet")
    assert xlsx.headers["Content-Disposition"].startswith("attachment; filename=rekap-pegawai-")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    summary = book.worksheets[0]
    rows = _sheet_rows(summary)
    header_at = next(i for i, row in enumerate(rows) if row[0] == "Kode")
    assert rows[header_at] == [
        "Kode",
        "Unit kerja",
        "Gol. I",
        "Gol. II",
        "Gol. III",
        "Gol. IV",
        "PPPK",
        "Jumlah",
    ]
    body = {row[0]: row[2:] for row in rows[header_at + 1 :] if row[0]}
    # Inactive staff are left out; a unit without staff still has its row.
    assert body == {
        "1.01": [0, 0, 0, 0, 0, 0],
        "4.01": [0, 0, 1, 1, 0, 2],
        "4.01.01": [0, 1, 0, 0, 1, 2],
    }
    assert rows[-1][1:] == ["Jumlah", 0, 1, 1, 1, 1, 4]
    header_cell = summary.cell(row=header_at + 1, column=1)
    assert header_cell.font.bold and header_cell.fill.fgColor.rgb.endswith("1F4E79")
    assert isinstance(summary.cell(row=header_at + 2, column=3).value, int)
    assert summary.column_dimensions["B"].width > summary.column_dimensions["C"].width
    assert summary.freeze_panes == f"A{header_at + 2}"
    details = _sheet_rows(book.worksheets[1])
    assert ["4.01.01", "Bagian Umum", "PPPK", "IX", 1] in details

    raw_csv = reports.build(regency, token, kind, format="csv").data
    assert raw_csv.startswith(b"\xef\xbb\xbf")  # so Excel reads it as UTF-8
    table = list(csv.reader(io.StringIO(raw_csv.decode("utf-8-sig"))))
    assert table[0] == ["Ringkasan per golongan ruang"]
    assert ["4.01", "Sekretariat Daerah", "0", "0", "1", "1", "0", "2"] in table

    everyone = reports.build(regency, token, kind, format="xlsx", include_inactive=True)
    rows = _sheet_rows(openpyxl.load_workbook(io.BytesIO(everyone.data)).worksheets[0])
    assert next(row for row in rows if row[0] == "4.01")[2:] == [0, 0, 2, 1, 0, 3]

    pdf = reports.build(regency, token, kind, format="pdf")
    assert pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    assert f"Kabupaten {regency}" in text  # the tenant's name heads every page
    assert "Rekapitulasi Pegawai per Unit Kerja dan Golongan" in text
    assert "Halaman 1 dari 1" in text


def test_audit_log_report_covers_the_period_in_the_regency_time_zone(
    client, reports, provision, tenant_db
):
    slug = provision()
    token = tenant_token(client, slug)
    with tenant_db(slug) as session:
        # 23:30 WIB on 31 March and 00:30 WIB on 1 April (both 31 March in UTC).
        session.add(
            AuditEntry(
                at=datetime(2026, 3, 31, 16, 30, tzinfo=UTC),
                actor="maret@x.id",
                action="test.march",
                entity="test",
            )
        )
        session.add(
            AuditEntry(
                at=datetime(2026, 3, 31, 17, 30, tzinfo=UTC),
                actor="april@x.id",
                action="test.april",
                entity="test",
                before={"name": "Lama"},
                after={"name": "Baru"},
            )
        )
        for n in range(150):
            session.add(
                AuditEntry(
                    at=datetime(2026, 4, 10, 3, n % 60, tzinfo=UTC),
                    actor=f"u{n}@x.id",
                    action="test.bulk",
                    entity="test",
                    entity_id=str(n),
                )
            )
    april = {"start": "2026-04-01", "end": "2026-04-30"}
    raw = reports.build(slug, token, "report:audit_log", format="csv", **april).data
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Waktu", "Pelaku", "Tindakan", "Entitas", "ID", "Perubahan"]
    assert rows[1][:3] == ["2026-04-01 00:30:00", "april@x.id", "test.april"]
    assert rows[1][5] == "name: Lama → Baru"
    assert len(rows) == 1 + 151
    assert not any(row[1] == "maret@x.id" for row in rows)

    pdf = reports.build(slug, token, "report:audit_log", format="pdf", **april).data
    text = pdf_text(pdf)
    pages = int(re.search(r"Halaman 1 dari (\d+)", text).group(1))
    assert pages > 1
    # The table goes on over the pages, its header row repeated on each.
    assert text.count("Perubahan") == pages
    assert text.count(f"Kabupaten {slug}") == pages


def test_bad_requests_name_the_field_and_permissions_hold(app, client, provision):
    slug = provision()
    admin = tenant_token(client, slug)
    member = add_member(client, slug, admin, "anggota@example.go.id")

    def refused(token, kind, **params):
        response = client.post(
            f"/t/{slug}/api/v1/jobs", json={"kind": kind, "params": params}, headers=bearer(token)
        )
        return response.status_code, response.get_json()["error"]["fields"]

    assert refused(admin, "report:nope") == (422, {"kind": "unknown"})
    # The test app's report exists, but this tenant has not enabled the app.
    assert refused(admin, "report:uji_lambat") == (422, {"kind": "unknown"})
    status, fields = refused(
        admin, "report:audit_log", start="2026-04-05", end="2026-04-01", format="doc"
    )
    assert status == 422
    assert fields["params.end"] == "must not be before the start date"
    assert "params.format" in fields
    assert refused(admin, "report:staff_by_unit_golongan", bogus=1)[1] == {
        "params.bogus": "not a field of this request"
    }
    assert "params.start" in refused(admin, "report:audit_log", start="kemarin")[1]
    no_kind = client.post(f"/t/{slug}/api/v1/jobs", json={"params": {}}, headers=bearer(admin))
    assert no_kind.status_code == 422 and "kind" in no_kind.get_json()["error"]["fields"]
    assert refused(member, "report:audit_log")[0] == 403
    kinds = client.get(f"/t/{slug}/api/v1/jobs/kinds", headers=bearer(member)).get_json()
    assert [k["kind"] for k in kinds["kinds"]] == ["report:staff_by_unit_golongan"]
    assert (
        client.post(f"/t/{slug}/api/v1/jobs", json={"kind": "report:audit_log"}).status_code == 401
    )


def test_downloads_check_tenant_requester_and_permission(app, client, state, provision):
    slug, other = provision(), provision()
    admin = tenant_token(client, slug)
    member = add_member(client, slug, admin, "pemohon@example.go.id")
    nosy = add_member(client, slug, admin, "penasaran@example.go.id")
    job = ask(client, slug, member, "report:staff_by_unit_golongan", format="csv")
    run_now(app, state, slug, job["id"])
    result = f"/t/{slug}/api/v1/jobs/{job['id']}/result"

    assert client.get(result, headers=bearer(member)).status_code == 200
    assert client.get(result, headers=bearer(admin)).status_code == 200  # admins see all
    assert client.get(result, headers=bearer(nosy)).status_code == 404
    assert client.get(f"/t/{slug}/api/v1/jobs/{job['id']}", headers=bearer(nosy)).status_code == 404
    assert [
        j["id"]
        for j in client.get(f"/t/{slug}/api/v1/jobs", headers=bearer(nosy)).get_json()["jobs"]
    ] == []
    assert client.get(result).status_code == 401
    other_admin = tenant_token(client, other)
    assert client.get(result, headers=bearer(other_admin)).status_code == 401  # A's URL, B's token
    assert (
        client.get(
            f"/t/{other}/api/v1/jobs/{job['id']}/result", headers=bearer(other_admin)
        ).status_code
        == 404
    )

    # An administrator who asked for the audit log and has since lost the role.
    former = add_member(client, slug, admin, "mantan@example.go.id", roles=("admin",))
    audit = ask(client, slug, former, "report:audit_log", format="csv")
    run_now(app, state, slug, audit["id"])
    users = client.get(f"/t/{slug}/api/v1/users", headers=bearer(admin)).get_json()["users"]
    former_id = next(u["id"] for u in users if u["email"] == "mantan@example.go.id")
    client.patch(
        f"/t/{slug}/api/v1/users/{former_id}", json={"roles": ["member"]}, headers=bearer(admin)
    )
    former = tenant_token(client, slug, "mantan@example.go.id")
    response = client.get(f"/t/{slug}/api/v1/jobs/{audit['id']}/result", headers=bearer(former))
    assert response.status_code == 403


def test_the_openapi_document_lists_the_job_api(client, provision):
    slug = provision()
    document = client.get(f"/t/{slug}/api/v1/openapi.json").get_json()
    paths = document["paths"]
    assert {"get", "post"} <= set(paths["/jobs"])
    for path in ("/jobs/{job_id}", "/jobs/{job_id}/result", "/jobs/kinds"):
        assert "get" in paths[path]
    assert "post" in paths["/jobs/{job_id}/cancel"]
    assert "422" in paths["/jobs"]["post"]["responses"]
    assert set(document["components"]["schemas"]["JobCreate"]["properties"]) == {"kind", "params"}


def test_report_pages_request_follow_and_download(app, state, provision):
    slug = provision(apps=("noticeboard",))
    browser = app.test_client()
    sign_in(browser, slug)
    page = browser.get(f"/t/{slug}/jobs/new")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for name in ("staff_by_unit_golongan", "audit_log", "uji_lambat"):
        assert f'id="report-{name}"' in html
    token = csrf_token(html)

    wrong = browser.post(
        f"/t/{slug}/jobs/new",
        data={
            "csrf_token": token,
            "report": "audit_log",
            "format": "pdf",
            "start": "2026-04-05",
            "end": "2026-04-01",
        },
    )
    assert wrong.status_code == 422
    assert "tidak boleh sebelum tanggal mulai" in wrong.get_data(as_text=True)

    sent = browser.post(
        f"/t/{slug}/jobs/new",
        data={"csrf_token": token, "report": "staff_by_unit_golongan", "format": "xlsx"},
    )
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"/t/{slug}/jobs")
    listing = browser.get(f"/t/{slug}/jobs").get_data(as_text=True)
    job_id = int(re.search(r'data-job-id="(\d+)"', listing).group(1))
    assert 'role="progressbar"' in listing and "Menunggu" in listing
    assert "js/jobs.js" in listing

    progress = browser.get(f"/t/{slug}/jobs/progress?ids={job_id}").get_json()["jobs"]
    assert progress[0]["status"] == "queued" and progress[0]["download_url"] is None
    assert run_now(app, state, slug, job_id) == "succeeded"
    done = browser.get(f"/t/{slug}/jobs/progress?ids={job_id}").get_json()["jobs"][0]
    assert done["final"] and done["progress"] == 100 and done["status_label"] == "Selesai"
    download = browser.get(done["download_url"])
    assert download.status_code == 200
    openpyxl.load_workbook(io.BytesIO(download.data))
    # Cookie-signed pages of another tenant know nothing of this job.
    stranger = app.test_client()
    other = provision()
    sign_in(stranger, other)
    assert stranger.get(f"/t/{other}/jobs/{job_id}/download").status_code == 404
    assert stranger.get(f"/t/{other}/jobs/progress?ids={job_id}").get_json() == {"jobs": []}


def test_report_names_and_labels_follow_the_page_language(app, provision):
    slug = provision(apps=("noticeboard",))
    browser = app.test_client()
    sign_in(browser, slug)
    english = browser.get(f"/t/{slug}/jobs/new?lang=en").get_data(as_text=True)
    for text in (
        "Staff by org unit and golongan",
        "How many staff each org unit has, by golongan.",
        ">Include inactive staff</label>",
        ">Signer&#39;s NIP (PDF)</label>",
        "Audit log for a period",
        ">From date</label>",
        ">Until date</label>",
        "Slow test report",
        ">Steps</label>",
    ):
        assert text in english, text
    for indonesian in ("Rekapitulasi pegawai", "Sertakan pegawai", "Dari tanggal", "Langkah"):
        assert indonesian not in english, indonesian
    page = browser.get(f"/t/{slug}/jobs/new?lang=id").get_data(as_text=True)
    for text in (
        "Rekapitulasi pegawai per unit kerja dan golongan",
        ">Sertakan pegawai nonaktif</label>",
        "Log audit untuk suatu periode",
        ">Dari tanggal</label>",
        "Laporan uji lambat",
        ">Langkah</label>",
    ):
        assert text in page, text


FORMULA = '=HYPERLINK("http://x","y")'


def test_a_unit_named_like_a_formula_is_text_in_the_staff_report(
    client, reports, provision, tenant_db
):
    slug = provision()
    with tenant_db(slug) as session:
        orgunits.create_unit(
            session=session,
            regency_code="33.18",
            actor="t",
            code="9.01",
            name=FORMULA,
            kind="dinas",
        )
    token = tenant_token(client, slug)
    kind = "report:staff_by_unit_golongan"

    xlsx = reports.build(slug, token, kind, format="xlsx").data
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    row = next(row for row in book.worksheets[0].iter_rows() if row[0].value == "9.01")
    assert (row[1].value, row[1].data_type) == (FORMULA, "s")
    assert row[1].quotePrefix
    assert row[-1].data_type == "n" and row[-1].value == 0  # numbers stay numbers
    assert not any(c.data_type == "f" for s in book.worksheets for r in s.iter_rows() for c in r)

    raw = reports.build(slug, token, kind, format="csv").data.decode("utf-8-sig")
    rows = [row for row in csv.reader(io.StringIO(raw)) if row and row[0] == "9.01"]
    assert rows == [["9.01", "'" + FORMULA, "0", "0", "0", "0", "0", "0"]]


def test_the_staff_report_pdf_has_the_letterhead_and_the_signer(
    client, reports, regency, tenant_db
):
    png = io.BytesIO()
    Image.new("RGB", (30, 20), "#1f4e79").save(png, "PNG")
    with tenant_db(regency) as session:
        settings.update_settings(session, actor="t", logo=png.getvalue())
        sri = session.scalar(select(Staff).where(Staff.nip == "197501012000031001"))
        staff.update_staff(session, sri, actor="t", name="Ṣalāḥ Nguyễn Ōtsuka", position="Sekda")
    token = tenant_token(client, regency)
    kind = "report:staff_by_unit_golongan"
    pdf = reports.build(
        regency, token, kind, signer_nip="19750101 200003 1 001", signing_place="Soreang"
    ).data
    reader = PdfReader(io.BytesIO(pdf))
    text = pdf_text(pdf)
    assert f"Kabupaten {regency}" in text
    assert "Ṣalāḥ Nguyễn Ōtsuka" in text and "NIP 19750101 200003 1 001" in text
    assert re.search(r"Soreang, \d{1,2} [A-Z][a-z]+ 20\d\d", text) and "Sekda," in text
    assert any(
        x.get_object()["/Subtype"] == "/Image"
        for x in reader.pages[0]["/Resources"]["/XObject"].values()
    )
    fonts = {
        f.get_object()["/BaseFont"] for p in reader.pages for f in p["/Resources"]["/Font"].values()
    }
    assert fonts and all("SourceSans" in name for name in fonts)

    def refused(**params):
        response = client.post(
            f"/t/{regency}/api/v1/jobs",
            json={"kind": kind, "params": params},
            headers=bearer(token),
        )
        assert response.status_code == 422
        return set(response.get_json()["error"]["fields"])

    assert refused(signer_nip="19750101", signing_place="Soreang") == {"params.signer_nip"}
    assert refused(signer_nip="197501012000031001") == {"params.signing_place"}


def test_a_reports_authorize_reaches_its_job_kind_and_sees_the_parsed_parameters():
    """``Report.authorize`` is the job kind's: ``submit`` calls it with the asking user
    and the parsed parameters (end to end: e-Kinerja's unit-scoped payroll tests)."""

    class Params(ReportParams):
        unit: int = Field(ge=1, le=100, title="Unit")

    seen: list[tuple[Requester, int]] = []

    def only_unit_one(_session: Any, requester: Requester, params: Params) -> None:
        seen.append((requester, params.unit))
        if params.unit != 1:
            raise Forbidden("not yours", {"params.unit": "not yours"})

    report = Report(
        name="uji_unit",
        title="Uji",
        params=Params,
        build=lambda _ctx, _params: ReportDocument(title="Uji"),
        authorize=only_unit_one,
    )
    kind = job_kind(report)
    assert kind.authorize is only_unit_one
    asker = Requester(7, frozenset({"x"}))
    assert kind.authorize is not None
    kind.authorize(None, asker, kind.parse({"unit": "1", "format": "csv"}))
    with pytest.raises(Forbidden):
        kind.authorize(None, asker, kind.parse({"unit": 2}))
    assert seen == [(asker, 1), (asker, 2)]
