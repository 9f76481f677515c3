"""The optional selfie of a mobile check-in: checked from its bytes, re-encoded, kept
with the punch, shown only to whoever reviews that person's flagged punches.

The file's own claims are not trusted: the type is read from the magic bytes and
must agree with what Pillow finds; the size in bytes and in pixels is capped
before anything is decoded (a small PNG can declare gigapixels); the image is
re-encoded, which drops EXIF (the phone's GPS position, its serial number) and
every other metadata block, after turning it upright by its EXIF orientation.
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
from .messages import M
from .models import Punch, PunchPhoto
from .people import is_supervisor_of, staff_or_404

MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 24_000_000
#: The longest side kept: enough to recognise a face, small enough to store for years.
MAX_SIDE = 1280
_MAGIC = {b"\xff\xd8\xff": ("JPEG", "image/jpeg"), b"\x89PNG\r\n\x1a\n": ("PNG", "image/png")}


def clean(data: bytes) -> tuple[str, bytes]:
    """The image re-encoded without metadata, and its media type; refused if not a
    JPEG or PNG within the bounds."""
    if len(data) > MAX_BYTES:
        raise TooLarge(
            M("a selfie of at most %(count)s MB", count=MAX_BYTES // (1024 * 1024)),
            {"selfie": "too large"},
        )
    found = next((v for magic, v in _MAGIC.items() if data.startswith(magic)), None)
    if found is None:
        raise InvalidInput(M("the selfie must be a JPEG or PNG image"), {"selfie": "type"})
    fmt, media_type = found
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            if opened.format != fmt:
                raise InvalidInput(M("the selfie must be a JPEG or PNG image"), {"selfie": "type"})
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise InvalidInput(M("the selfie has too many pixels"), {"selfie": "pixels"})
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
        raise InvalidInput(
            M("the selfie is not a readable image"), {"selfie": "damaged"}
        ) from error
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85)
    else:
        keep = "RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB"
        image.convert(keep).save(out, "PNG", optimize=True)
    return media_type, out.getvalue()


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
        raise Forbidden(M("you do not supervise this person"), {"punch_id": "not yours"})
    return photo
