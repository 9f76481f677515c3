"""The report renderers on their own: formula injection, the PDF font, letterhead and
signature blocks. No database: a document is built by hand and rendered."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
from PIL import Image
from pypdf import PdfReader
from smartcity.reports import (
    Column,
    Letterhead,
    ReportDocument,
    Section,
    SignatureBlock,
    format_nip,
    place_and_date,
)
from smartcity.reports.injection import csv_text, formula_like
from smartcity.reports.pdf import render_pdf
from smartcity.reports.tabular import render_csv
from smartcity.reports.xlsx import render_xlsx

NAME = "Ṣalāḥ Nguyễn Ōtsuka"
AMOUNT = "Rp 1.234.567,89"
ATTACKS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), "#1f4e79").save(out, "PNG")
    return out.getvalue()


def _head(**extra) -> Letterhead:
    return Letterhead(
        tenant_name="Kabupaten Ujicoba",
        generated_at=datetime(2026, 12, 6, 3, 0, tzinfo=UTC),
        timezone=ZoneInfo("Asia/Jakarta"),
        **extra,
    )


def _injection_document() -> ReportDocument:
    return ReportDocument(
        title="Uji",
        sections=[
            Section(
                "Data",
                [Column("Teks"), Column("Angka", kind="number"), Column("Bulat", kind="int")],
                [[text, -5.5, -3] for text in ATTACKS] + [["-5", Decimal("-1234.50"), 0]],
            )
        ],
    )


def test_only_text_that_starts_like_a_formula_is_neutralised():
    assert all(formula_like(text) for text in ATTACKS)
    assert not any(formula_like(t) for t in ("Dinas", " =1", "1-2", "a@b.id", ""))
    assert csv_text("=1+1") == "'=1+1" and csv_text("Dinas = OPD") == "Dinas = OPD"


def test_csv_quotes_formula_like_text_and_leaves_numbers_alone():
    raw = render_csv(_injection_document(), _head()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw)))
    assert [r[0] for r in rows[1:]] == ["'" + text for text in ATTACKS] + ["'-5"]
    assert rows[1][1:] == ["-5.5", "-3"] and rows[-1][1:] == ["-1234.50", "0"]


def test_xlsx_writes_formula_like_text_as_strings_and_numbers_as_numbers():
    data = render_xlsx(_injection_document(), _head())
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(sheet.iter_rows())
    header = next(i for i, row in enumerate(rows) if row[0].value == "Teks")
    body = rows[header + 1 :]
    for text, (cell, amount, whole) in zip([*ATTACKS, "-5"], body, strict=True):
        assert (cell.value, cell.data_type) == (text, "s")
        assert cell.quotePrefix  # Excel keeps it text even when the cell is edited
        assert amount.data_type == "n" and whole.data_type == "n"
    assert (body[0][1].value, body[0][2].value) == (-5.5, -3)
    assert body[-1][1].value == -1234.5
    assert not body[-1][1].quotePrefix


def test_xlsx_keeps_dates_and_times_in_the_regency_zone():
    document = ReportDocument(
        "Uji",
        [
            Section(
                "Data",
                [Column("Waktu", kind="datetime"), Column("Tanggal", kind="date")],
                [[datetime(2026, 3, 31, 17, 30, tzinfo=UTC), date(2026, 4, 1)]],
            )
        ],
    )
    sheet = openpyxl.load_workbook(io.BytesIO(render_xlsx(document, _head()))).worksheets[0]
    moment, day = list(sheet.iter_rows(values_only=True))[-1]
    # 17:30 UTC on 31 March is 00:30 WIB on 1 April; Excel's times have no zone.
    assert (moment.date(), moment.hour, moment.minute, moment.tzinfo) == (
        date(2026, 4, 1),
        0,
        30,
        None,
    )
    assert day.date() == date(2026, 4, 1)


def test_nip_and_place_and_date_are_written_the_indonesian_way():
    assert format_nip("197001101992011001") == "19700110 199201 1 001"
    assert format_nip("19700110 199201 1 001") == "19700110 199201 1 001"
    assert place_and_date("Bandung", date(2026, 12, 6)) == "Bandung, 6 Desember 2026"


def test_pdf_embeds_a_unicode_font_with_letterhead_and_signatures():
    document = ReportDocument(
        title="Daftar Penerima",
        parameters=[("Jumlah", AMOUNT)],
        sections=[
            Section(
                "Penerima",
                [Column("Nama", wrap=True), Column("Jumlah")],
                [[NAME, AMOUNT]],
            )
        ],
        signatures=[
            SignatureBlock(
                position="Kepala Badan Kepegawaian dan Pengembangan SDM",
                name=NAME,
                nip="197001101992011001",
                place="Bandung",
                day=date(2026, 12, 6),
                caption="Mengetahui,",
            )
        ],
    )
    reader = PdfReader(io.BytesIO(render_pdf(document, _head(logo=_png()))))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert NAME in text and AMOUNT in text
    assert "Kabupaten Ujicoba" in text  # the letterhead
    assert "Bandung, 6 Desember 2026" in text
    assert "Kepala Badan Kepegawaian dan Pengembangan SDM" in text
    assert "NIP 19700110 199201 1 001" in text
    fonts = {}
    for page in reader.pages:
        for reference in page["/Resources"]["/Font"].values():
            font = reference.get_object()
            fonts[font["/BaseFont"]] = font
    # Every font is an embedded TrueType subset: no Helvetica that lacks ṣ, ā, ḥ, ễ, Ō.
    assert fonts and all("SourceSans" in name for name in fonts)
    for font in fonts.values():
        descendant = (
            font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        )
        assert "/FontFile2" in descendant["/FontDescriptor"].get_object()
    images = [
        xobject
        for xobject in reader.pages[0]["/Resources"].get("/XObject", {}).values()
        if xobject.get_object()["/Subtype"] == "/Image"
    ]
    assert images  # the regency's logo


def test_a_logo_that_is_not_a_readable_image_leaves_it_out():
    broken = b"\x89PNG\r\n\x1a\n" + b"\0" * 20  # passes the settings' type check
    document = ReportDocument("Uji", [Section("Data", [Column("A")], [["x"]])])
    reader = PdfReader(io.BytesIO(render_pdf(document, _head(logo=broken))))
    assert "Kabupaten Ujicoba" in reader.pages[0].extract_text()
