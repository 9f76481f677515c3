"""Roster import: per-row report, nothing written from a bad file, idempotent upsert."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from smartcity.errors import Conflict, InvalidInput
from smartcity.tenantcore import orgunits, roster
from smartcity.tenantcore.models import Staff
from sqlalchemy import func, select

HEADER = "nip,nama,status,golongan,jabatan,kelas_jabatan,eselon,kode_unit,nip_atasan"
GOOD = [
    "198609262015051001,Budi Santoso,PNS,IV/a,Kepala Bagian,12,III.b,4.01.01,",
    "199203152019032005,Sari Dewi,PNS,III/a,Analis,8,,4.01.01,198609262015051001",
    "199001012019212002,Rina,PPPK,IX,Guru,7,,4.01.01,198609262015051001",
]


def _csv(*rows: str) -> bytes:
    return ("\n".join((HEADER, *rows)) + "\n").encode()


@pytest.fixture
def regency(provision, tenant_db):
    slug = provision()
    with tenant_db(slug) as session:
        setda = orgunits.create_unit(
            session,
            code="4.01",
            name="Sekretariat Daerah",
            kind="sekretariat_daerah",
            regency_code="33.18",
            actor="t",
        )
        orgunits.create_unit(
            session,
            code="4.01.01",
            name="Bagian Umum",
            kind="bagian",
            parent_id=setda.id,
            regency_code="33.18",
            actor="t",
        )
    return slug


def _staff_count(tenant_db, slug) -> int:
    with tenant_db(slug) as session:
        return int(session.scalar(select(func.count()).select_from(Staff)))


def test_a_bad_file_gets_a_row_by_row_report_and_writes_nothing(regency, tenant_db):
    content = _csv(
        GOOD[0],
        "198602302015051001,Tanggal Salah,PNS,III/a,Analis,8,,4.01.01,",
        "199203152019032005,Tanpa Unit,PNS,III/a,Analis,8,,9.99,",
        "199203152019032006,Golongan Salah,PNS,V/z,Analis,99,,4.01.01,111111111111111111",
        "198609262015051001,Dobel,PNS,IV/a,Kepala,12,,4.01.01,",
    )
    with tenant_db(regency) as session:
        record = roster.upload(session, filename="roster.csv", content=content, actor="t")
        problems = {(p["row"], p["column"]) for p in record.problems}
        assert record.status == "rejected"
        assert problems == {
            (3, "nip"),
            (4, "kode_unit"),
            (5, "golongan"),
            (5, "kelas_jabatan"),
            (5, "nip_atasan"),
            (6, "nip"),
        }
        assert any("not a real date" in p["message"] for p in record.problems)
        with pytest.raises(Conflict, match="rejected"):
            roster.apply(session, record, actor="t")
    assert _staff_count(tenant_db, regency) == 0


def test_apply_upserts_by_nip_and_is_idempotent(regency, tenant_db):
    with tenant_db(regency) as session:
        first = roster.upload(session, filename="roster.csv", content=_csv(*GOOD), actor="t")
        assert first.status == "ready" and first.row_count == 3
        assert roster.apply(session, first, actor="t") == {
            "created": 3,
            "updated": 0,
            "unchanged": 0,
            "supervisors": 2,
        }
        with pytest.raises(Conflict, match="applied"):
            roster.apply(session, first, actor="t")
    with tenant_db(regency) as session:
        again = roster.upload(session, filename="roster.csv", content=_csv(*GOOD), actor="t")
        assert roster.apply(session, again, actor="t") == {
            "created": 0,
            "updated": 0,
            "unchanged": 3,
            "supervisors": 0,
        }
    promoted = [GOOD[0], GOOD[1].replace("III/a,Analis", "III/b,Analis Ahli"), GOOD[2]]
    with tenant_db(regency) as session:
        change = roster.upload(session, filename="roster.csv", content=_csv(*promoted), actor="t")
        assert roster.apply(session, change, actor="t")["updated"] == 1
        sari = session.scalars(select(Staff).where(Staff.nip == "199203152019032005")).one()
        budi = session.scalars(select(Staff).where(Staff.nip == "198609262015051001")).one()
        assert (sari.golongan, sari.position, sari.supervisor_id) == (
            "III/b",
            "Analis Ahli",
            budi.id,
        )
    assert _staff_count(tenant_db, regency) == 3


def test_xlsx_and_semicolon_csv_are_read(regency, tenant_db):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    for line in GOOD:
        cells = line.split(",")
        cells[5] = int(cells[5])  # a number cell, as spreadsheets store it
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    with tenant_db(regency) as session:
        record = roster.upload(
            session, filename="Daftar Pegawai.xlsx", content=buffer.getvalue(), actor="t"
        )
        assert record.status == "ready", record.problems
        semicolons = _csv(*GOOD).decode().replace(",", ";").encode("utf-8-sig")
        assert (
            roster.upload(session, filename="r.csv", content=semicolons, actor="t").status
            == "ready"
        )


@pytest.mark.parametrize(
    ("filename", "content", "field"),
    [
        ("roster.pdf", b"%PDF-1.4", "file"),
        ("roster.xlsx", b"not a zip", "file"),
        ("roster.csv", b"\xff\xfe\x00bad", "file"),
        ("roster.csv", b"", "file"),
        ("roster.csv", b"nip,nama\n1,2\n", "file"),
    ],
)
def test_unreadable_files_are_refused_clearly(regency, tenant_db, filename, content, field):
    with pytest.raises(InvalidInput) as caught, tenant_db(regency) as session:
        roster.upload(session, filename=filename, content=content, actor="t")
    assert field in caught.value.fields


def test_the_preview_counts_new_changed_unchanged_and_absent_staff_with_first_rows(
    regency, tenant_db
):
    with tenant_db(regency) as session:
        first = roster.upload(session, filename="roster.csv", content=_csv(*GOOD), actor="t")
        plan = roster.preview(session, first)
        assert plan["counts"] == {
            "created": 3,
            "changed": 0,
            "unchanged": 0,
            "not_in_file": 0,
            "reactivated": 0,
        }
        assert [s["name"] for s in plan["samples"]["created"]] == [
            "Budi Santoso",
            "Sari Dewi",
            "Rina",
        ]
        assert plan["samples"]["created"][0]["unit"] == "4.01.01"
        roster.apply(session, first, actor="t")
        rina = session.scalars(select(Staff).where(Staff.nip == "199001012019212002")).one()
        rina.is_active = False
    promoted = [GOOD[1].replace("III/a,Analis", "III/b,Analis Ahli"), GOOD[2]]
    with tenant_db(regency) as session:
        second = roster.upload(session, filename="roster.csv", content=_csv(*promoted), actor="t")
        plan = roster.preview(session, second, sample=1)
        assert plan["counts"] == {
            "created": 0,
            "changed": 2,  # Sari promoted, Rina active again
            "unchanged": 0,
            "not_in_file": 1,  # Budi: not in this file, and the import leaves him active
            "reactivated": 1,
        }
        assert [s["nip"] for s in plan["samples"]["not_in_file"]] == ["198609262015051001"]
        assert len(plan["samples"]["changed"]) == 1
        # Previewing writes nothing.
        assert session.scalars(select(Staff.golongan).where(Staff.nip == GOOD[1][:18])).one() == (
            "III/a"
        )
