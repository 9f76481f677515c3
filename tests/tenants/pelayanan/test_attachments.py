"""A citizen's photo as kept: its pixels as sent, every metadata block gone, large ones smaller."""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin
from PIL.TiffImagePlugin import IFDRational
from smartcity.toolkit import InvalidInput

from tenants.pelayanan import attachments
from tests.pelayanan_support import jpeg_with_gps

#: Any bytes stand in for an ICC profile: Pillow stores them as they are.
ICC = b"\x00\x00\x02\x0cfake-icc-profile" + b"\x00" * 64
LIMIT = 10 * 1024 * 1024


def _jpeg(size: tuple[int, int], **extra: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "JPEG", quality=90, **extra)
    return out.getvalue()


def test_a_large_phone_photo_is_kept_smaller_but_still_large_and_without_metadata():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    photo = _jpeg((6000, 4000), exif=exif.tobytes(), icc_profile=ICC, comment=b"rumah saya")
    kept = attachments.clean(photo, "IMG_0001.JPG", max_bytes=LIMIT)
    assert kept.content_type == "image/jpeg" and kept.filename == "IMG_0001.jpg"
    with Image.open(io.BytesIO(kept.content)) as image:
        assert attachments.MAX_SIDE <= max(image.size) < 6000
        assert image.size[0] * 2 == image.size[1] * 3  # the shape is kept
        assert not image.getexif() and "icc_profile" not in image.info
        assert "comment" not in image.info


def test_a_photo_of_ordinary_size_keeps_its_size_and_loses_its_gps_tags():
    photo = jpeg_with_gps()
    with Image.open(io.BytesIO(photo)) as original:
        size = original.size
    kept = attachments.clean(photo, "foto.jpg", max_bytes=LIMIT)
    with Image.open(io.BytesIO(kept.content)) as image:
        assert image.size == size and not image.getexif()
    assert kept.position is not None  # read before stripping, for a citizen who shares it


def test_a_png_keeps_its_palette_and_loses_its_text_and_profile():
    image = Image.new("P", (16, 16))
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    image.paste(1, (0, 0, 8, 16))
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "alamat rumah pelapor")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=text, icc_profile=ICC)
    kept = attachments.clean(out.getvalue(), "peta.png", max_bytes=LIMIT)
    assert kept.content_type == "image/png"
    with Image.open(io.BytesIO(kept.content)) as stored:
        assert "Comment" not in stored.info and "icc_profile" not in stored.info
        rgb = stored.convert("RGB")
        assert rgb.getpixel((0, 0)) == (0, 0, 255) and rgb.getpixel((15, 0)) == (255, 0, 0)


def test_the_size_cap_is_checked_before_any_decoding():
    with pytest.raises(InvalidInput):
        attachments.clean(_jpeg((64, 64)), "a.jpg", max_bytes=100)


# --------------------------------------------------------------------------- byte level

XMP = (
    b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><rdf:Description "
    b'exif:GPSLatitude="6,45.0S" exif:GPSLongitude="111,2.0E"/></x:xmpmeta>'
)
IPTC = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0cJalan Mawar 7"


def _noise(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """Random pixels: their entropy-coded data is full of stuffed 0xFF bytes."""
    bands = len(mode)
    return Image.frombytes(mode, size, random.Random(14).randbytes(size[0] * size[1] * bands))  # noqa: S311


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _after_soi(jpeg: bytes, *segments: bytes) -> bytes:
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def _gps_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0110] = "Kamera Warga"
    if orientation is not None:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "S", (6.0, 45.0, 0.0)
    gps[3], gps[4] = "E", (111.0, 2.0, 0.0)
    return exif


def _pixels(data: bytes) -> tuple[str, tuple[int, int], bytes]:
    with Image.open(io.BytesIO(data)) as image:
        return image.mode, image.size, image.tobytes()


def _jpeg_markers(data: bytes) -> list[int]:
    """The markers of a JPEG's segments up to its first scan (what a reader sees first)."""
    found, pos = [], 2
    while data[pos + 1] != 0xDA:
        found.append(data[pos + 1])
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    return found


def test_a_phone_photo_keeps_its_pixels_exactly_and_every_metadata_block_is_gone():
    out = io.BytesIO()
    _noise((640, 480)).save(
        out, "JPEG", quality=90, exif=_gps_exif(), icc_profile=ICC, comment=b"rumah saya"
    )
    # What phones and editors add besides: XMP (with its own GPS copy), IPTC, and a
    # second image after the end marker (the MPO depth map or a "motion photo").
    trailer = jpeg_with_gps()
    photo = _after_soi(out.getvalue(), _segment(0xE1, XMP), _segment(0xED, IPTC)) + trailer
    kept = attachments.clean(photo, "IMG_2041.jpg", max_bytes=LIMIT)
    assert kept.content_type == "image/jpeg"
    assert _pixels(kept.content) == _pixels(photo)  # not decoded and encoded again
    assert kept.position is not None  # read before stripping, for a citizen who shares it
    for secret in (b"Exif", b"Kamera Warga", b"GPSLatitude", b"8BIM", b"rumah saya", ICC[4:20]):
        assert secret not in kept.content
    assert kept.content.endswith(b"\xff\xd9") and len(kept.content) < len(photo) - len(trailer)
    assert set(_jpeg_markers(kept.content)) <= {0xE0, 0xDB, 0xC0, 0xC4, 0xDD}
    with Image.open(io.BytesIO(kept.content)) as image:
        assert not image.getexif() and not image.getexif().get_ifd(0x8825)
        assert not {"icc_profile", "comment", "xmp", "photoshop", "exif"} & set(image.info)


