"""Uploads are read with hard bounds: hostile spreadsheets are refused, fast, with a clear 4xx.

No test here times anything (the machine is shared): each asserts how much the
reader read, or that the request returned the refusal, which is what keeps a
hostile upload from holding a web worker and so another regency's pages.
"""

from __future__ import annotations

import io

import pytest
from smartcity.errors import InvalidInput
from smartcity.tenantcore import orgunits, roster
from smartcity.tenantcore.models import RosterImport, Staff
from smartcity.uploads import Limits, TableReader, TooLarge, read_table, require_text
from sqlalchemy import func, select

from tenants.ebudgeting import execution as realization
from tests.ebudgeting_support import TAPD, budget_year, make_opds
from tests.hostile_files import crowded_row, with_dimension, xlsx, zip_bomb
from tests.support.web import GOOD, HEADER, admin_client, field_errors, post_form

NIPS = [line.split(",", 1)[0] for line in GOOD]


def _roster_rows(count: int) -> list[list[object]]:
    rows: list[list[object]] = [HEADER.split(",")]
    for i in range(count):
        rows.append(
            [
                f"1990010120150510{i % 100:02d}",
                f"Guru {i}",
                "PNS",
                "III/b",
                "Guru",
                "8",
                "",
                "4.01.01",
                "",
            ]
        )
    return rows


@pytest.fixture
def regency(provision, tenant_db):
    """A regency with the org unit 4.01.01 the roster rows belong to."""
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


def _count(tenant_db, slug: str, model: type) -> int:
    with tenant_db(slug) as session:
        return int(session.scalar(select(func.count()).select_from(model)))


# --------------------------------------------------------------------------- the reader


def test_a_declared_dimension_is_ignored_and_only_real_cells_are_read():
    # The file: 1,000 rows that declare A1:XFD60001. openpyxl would pad
    # every row to 16,384 cells (16 million in all); the reader sees 3 a row.
    content = with_dimension(xlsx([["a", "b", "c"]] * 1000), "A1:XFD60001")
    reader = TableReader("hostile.xlsx", content, Limits(max_cells=10_000))
    rows = list(reader.rows())
    assert len(rows) == 1000
    assert reader.cells_read == 3000
    assert rows[-1].values == ("a", "b", "c")


def test_reading_stops_at_the_cell_cap():
    content = xlsx([[f"v{c}" for c in range(40)]] * 500)
    reader = TableReader("wide.xlsx", content, Limits(max_cells=1000))
    with pytest.raises(TooLarge, match="more than 1000 cells") as refused:
        list(reader.rows())
    assert refused.value.status == 413
    assert reader.cells_read <= 1000 + 40  # stopped within one row of the cap


def test_empty_rows_count_and_reading_stops_at_the_row_cap():
    # Row 1, then row 1,000,000: the rows between come back empty, and count.
    content = xlsx([["nip", "nama"]], cells=[(1_000_000, 1, "x")])
    reader = TableReader("sparse.xlsx", content, Limits(max_rows=1000))
    with pytest.raises(TooLarge, match="more than 1000 rows below the header"):
        list(reader.rows())
    assert reader.rows_read == 1002


def test_a_value_in_column_xfd_is_refused_and_costs_one_row():
    content = xlsx([["nip", "nama"]], cells=[(2, 16384, "x")])
    reader = TableReader("wide.xlsx", content)
    with pytest.raises(InvalidInput, match="row 2 has more than 50 columns") as refused:
        list(reader.rows())
    assert refused.value.status == 422
    assert reader.rows_read == 1


def test_a_row_of_a_million_cell_elements_is_refused_before_it_is_built():
    # openpyxl builds a whole <row> before handing it over: the scan counts instead.
    content = crowded_row(xlsx([["nip", "nama"]]), cells=1_000_000)
    reader = TableReader("crowded.xlsx", content)
    with pytest.raises(InvalidInput, match="row 2 has more than 50 columns"):
        list(reader.rows())
    assert reader.rows_read == 0
    # The scan allows 4 elements a cell (plus 100,000 for the rest of the sheet):
    # 30,000 rows of 2 cells are 150,000 elements, refused before any row is read.
    many = xlsx([["a", "b"]] * 30_000)
    scanned = TableReader("many.xlsx", many, Limits(max_cells=2000))
    with pytest.raises(TooLarge, match="more than 2000 cells"):
        list(scanned.rows())
    assert scanned.rows_read == 0


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    content = zip_bomb(xlsx([["nip", "nama"]]), unpacked_mb=80)
    assert len(content) < 1024 * 1024
    reader = TableReader("bomb.xlsx", content)
    with pytest.raises(TooLarge, match="unpacks to more than 64 MB"):
        list(reader.rows())
    assert reader.rows_read == 0


def test_csv_rows_and_columns_are_bounded_too():
    wide = ("," * 60 + "x\n").encode()
    with pytest.raises(InvalidInput, match="row 1 has more than 50 columns"):
        read_table("wide.csv", wide)
    blank_lines = b"nip,nama\n" + b"\n" * 2000 + b"1,2\n"
    with pytest.raises(TooLarge, match="more than 1000 rows"):
        read_table("blank.csv", blank_lines, Limits(max_rows=1000))
    assert read_table("ok.csv", b"a;b\n1;2\n")[1].values == ("1", "2")


