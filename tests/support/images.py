"""Images for the tests of uploads that must be cleaned: a phone photo carrying its GPS
position, a PNG of any size (a pixel bomb is a large one), another format."""

from __future__ import annotations

import io

from PIL import Image

#: What the phone wrote into the photo's EXIF block, to look for after cleaning.
MAKER = "PhoneMaker"


def jpeg_with_gps(width: int = 64, height: int = 48, orientation: int | None = None) -> bytes:
    """A JPEG whose EXIF names the phone and where the person was (and maybe how the
    phone was held: ``orientation`` 6 is turned 90 degrees)."""
    image = Image.new("RGB", (width, height), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = MAKER  # Make
    exif[0x8825] = {1: "S", 2: (6.0, 55.0, 3.0)}  # GPSInfo: where the person lives
    if orientation is not None:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png(width: int, height: int) -> bytes:
    """A one-bit PNG: a few kilobytes even at 36 megapixels."""
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG", optimize=True)
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "GIF")
    return out.getvalue()
