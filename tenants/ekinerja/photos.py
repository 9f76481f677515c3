"""The optional selfie of a mobile check-in: checked from its bytes, re-encoded, kept
with the punch, shown only to whoever reviews that person's flagged punches.

The file's own claims are not trusted: the type is read from the magic bytes and
must agree with what Pillow finds; the size in bytes and in pixels is capped
before anything is decoded (a small PNG can declare gigapixels); the image is
re-encoded, which drops EXIF (the phone's GPS position, its serial number) and
every other metadata block, after turning it upright by its EXIF orientation.
The same re-encoding (:func:`reencode`) cleans the images sent as evidence of an
absence, a work log or an objection (``evidence``).
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError
from smartcity.toolkit import Forbidden, InvalidInput, NotFound
from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import Actor
from .machine import TooLarge
from .messages import NOT_YOURS, M
from .models import Punch, PunchPhoto
from .people import is_supervisor_of, staff_or_404

MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 24_000_000
#: The longest side kept: enough to recognise a face, small enough to store for years.
MAX_SIDE = 1280
#: The image formats kept, by their first bytes: Pillow's name and the media type.
IMAGE_MAGIC = {
    b"\xff\xd8\xff": ("JPEG", "image/jpeg"),
    b"\x89PNG\r\n\x1a\n": ("PNG", "image/png"),
}


class Unusable(Exception):
    """The image cannot be kept; ``reason`` says why: ``type`` (its bytes are another
    format than its magic says), ``pixels`` (over :data:`MAX_PIXELS`) or ``damaged``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def image_format(data: bytes) -> tuple[str, str] | None:
    """Pillow's format name and the media type of a JPEG or PNG, by its first bytes."""
    return next((v for magic, v in IMAGE_MAGIC.items() if data.startswith(magic)), None)


def reencode(
    data: bytes, fmt: str, *, max_side: int, quality: int = 85, optimize: bool = True
) -> bytes:
    """``data`` (a ``fmt`` image by its magic) decoded, turned upright, shrunk to
    ``max_side`` and written again: nothing of the original file but its pixels is
    kept, so its EXIF block (GPS position, the phone's serial number) and every other
    metadata block are gone. Raises :class:`Unusable`.

    The pixel count is read from the header and capped before anything is decoded
    (a small PNG can declare gigapixels); a JPEG is decoded at the smallest scale
    that still covers ``max_side`` (``draft``), which a phone's 12-megapixel photo
    needs to stay cheap.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            if opened.format != fmt:
                raise Unusable("type")
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise Unusable("pixels")
            if fmt == "JPEG":
                opened.draft("RGB", (max_side, max_side))
            opened.load()
            image: Image.Image = ImageOps.exif_transpose(opened)
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise Unusable("damaged") from error
    image.thumbnail((max_side, max_side))
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=quality)
    else:
        keep = "RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB"
        image.convert(keep).save(out, "PNG", optimize=optimize)
    return out.getvalue()


def clean(data: bytes) -> tuple[str, bytes]:
    """The selfie re-encoded without metadata, and its media type; refused if not a
    JPEG or PNG within the bounds."""
    if len(data) > MAX_BYTES:
        raise TooLarge(
            M("a selfie of at most %(count)s MB", count=MAX_BYTES // (1024 * 1024)),
            {"selfie": "too large"},
        )
    found = image_format(data)
    if found is None:
        raise InvalidInput(M("the selfie must be a JPEG or PNG image"), {"selfie": "type"})
    fmt, media_type = found
    try:
        return media_type, reencode(data, fmt, max_side=MAX_SIDE)
    except Unusable as refused:
        if refused.reason == "type":
            raise InvalidInput(
                M("the selfie must be a JPEG or PNG image"), {"selfie": "type"}
            ) from refused
        if refused.reason == "pixels":
            raise InvalidInput(
                M("the selfie has too many pixels"), {"selfie": "pixels"}
            ) from refused
        raise InvalidInput(
            M("the selfie is not a readable image"), {"selfie": "damaged"}
        ) from refused


def keep(session: Session, punch_id: int, media_type: str, content: bytes) -> PunchPhoto:
    photo = PunchPhoto(punch_id=punch_id, media_type=media_type, content=content)
    session.add(photo)
    session.flush()
    return photo


def with_photo(session: Session, punch_ids: list[int]) -> set[int]:
    if not punch_ids:
        return set()
    return set(
        session.scalars(select(PunchPhoto.punch_id).where(PunchPhoto.punch_id.in_(punch_ids)))
    )


def photo_for_reviewer(session: Session, actor: Actor, punch_id: int) -> PunchPhoto:
    """The selfie of a punch, for the person's supervisor or their unit's admin only."""
    actor.require("ekinerja.approve")
    punch = session.get(Punch, punch_id)
    photo = session.get(PunchPhoto, punch_id) if punch is not None else None
    if punch is None or photo is None:
        raise NotFound(M("no selfie with punch %(punch_id)s", punch_id=punch_id))
    person = staff_or_404(session, punch.staff_id)
    if not (is_supervisor_of(actor, person) or actor.manages(person.unit_id)):
        raise Forbidden(M("you do not supervise this person"), {"punch_id": NOT_YOURS})
    return photo
