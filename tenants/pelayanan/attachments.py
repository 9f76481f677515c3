"""Files a citizen sends with a complaint: JPEG, PNG or PDF, checked from their bytes.

The declared name and content type are ignored: an HTML page or SVG named
``photo.jpg`` is refused because Pillow cannot read it as a raster image, and a
PDF must start with the PDF header and carry nothing a viewer would run.
Images are decoded and encoded again, which drops every metadata block (EXIF
with the phone's GPS position, XMP, comments); when the citizen chose to share
their location, the GPS position is read first and kept on the complaint
instead of in the file. Sizes and pixel counts are capped before decoding, and
a JPEG much larger than :data:`MAX_SIDE` is decoded at one of JPEG's reduced
scales (it is kept at least that large on its long side).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal

from PIL import Image, UnidentifiedImageError
from smartcity.toolkit import InvalidInput

from .messages import M

MAX_PIXELS = 40_000_000
#: A JPEG wider or taller than this is decoded at a reduced scale (see ``_image``).
MAX_SIDE = 2560
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}
#: PDF names that make a viewer act: scripts, launching programs, embedded files, forms.
PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|OpenAction|AA|XFA|RichMedia)\b")
GPS_IFD = 0x8825


@dataclass(frozen=True)
class CleanFile:
    content_type: str
    filename: str
    content: bytes
    #: (latitude, longitude) from the image's GPS tags, when it had them.
    position: tuple[Decimal, Decimal] | None = None


def _safe_name(name: str, extension: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", (name or "").rsplit(".", 1)[0])[:60].strip("_")
    return f"{stem or 'lampiran'}.{extension}"


def _degrees(value: object, ref: object) -> Decimal | None:
    try:
        d, m, s = (Decimal(str(float(part))) for part in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = d + m / 60 + s / 3600
    if str(ref).upper() in ("S", "W"):
        result = -result
    return result.quantize(Decimal("0.000001"))


def _position(image: Image.Image) -> tuple[Decimal, Decimal] | None:
    gps = image.getexif().get_ifd(GPS_IFD)
    if not gps or 2 not in gps or 4 not in gps:
        return None
    lat, lon = _degrees(gps[2], gps.get(1, "N")), _degrees(gps[4], gps.get(3, "E"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _image(data: bytes, name: str) -> CleanFile:
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            if kind not in FORMATS:
                raise InvalidInput(M("only JPEG or PNG images"))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise InvalidInput(M("the image has too many pixels"))
            position = _position(image)
            if kind == "JPEG" and max(width, height) > MAX_SIDE:
                # Decode at the smallest of JPEG's own scales (1/2, 1/4, 1/8) that keeps
                # at least MAX_SIDE pixels on the long side: a 12 MP phone photo costs
                # a quarter of the work and is still sharp enough to read a sign.
                scale = MAX_SIDE / max(width, height)
                image.draft(image.mode, (int(width * scale) or 1, int(height * scale) or 1))
            image.load()
            # Pixels only (and the palette): the copy's info is emptied, so no EXIF,
            # XMP, ICC profile or comment is carried over to the file written below.
            pixels = image.copy()
            pixels.info = {}
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(M("only JPEG or PNG images")) from None
    out = io.BytesIO()
    content_type, extension = FORMATS[kind]
    if kind == "JPEG":
        # Quality 85 (libjpeg's usual 4:2:0): no visible loss on a photo of a street,
        # and not larger than what a phone sends, unlike 88 on an 85 original.
        pixels.save(out, "JPEG", quality=85)
    else:
        pixels.save(out, "PNG", optimize=True)
    return CleanFile(content_type, _safe_name(name, extension), out.getvalue(), position)


def _pdf(data: bytes, name: str) -> CleanFile:
    if b"%%EOF" not in data[-1024:] or PDF_ACTIVE.search(data):
        raise InvalidInput(M("the PDF is damaged or carries scripts or embedded files"))
    return CleanFile("application/pdf", _safe_name(name, "pdf"), data)


def clean(data: bytes, name: str, *, max_bytes: int) -> CleanFile:
    """The file as it will be kept, or an :class:`InvalidInput` saying why not."""
    if not data:
        raise InvalidInput(M("the file is empty"))
    if len(data) > max_bytes:
        raise InvalidInput(M("the file is larger than %(kb)s KB", kb=max_bytes // 1024))
    if data.startswith(b"%PDF-"):
        return _pdf(data, name)
    return _image(data, name)