def test_cells_keep_their_type_and_a_number_is_not_a_nip():
    rows = read_table("typed.xlsx", xlsx([["nip"], ["198609262015051001"], [1.97001101992011e17]]))
    assert rows[1].values == ("198609262015051001",)
    assert require_text(rows[1].values[0], column="nip", row=2) == "198609262015051001"
    with pytest.raises(InvalidInput, match="format the nip column as Text"):
        require_text(rows[2].values[0], column="nip", row=3)


# --------------------------------------------------------------------------- the roster


def test_a_roster_with_numeric_nips_is_refused_and_creates_nothing(regency, tenant_db):
    # Excel keeps 15 digits: ...011001 typed into a number cell is stored as ...011008.
    rows = _roster_rows(0)
    for line in GOOD:
        cells: list[object] = line.split(",")
        cells[0] = float(cells[0])  # type: ignore[arg-type]
        rows.append(cells)
    content = xlsx(rows)
    with pytest.raises(InvalidInput) as refused, tenant_db(regency) as session:
        roster.upload(session, filename="pegawai.xlsx", content=content, actor="t")
    assert "column nip, row 2 holds a number" in refused.value.message
    assert "format the nip column as Text" in refused.value.message
    assert _count(tenant_db, regency, RosterImport) == 0
    assert _count(tenant_db, regency, Staff) == 0


def test_a_lying_dimension_does_not_inflate_a_roster(regency, tenant_db, monkeypatch):
    # Capped at 10,000 cells: padded to XFD the first row alone would pass it.
    monkeypatch.setattr(roster, "LIMITS", Limits(max_cells=10_000))
    content = with_dimension(xlsx(_roster_rows(100)), "A1:XFD60001")
    with tenant_db(regency) as session:
        record = roster.upload(session, filename="pegawai.xlsx", content=content, actor="t")
        assert record.row_count == 100


@pytest.mark.parametrize(
    "case",
    [
        (
            "bomb.xlsx",
            lambda: zip_bomb(xlsx(_roster_rows(1)), unpacked_mb=80),
            413,
            "Lembar kerja ini berukuran lebih dari 64 MB setelah diekstrak",
        ),
        (
            "wide.xlsx",
            lambda: xlsx(_roster_rows(1), cells=[(2, 16384, "x")]),
            422,
            "Baris 2 memiliki lebih dari 50 kolom",
        ),
        (
            "sparse.xlsx",
            lambda: xlsx(_roster_rows(1), cells=[(150_000, 1, "x")]),
            413,
            "Berkas memiliki lebih dari 100.000 baris di bawah judul kolom",
        ),
    ],
    ids=["zip-bomb", "value-in-column-xfd", "row-150000"],
)
def test_hostile_rosters_get_a_clear_refusal_in_indonesian(app, regency, tenant_db, case):
    name, build, status, message = case
    admin = admin_client(app, regency)
    response = post_form(
        admin,
        f"/t/{regency}/admin/roster",
        {"file": (io.BytesIO(build()), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == status
    assert message in field_errors(response.get_data(as_text=True), "file")
    assert _count(tenant_db, regency, RosterImport) == 0


def test_a_numeric_nip_is_refused_on_the_roster_page(app, regency, tenant_db):
    rows = _roster_rows(0)
    rows.append([198609262015051001, "Budi", "PNS", "IV/a", "Kepala", 12, "", "4.01.01", ""])
    admin = admin_client(app, regency)
    response = post_form(
        admin,
        f"/t/{regency}/admin/roster?lang=en",
        {"file": (io.BytesIO(xlsx(rows)), "pegawai.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    shown = field_errors(response.get_data(as_text=True), "file")
    assert "format the nip column as Text" in shown
    assert _count(tenant_db, regency, RosterImport) == 0


# --------------------------------------------------------------------------- e-Budgeting payments


@pytest.fixture
def budget_regency(provision):
    return provision(apps=("ebudgeting",))


def test_payment_imports_use_the_bounded_reader(budget_regency, tenant_db):
    header = ["nomor_sp2d", "tanggal", "kode_opd", "kode_sub_kegiatan", "kode_rekening", "nilai"]
    with tenant_db(budget_regency) as session:
        fiscal_year = budget_year(session, make_opds(session))
        bomb = zip_bomb(xlsx([header]), unpacked_mb=80)
        with pytest.raises(TooLarge, match="unpacks to more than 64 MB"):
            realization.import_payments(session, fiscal_year, "sp2d.xlsx", bomb, actor=TAPD)
        sparse = xlsx([header], cells=[(realization.MAX_IMPORT_ROWS + 10, 1, "x")])
        with pytest.raises(TooLarge, match="rows below the header"):
            realization.import_payments(session, fiscal_year, "sp2d.xlsx", sparse, actor=TAPD)
        lying = with_dimension(xlsx([header]), "A1:XFD60001")
        assert realization.read_table("sp2d.xlsx", lying) == [header]
