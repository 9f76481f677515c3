"""Files a citizen sends with a complaint: JPEG, PNG or PDF, checked from their bytes.

The declared name and content type are ignored: an HTML page or SVG named
``photo.jpg`` is refused because Pillow cannot read it as a raster image, and a
PDF must start with the PDF header and carry nothing a viewer would run.

Images keep their pixels as sent and lose every metadata block. The file is
rewritten from the parts a decoder needs, at the byte level, without decoding
and encoding again (which cost most of a submission's CPU and blurred the photo
a little each time): of a JPEG its tables, frame, scans and end marker, nothing
else, so EXIF (with the phone's GPS position), XMP, IPTC, ICC profiles, comments,
thumbnails and anything after the end of the image are dropped; of a PNG its
image chunks and the few that only say how to render it (a whitelist), so
``eXIf``, text, ICC profiles, times and trailing bytes are dropped. The JPEG's
orientation is the one EXIF tag written back (in a block of its own), so a
portrait photo is not shown on its side. The structure is checked on the way
(segment and chunk lengths, PNG checksums, an end marker), and a broken one is
refused. When the citizen chose to share their location, the GPS position is
read first and kept on the complaint instead of in the file.

Sizes and pixel counts are capped before reading; a JPEG much larger than
:data:`MAX_SIDE` is decoded at one of JPEG's reduced scales and encoded again
(it is kept at least that large on its long side): only there are pixels
touched.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterator
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
ORIENTATION = 0x0112

#: JPEG markers kept: the frame (SOF0-15 but DHT, JPG, DAC), Huffman and arithmetic
#: tables, quantization tables, restart interval, number of lines, the scans.
_JPEG_KEEP = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
    | {0xC4, 0xCC, 0xDB, 0xDD, 0xDC, 0xDA}
)
_SOS, _EOI, _APP0, _APP1, _APP14 = 0xDA, 0xD9, 0xE0, 0xE1, 0xEE
#: The first marker after a scan's entropy-coded data (not a stuffed 0xFF00, not RSTn).
_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7]")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: PNG chunks kept: the image and how to render it; no text, time, profile or EXIF.
_PNG_KEEP = frozenset(
    {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"bKGD"}
)


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
    if not all(part.is_finite() and 0 <= part <= 360 for part in (d, m, s)):
        return None  # a phone writes nothing like it: NaN, infinities, huge or negative parts
    result = d + m / 60 + s / 3600
    if str(ref).upper() in ("S", "W"):
        result = -result
    return result.quantize(Decimal("0.000001"))


class _Broken(Exception):
    """The file's structure is not a well-formed JPEG or PNG."""


def _exif(raw: bytes | None) -> Image.Exif | None:
    """The EXIF block parsed, or None; a damaged one is only metadata, dropped anyway."""
    if not raw:
        return None
    exif = Image.Exif()
    try:
        exif.load(raw)
        exif.get_ifd(GPS_IFD)
    except Exception:  # any damage: struct, value, key or recursion errors from Pillow's TIFF
        return None
    return exif