@pytest.mark.parametrize("size", [(320, 240), (3000, 200)], ids=["as-sent", "reduced"])
def test_the_orientation_is_the_one_tag_written_back(size):
    out = io.BytesIO()
    _noise(size).save(out, "JPEG", exif=_gps_exif(orientation=6))
    kept = attachments.clean(out.getvalue(), "potret.jpg", max_bytes=LIMIT)
    with Image.open(io.BytesIO(kept.content)) as image:
        exif = image.getexif()
        assert dict(exif) == {0x0112: 6} and not exif.get_ifd(0x8825)
        assert max(image.size) >= attachments.MAX_SIDE or image.size == size
    assert b"Kamera Warga" not in kept.content


@pytest.mark.parametrize(
    ("mode", "options"),
    [
        ("RGB", {"progressive": True}),
        ("RGB", {"restart_marker_rows": 1}),
        ("L", {}),
        ("CMYK", {}),  # an Adobe APP14 segment, which the decoder needs
    ],
    ids=["progressive", "restart-markers", "grey", "cmyk"],
)
def test_every_kind_of_jpeg_keeps_its_pixels(mode, options):
    out = io.BytesIO()
    _noise((96, 64), mode).save(out, "JPEG", quality=80, comment=b"catatan", **options)
    kept = attachments.clean(out.getvalue(), "x.jpg", max_bytes=LIMIT)
    assert _pixels(kept.content) == _pixels(out.getvalue())
    assert b"catatan" not in kept.content


def _broken_jpegs() -> dict[str, bytes]:
    out = io.BytesIO()
    _noise((64, 64)).save(out, "JPEG")
    good = out.getvalue()
    sos = good.index(b"\xff\xda")
    return {
        "truncated": good[: len(good) * 3 // 4],
        "no-end-marker": good[:-2],
        "length-past-the-end": good[:sos] + b"\xff\xfe\xff\xf0" + good[sos:],
        "garbage-between-segments": good[:sos] + b"<html>" + good[sos:],
        "restart-marker-outside-a-scan": good[:sos] + b"\xff\xd0" + good[sos:],
        "two-frames": good[:sos] + good[good.index(b"\xff\xc0") :],
        "no-scan": good[:sos] + b"\xff\xd9",
    }


@pytest.mark.parametrize("name", list(_broken_jpegs()))
def test_a_jpeg_whose_structure_is_broken_is_refused(name):
    with pytest.raises(InvalidInput):
        attachments.clean(_broken_jpegs()[name], "rusak.jpg", max_bytes=LIMIT)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_chunks(data: bytes) -> list[bytes]:
    kinds, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kinds.append(data[pos + 4 : pos + 8])
        pos += 12 + length
    return kinds


def test_a_png_keeps_its_pixels_exactly_and_only_its_image_chunks():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "alamat rumah pelapor")
    info.add_text("Author", "Budi", zip=True)  # zTXt
    info.add_itxt("Description", "di depan rumah Pak RT")
    info.add(b"tIME", b"\x07\xea\x0c\x06\x0a\x00\x00")
    out = io.BytesIO()
    _noise((40, 30)).save(out, "PNG", pnginfo=info, icc_profile=ICC, exif=_gps_exif())
    photo = out.getvalue() + _chunk(b"tEXt", b"after\x00the end") + b"trailing"
    kept = attachments.clean(photo, "peta.png", max_bytes=LIMIT)
    assert kept.content_type == "image/png" and kept.position is not None
    assert _pixels(kept.content) == _pixels(photo)
    assert set(_png_chunks(kept.content)) <= {b"IHDR", b"IDAT", b"IEND"}
    assert kept.content.endswith(_chunk(b"IEND", b""))
    for secret in (b"Kamera Warga", b"alamat", b"Budi", b"Pak RT", b"fake-icc", b"trailing"):
        assert secret not in kept.content


def test_a_png_with_a_damaged_chunk_is_refused():
    out = io.BytesIO()
    _noise((16, 16)).save(out, "PNG")
    good = out.getvalue()
    idat = good.index(b"IDAT")
    damaged = good[: idat + 6] + bytes([good[idat + 6] ^ 0xFF]) + good[idat + 7 :]
    for bad in (damaged, good[:-12], good[: idat + 20]):
        with pytest.raises(InvalidInput):
            attachments.clean(bad, "rusak.png", max_bytes=LIMIT)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")  # Pillow's, about the bytes below
def test_a_damaged_exif_block_only_means_no_position():
    out = io.BytesIO()
    _noise((32, 32)).save(out, "JPEG")
    damaged = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff" + b"\x00\x11" * 20
    photo = _after_soi(out.getvalue(), _segment(0xE1, damaged))
    kept = attachments.clean(photo, "a.jpg", max_bytes=LIMIT)
    assert kept.position is None and _pixels(kept.content) == _pixels(photo)
    assert b"Exif" not in kept.content


@pytest.mark.parametrize(
    "degrees",
    [(0, 0), (4_000_000_000, 1)],
    ids=["zero-over-zero", "huge"],
)
def test_a_gps_tag_no_phone_would_write_is_no_position(degrees):
    # 0/0 read as NaN once made the position's Decimal comparison raise: a 500.
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "S", (IFDRational(*degrees), IFDRational(45, 1), IFDRational(0, 1))
    gps[3], gps[4] = "E", (IFDRational(111, 1), IFDRational(2, 1), IFDRational(0, 1))
    out = io.BytesIO()
    _noise((16, 16)).save(out, "JPEG", exif=exif)
    kept = attachments.clean(out.getvalue(), "a.jpg", max_bytes=LIMIT)
    assert kept.position is None and b"Exif" not in kept.content
