"""The regency's own settings and branding (one row in its schema)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ScalarSelect, select
from sqlalchemy.orm import Session

from smartcity.errors import InvalidInput, Message
from smartcity.tenantcore import audit
from smartcity.tenantcore.models import TenantSettings

#: Indonesia's three time zones, by the names people use.
TIMEZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
#: Provinces (first segment of the kode wilayah) east of WIB.
WITA_PROVINCES = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
WIT_PROVINCES = {"81", "82", "91", "92", "93", "94", "95", "96"}
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
MAX_LOGO_BYTES = 512 * 1024
WEEKDAYS = range(7)


def timezone_for_region(region_code: str) -> str:
    province = region_code.split(".", maxsplit=1)[0]
    if province in WIT_PROVINCES:
        return TIMEZONES["WIT"]
    if province in WITA_PROVINCES:
        return TIMEZONES["WITA"]
    return TIMEZONES["WIB"]


def get_settings(session: Session) -> TenantSettings:
    settings = session.get(TenantSettings, 1)
    if settings is None:  # provisioning writes the row; this only guards old schemas
        settings = TenantSettings(id=1, work_days=[0, 1, 2, 3, 4], weekly_hours=37.5, values={})
        session.add(settings)
        session.flush()
    return settings


def timezone_subquery() -> ScalarSelect[str]:
    """The regency's time zone as a scalar subquery (NULL where the row is missing).

    For a frequent statement that needs the zone along with its own rows: one
    round trip instead of two, and the settings row (with its logo, up to 512 KB)
    is not loaded for one short text.
    """
    return select(TenantSettings.timezone).where(TenantSettings.id == 1).scalar_subquery()


def _public(settings: TenantSettings) -> dict[str, Any]:
    return {
        "display_name": settings.display_name,
        "timezone": settings.timezone,
        "primary_color": settings.primary_color,
        "accent_color": settings.accent_color,
        "work_days": list(settings.work_days),
        "weekly_hours": float(settings.weekly_hours),
        "logo": settings.logo_type,
    }


def logo_type(data: bytes) -> str | None:
    """The image type from its first bytes; SVG is refused (it can carry script)."""
    return next((kind for magic, kind in LOGO_TYPES.items() if data.startswith(magic)), None)


def settings_problems(
    *,
    display_name: str | None = None,
    timezone: str | None = None,
    primary_color: str | None = None,
    accent_color: str | None = None,
    work_days: list[int] | None = None,
    weekly_hours: float | None = None,
    logo: bytes | None = None,
) -> dict[str, str]:
    """Field -> why the new value is refused (None means unchanged)."""
    problems: dict[str, str] = {}
    if display_name is not None and len(display_name) > 200:
        problems["display_name"] = Message("at most 200 characters")
    if timezone is not None and timezone not in TIMEZONES.values():
        problems["timezone"] = Message(
            "WIB (Asia/Jakarta), WITA (Asia/Makassar) or WIT (Asia/Jayapura)"
        )
    for key, value in (("primary_color", primary_color), ("accent_color", accent_color)):
        if value is not None and not COLOR.fullmatch(value):
            problems[key] = Message("a colour like #0d6efd")
    if work_days is not None and (not work_days or not set(work_days) <= set(WEEKDAYS)):
        problems["work_days"] = Message("at least one weekday")
    if weekly_hours is not None and not 1 <= weekly_hours <= 60:
        problems["weekly_hours"] = Message("between 1 and 60 hours")
    if logo is not None and len(logo) > MAX_LOGO_BYTES:
        problems["logo"] = Message("at most %(n)s KB", n=MAX_LOGO_BYTES // 1024)
    elif logo is not None and logo_type(logo) is None:
        problems["logo"] = Message("a PNG or JPEG image")
    return problems


def update_settings(session: Session, *, actor: str, **changes: Any) -> TenantSettings:
    """Change the given settings (display_name, timezone, colours, work_days,
    weekly_hours, logo); the others stay as they are."""
    problems = settings_problems(**changes)
    if problems:
        raise InvalidInput(Message("the settings are not valid"), problems)
    settings = get_settings(session)
    before = _public(settings)
    for key, value in changes.items():
        if value is None:
            continue
        if key == "logo":
            settings.logo, settings.logo_type = value, logo_type(value)
        elif key == "display_name":
            settings.display_name = value.strip() or None
        elif key == "work_days":
            settings.work_days = sorted(set(value))
        elif key in ("primary_color", "accent_color"):
            setattr(settings, key, value.lower())
        else:
            setattr(settings, key, value)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="settings.update",
        entity="settings",
        entity_id=1,
        before=before,
        after=_public(settings),
    )
    return settings


def remove_logo(session: Session, *, actor: str) -> TenantSettings:
    """Back to the name alone in the header."""
    settings = get_settings(session)
    if settings.logo is None:
        return settings
    before = _public(settings)
    settings.logo, settings.logo_type = None, None
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="settings.update",
        entity="settings",
        entity_id=1,
        before=before,
        after=_public(settings),
    )
    return settings


# --------------------------------------------------------------------------- public pages

#: Where the public pages' own settings live in ``settings.values``.
PUBLIC_KEY = "public"
#: Proof-of-work difficulty in leading zero bits of SHA-256: 0 is off, else within these.
#: Each bit doubles the expected work (2**bits hashes on average). Measured with
#: ``js/pow.js`` (``crypto.subtle``, batches of 2048) in headless Chromium on a
#: shared 2-core server: about 110,000 hashes a second, so 16 bits (65,536 hashes)
#: took 0.7 s on average and 18 bits about 4 s; a phone is slower still. 16 is the
#: sensible setting: the work starts when the page opens, so it is done long before
#: a person has written their complaint, and it still costs a script posting
#: thousands of forms a hash search per post. 24 is the most a regency may ask.
POW_BITS = (8, 24)


def proof_of_work_bits(session: Session) -> int:
    """The regency's proof-of-work difficulty for its public forms; 0 when it is off."""
    stored = ((get_settings(session).values or {}).get(PUBLIC_KEY) or {}).get("pow_bits", 0)
    low, high = POW_BITS
    if isinstance(stored, bool) or not isinstance(stored, int) or not low <= stored <= high:
        return 0
    return stored


def read_pow_bits(value: object) -> int | None:
    """``value`` (a number, or text typed in a form) as a difficulty, or None if it is not one.

    Text must be ASCII digits ('²' passes ``isdigit`` but is no number to ``int``).
    """
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 3 or not (text.isascii() and text.isdecimal()):
            return None
        value = int(text)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    low, high = POW_BITS
    return value if value == 0 or low <= value <= high else None


def update_proof_of_work(session: Session, *, actor: str, bits: object) -> int:
    """Switch the public forms' proof-of-work on (``bits`` of difficulty) or off (0)."""
    chosen = read_pow_bits(bits)
    if chosen is None:
        low, high = POW_BITS
        why = Message("0 (off) or a whole number from %(low)s to %(high)s", low=low, high=high)
        raise InvalidInput("the settings are not valid", {"pow_bits": why})
    settings = get_settings(session)
    before = proof_of_work_bits(session)
    public = {**((settings.values or {}).get(PUBLIC_KEY) or {}), "pow_bits": chosen}
    settings.values = {**(settings.values or {}), PUBLIC_KEY: public}  # JSONB sees assignment
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="settings.update",
        entity="settings",
        entity_id=1,
        before={"pow_bits": before},
        after={"pow_bits": chosen},
    )
    return chosen