def _position(exif: Image.Exif | None) -> tuple[Decimal, Decimal] | None:
    gps = exif.get_ifd(GPS_IFD) if exif is not None else None
    if not gps or 2 not in gps or 4 not in gps:
        return None
    lat, lon = _degrees(gps[2], gps.get(1, "N")), _degrees(gps[4], gps.get(3, "E"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _orientation_block(exif: Image.Exif | None) -> bytes | None:
    """An EXIF block with nothing but the photo's orientation, when it is not the default."""
    value = exif.get(ORIENTATION) if exif is not None else None
    if not isinstance(value, int) or not 2 <= value <= 8:
        return None
    only = Image.Exif()
    only[ORIENTATION] = value
    return only.tobytes()


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, bytes, bytes]]:
    """(marker, segment, payload) from the start of image to its end marker, checked.

    A scan (SOS) is yielded with its entropy-coded data. Raises :class:`_Broken`
    when a length runs past the end or the end-of-image marker never comes.
    """
    if not data.startswith(b"\xff\xd8"):
        raise _Broken
    pos, size = 2, len(data)
    while True:
        if pos >= size or data[pos] != 0xFF:
            raise _Broken
        while pos < size and data[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos >= size:
            raise _Broken
        marker = data[pos]
        pos += 1
        if marker == _EOI:
            yield marker, b"\xff\xd9", b""
            return
        if marker == 0x01:  # TEM: no length, nothing in it
            continue
        if marker in (0x00, 0xD8) or 0xD0 <= marker <= 0xD7:  # RSTn outside a scan
            raise _Broken
        length = int.from_bytes(data[pos : pos + 2], "big")
        end = pos + length
        if length < 2 or end > size:
            raise _Broken
        if marker == _SOS:
            found = _SCAN_END.search(data, end)
            if found is None:
                raise _Broken
            yield marker, data[pos - 2 : found.start()], b""
            pos = found.start()
        else:
            yield marker, data[pos - 2 : end], data[pos + 2 : end]
            pos = end


def _strip_jpeg(data: bytes) -> tuple[bytes, bytes | None]:
    """The JPEG without metadata, and its EXIF block as sent (for the position)."""
    kept: list[bytes] = []
    exif: bytes | None = None
    scans = frames = 0
    for marker, segment, payload in _jpeg_segments(data):
        if marker in _JPEG_KEEP or marker == _EOI:
            kept.append(segment)
            scans += marker == _SOS
            frames += marker not in (0xC4, 0xCC, 0xDB, 0xDD, 0xDC, _SOS, _EOI)
        elif marker == _APP1 and exif is None and payload.startswith(b"Exif\x00\x00"):
            exif = payload
        elif marker == _APP0 and payload.startswith(b"JFIF\x00") and len(payload) >= 14:
            # Version, density unit and densities; the thumbnail (if any) is left out.
            body = b"JFIF\x00" + payload[5:12] + b"\x00\x00"
            kept.append(b"\xff\xe0" + (len(body) + 2).to_bytes(2, "big") + body)
        elif marker == _APP14 and payload.startswith(b"Adobe") and len(payload) == 12:
            kept.append(segment)  # the colour transform flag; a decoder needs it
    if scans == 0 or frames != 1:
        raise _Broken
    orientation = _orientation_block(_exif(exif))
    if orientation is not None:  # "Exif\0\0" and the TIFF structure, as Pillow writes it
        kept.insert(0, b"\xff\xe1" + (len(orientation) + 2).to_bytes(2, "big") + orientation)
    return b"\xff\xd8" + b"".join(kept), exif


def _strip_png(data: bytes) -> tuple[bytes, bytes | None]:
    """The PNG with only its image and rendering chunks (checksums checked), and its EXIF."""
    if not data.startswith(_PNG_SIGNATURE):
        raise _Broken
    view = memoryview(data)
    kept = [_PNG_SIGNATURE]
    exif: bytes | None = None
    pos, size = len(_PNG_SIGNATURE), len(data)
    while True:
        if pos + 12 > size:
            raise _Broken
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > size:
            raise _Broken
        wanted = kind in _PNG_KEEP
        checksum = int.from_bytes(data[end - 4 : end], "big")
        if (wanted or kind == b"eXIf") and zlib.crc32(view[pos + 4 : end - 4]) != checksum:
            raise _Broken
        if wanted:
            kept.append(data[pos:end])
        elif kind == b"eXIf" and exif is None:
            exif = data[pos + 8 : end - 4]
        pos = end
        if kind == b"IEND":
            return b"".join(kept), exif


def _reduced(image: Image.Image, exif: bytes | None) -> bytes:
    """A JPEG longer than MAX_SIDE, decoded at a reduced scale and encoded again."""
    width, height = image.size
    # Decode at the smallest of JPEG's own scales (1/2, 1/4, 1/8) that keeps at least
    # MAX_SIDE pixels on the long side: a large photo costs a fraction of the work and is
    # still sharp enough to read a sign.
    scale = MAX_SIDE / max(width, height)
    image.draft(image.mode, (int(width * scale) or 1, int(height * scale) or 1))
    image.load()
    # Pixels only (and the palette): the copy's info is emptied, so no EXIF, XMP, ICC
    # profile or comment is carried over to the file written below.
    pixels = image.copy()
    pixels.info = {}
    out = io.BytesIO()
    orientation = _orientation_block(_exif(exif))
    # Quality 85 (libjpeg's usual 4:2:0): no visible loss on a photo of a street.
    pixels.save(out, "JPEG", quality=85, **({"exif": orientation} if orientation else {}))
    return out.getvalue()


def _image(data: bytes, name: str) -> CleanFile:
    try:
        with Image.open(io.BytesIO(data)) as image:
            # Pillow reads the header only: the type from the bytes, the size.
            kind = image.format or ""
            if kind not in FORMATS:
                raise InvalidInput(M("only JPEG or PNG images"))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise InvalidInput(M("the image has too many pixels"))
            content, exif = _strip_jpeg(data) if kind == "JPEG" else _strip_png(data)
            if kind == "JPEG" and max(width, height) > MAX_SIDE:
                content = _reduced(image, exif)
    except (
        _Broken,
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ):
        raise InvalidInput(M("only JPEG or PNG images")) from None
    content_type, extension = FORMATS[kind]
    position = _position(_exif(exif))
    return CleanFile(content_type, _safe_name(name, extension), content, position)


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
