"""The regency's branding on its pages: name, colours, logo and time zone.

Read at most once per HTML request, and only when a page is rendered: the
frame asks for it through the ``branding()`` template global, so JSON API
requests, redirects and file downloads never touch the settings row. The
query reads only the small columns (never the logo's bytes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal
from flask import g
from flask.blueprints import BlueprintSetupState
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from smartcity.tenantcore.models import TenantSettings
from smartcity.tenantcore.settings import COLOR
from smartcity.web import current_locale

DEFAULT_PRIMARY = "#0d6efd"
DEFAULT_ACCENT = "#198754"
DEFAULT_TIMEZONE = "Asia/Jakarta"


@dataclass(frozen=True)
class Branding:
    display_name: str | None
    primary_color: str
    accent_color: str
    timezone: str
    #: changes whenever the settings change, so the logo's URL does too (cache busting)
    logo_version: str | None

    @property
    def light_primary(self) -> bool:
        """Whether the primary colour is light enough to need dark text on it."""
        return _luminance(self.primary_color) > 0.45

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


DEFAULT = Branding(None, DEFAULT_PRIMARY, DEFAULT_ACCENT, DEFAULT_TIMEZONE, None)


def _luminance(color: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, gr, b = (channel(color[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * gr + 0.0722 * b


def _safe_color(value: str | None, fallback: str) -> str:
    # The colours go into a <style> element: accept nothing but #rrggbb.
    return value.lower() if value and COLOR.fullmatch(value) else fallback


def branding() -> Branding | None:
    """This request's tenant branding (None on the platform host), loaded once."""
    if g.get("tenant") is None:
        return None
    cached: Branding | None = g.get("branding")
    if cached is not None:
        return cached
    result = DEFAULT
    session = g.get("db")  # absent when the tenant was refused (suspended, maintenance)
    if session is not None:
        try:
            row = session.execute(
                select(
                    TenantSettings.display_name,
                    TenantSettings.primary_color,
                    TenantSettings.accent_color,
                    TenantSettings.timezone,
                    TenantSettings.logo_type,
                    TenantSettings.updated_at,
                ).where(TenantSettings.id == 1)
            ).first()
        except SQLAlchemyError:
            row = None  # an error page after a failed statement still renders, unbranded
        if row is not None:
            result = Branding(
                display_name=row.display_name or None,
                primary_color=_safe_color(row.primary_color, DEFAULT_PRIMARY),
                accent_color=_safe_color(row.accent_color, DEFAULT_ACCENT),
                timezone=row.timezone or DEFAULT_TIMEZONE,
                logo_version=(
                    str(int(row.updated_at.timestamp()))
                    if row.logo_type and row.updated_at
                    else None
                ),
            )
    g.branding = result
    return result


def tenant_zone() -> ZoneInfo:
    """The regency's time zone (WIB, WITA or WIT), for showing and filtering times."""
    return (branding() or DEFAULT).zone


def local_datetime(value: datetime | None, fmt: str | None = None) -> str:
    """A moment in the regency's own time zone and the page's language.

    By default the date with its month in words and the time to the minute
    ("6 Des 2026 14.05"): Babel's short form ("06/12/26") reads as June to some
    and as December to others.
    """
    if value is None:
        return "—"
    zone, locale = tenant_zone(), current_locale()
    if fmt is not None:
        return format_datetime(value, fmt, tzinfo=zone, locale=locale)
    local = value.astimezone(zone) if value.tzinfo is not None else value.replace(tzinfo=zone)
    day = format_date(local, "medium", locale=locale)
    return f"{day} {format_time(local, 'short', locale=locale)}"


def local_date(value: object, fmt: str = "medium") -> str:
    return format_date(value, fmt, locale=current_locale())  # type: ignore[arg-type]


def number(value: object) -> str:
    """A count or amount in the page's language: 12.345 in Indonesian, 12,345 in English."""
    return format_decimal(value, locale=current_locale())  # type: ignore[arg-type]


def install_branding_globals(state: BlueprintSetupState) -> None:
    state.app.jinja_env.globals.update(
        branding=branding, local_datetime=local_datetime, local_date=local_date, number=number
    )
