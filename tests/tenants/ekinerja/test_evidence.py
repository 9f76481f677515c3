"""Evidence files as one check for absences, work logs and objections: the type from the
first bytes, the size capped, an image written again without its EXIF block."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tenants.ekinerja.evidence import (
    MAX_BYTES,
    MAX_IMAGE_BYTES,
    MAX_SIDE,
    Evidence,
    check,
    clean_name,
)
from tests.support.images import MAKER, gif, jpeg_with_gps, png

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"


def test_a_pdf_is_kept_as_sent() -> None:
    stored, problem = check(Evidence("surat tugas.pdf", PDF))
    assert problem is None and stored is not None
    assert stored.data == PDF and stored.media_type == "application/pdf"
    assert stored.name == "surat tugas.pdf"


def test_a_phone_photo_loses_its_gps_and_is_turned_upright_and_shrunk() -> None:
    original = jpeg_with_gps(3000, 1500, orientation=6)  # held sideways
    assert MAKER.encode() in original
    stored, problem = check(Evidence("IMG_0001.jpg", original))
    assert problem is None and stored is not None
    assert stored.media_type == "image/jpeg" and MAKER.encode() not in stored.data
    kept = Image.open(io.BytesIO(stored.data))
    assert not kept.getexif()
    # Turned by its orientation (taller than wide), the longest side at most MAX_SIDE.
    assert kept.size[1] > kept.size[0] and max(kept.size) <= MAX_SIDE


def test_a_png_is_written_again() -> None:
    stored, problem = check(Evidence("tangkapan.png", png(300, 200)))
    assert problem is None and stored is not None
    assert stored.media_type == "image/png"
    assert Image.open(io.BytesIO(stored.data)).size == (300, 200)


@pytest.mark.parametrize(
    "data",
    [
        gif(),
        b"MZ\x90\x00 an executable",
        b"<html><script>alert(1)</script></html>",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,  # PNG magic, no image
        b"\xff\xd8\xff" + b"<?php echo 1; ?>" * 10,  # JPEG magic, a script
        png(6000, 6000),  # 36 megapixels in a few kilobytes
        b"%PDF-" + b"0" * MAX_BYTES,  # a PDF one byte too big
        b"\xff\xd8\xff" + b"\x00" * MAX_IMAGE_BYTES,  # a photo one byte too big
        b"",
    ],
)
def test_what_is_not_a_pdf_or_a_readable_image_within_the_limits_is_refused(data: bytes) -> None:
    stored, problem = check(Evidence("bukti.pdf", data))
    assert stored is None and problem


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("C:\\Users\\ani\\surat.pdf", "surat.pdf"),
        ("../../etc/passwd", "passwd"),
        ("surat\r\nSet-Cookie: x=1.pdf", "suratSet-Cookie: x=1.pdf"),
        ("\u202egpj.exe", "gpj.exe"),  # a right-to-left override hides the real extension
        ("", "bukti"),
        ("/", "bukti"),
        ("a" * 400, "a" * 255),
        ("bukti perjalanan dinas ke Bandung (2).pdf", "bukti perjalanan dinas ke Bandung (2).pdf"),
    ],
)
def test_the_name_is_kept_without_folders_or_control_characters(sent: str, kept: str) -> None:
    assert clean_name(sent) == kept


@pytest.mark.parametrize(
    ("sent", "media_type", "kept"),
    [
        ("surat.hta", "application/pdf", "surat.hta.pdf"),  # Windows would run it
        ("surat.exe", "image/png", "surat.exe.png"),
        ("foto.JPEG", "image/jpeg", "foto.JPEG"),
        ("foto.png", "image/jpeg", "foto.png.jpg"),
        ("surat", "application/pdf", "surat.pdf"),
        ("../.pdf", "application/pdf", "bukti.pdf"),
        ("a" * 400 + ".pdf", "application/pdf", "a" * 251 + ".pdf"),
        ("a" * 400 + ".html", "application/pdf", "a" * 251 + ".pdf"),
    ],
)
def test_a_kept_name_ends_in_the_extension_of_what_the_file_is(
    sent: str, media_type: str, kept: str
) -> None:
    assert clean_name(sent, media_type) == kept


def test_a_pdf_renamed_to_run_as_a_script_is_kept_as_a_pdf() -> None:
    """An HTA runs whatever junk precedes its script: PDF magic, then HTML."""
    polyglot = b"%PDF-1.4\n<hta:application><script>new ActiveXObject('WScript.Shell')</script>"
    stored, problem = check(Evidence("surat tugas.hta", polyglot))
    assert problem is None and stored is not None
    assert stored.name == "surat tugas.hta.pdf" and stored.media_type == "application/pdf"
