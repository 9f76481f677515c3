"""Evidence files: what a person sends with an absence, a daily work log or a TPP
objection, checked one way for all three.

A file is a PDF, a PNG or a JPEG by its first bytes (its name and the type the
browser claims are not trusted). A PDF is kept as sent, up to 2 MB. An image may
be bigger as sent (a phone camera's photo of a letter is 3-5 MB) but is never
kept as sent: it is decoded and written again by :func:`photos.reencode`, the
code that cleans check-in selfies, so its EXIF block (the phone's GPS position,
its serial number) is gone, and it is shrunk to :data:`MAX_SIDE` pixels, still
enough to read a scanned page. The name is kept only for the download, without
its folders and control characters (a header cannot carry a line break), and
ending in the extension of what the file is: a PDF sent as ``surat.hta`` would
otherwise be saved by the supervisor's browser under that name, and Windows runs
an HTA (script after any leading junk) when it is opened from the downloads.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from smartcity.toolkit import Message

from . import photos
from .messages import M

MB = 1024 * 1024
#: A PDF as sent, and what an image is kept as at most (after re-encoding).
MAX_BYTES = 2 * MB
#: An image as sent (before it is re-encoded and shrunk).
MAX_IMAGE_BYTES = 8 * MB
#: The longest side of an image kept: an A4 page at about 240 dpi.
MAX_SIDE = 2000
PDF = "application/pdf"
#: Every type accepted, by its first bytes.
TYPES = {b"%PDF-": PDF, **{magic: media for magic, (_f, media) in photos.IMAGE_MAGIC.items()}}
DEFAULT_NAME = "bukti"
#: The extensions a kept file's name may end in, by its type (the first is added).
EXTENSIONS = {PDF: (".pdf",), "image/png": (".png",), "image/jpeg": (".jpg", ".jpeg")}


@dataclass(frozen=True)
class Evidence:
    """A file as it arrived: the name it came with and its bytes (maybe one byte over
    the limit: whoever reads an upload reads ``MAX_IMAGE_BYTES + 1`` at most)."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Stored:
    """The file as it is kept: a clean name, its media type, the bytes to store."""

    name: str
    media_type: str
    data: bytes


def media_type(data: bytes) -> str | None:
    return next((kind for magic, kind in TYPES.items() if data.startswith(magic)), None)


def clean_name(name: str, media_type: str | None = None) -> str:
    """The last part of ``name``, without control or format characters, at most 255;
    given the file's ``media_type``, ending in one of its :data:`EXTENSIONS`."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(c for c in base if not unicodedata.category(c).startswith("C")).strip()
    kept = kept or DEFAULT_NAME
    extensions = EXTENSIONS.get(media_type or "")
    if extensions is None:
        return kept[:255]
    ending = next((e for e in extensions if kept.lower().endswith(e)), None)
    stem, ending = (kept[: -len(ending)], kept[-len(ending) :]) if ending else (kept, extensions[0])
    return (stem or DEFAULT_NAME)[: 255 - len(ending)] + ending


def check(evidence: Evidence) -> tuple[Stored | None, Message | None]:
    """The file ready to store, or what is wrong with it (for the field ``evidence``).

    Returned rather than raised, so a service lists it with its other fields'
    problems in one answer.
    """
    data = evidence.data
    kind = media_type(data)
    limit = MAX_BYTES if kind in (PDF, None) else MAX_IMAGE_BYTES
    if len(data) > limit:
        return None, M(
            "a PDF of at most %(pdf)s MB or a photo of at most %(photo)s MB",
            pdf=MAX_BYTES // MB,
            photo=MAX_IMAGE_BYTES // MB,
        )
    if kind is None:
        return None, M("a PDF, PNG or JPEG file")
    if kind != PDF:
        fmt = next(f for f, media in photos.IMAGE_MAGIC.values() if media == kind)
        try:
            data = photos.reencode(data, fmt, max_side=MAX_SIDE, optimize=False)
        except photos.Unusable as refused:
            if refused.reason == "pixels":
                megapixels = photos.MAX_PIXELS // 1_000_000
                return None, M("an image of at most %(count)s megapixels", count=megapixels)
            return None, M("an image that can be read")
        if len(data) > MAX_BYTES:  # a noisy PNG can grow when written again
            return None, M("a smaller image")
    return Stored(clean_name(evidence.name, kind), kind, data), None
