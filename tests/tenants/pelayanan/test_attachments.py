"""A citizen's photo as kept: re-encoded from its pixels, metadata gone, large ones smaller."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin
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
