"""Daily per-tenant usage aggregates (schema ``platform``), rolled up from tenants."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.db import PlatformBase


class TenantUsageDaily(PlatformBase):
    """One tenant's use of one app (``core`` for the core pages) on one day.

    ``app`` is ``*`` for the tenant as a whole (a user of two apps counts once).
    Distinct users over a window cannot be summed from daily counts, so the
    collector stores the 7- and 30-day distinct counts ending on ``day`` in the
    row itself, computed from the tenant's own activity table.
    """

    __tablename__ = "tenant_usage_daily"

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    app: Mapped[str] = mapped_column(String(40), primary_key=True)
    active_users: Mapped[int] = mapped_column(Integer)
    active_users_7d: Mapped[int] = mapped_column(Integer)
    active_users_30d: Mapped[int] = mapped_column(Integer)
    hits: Mapped[int] = mapped_column(Integer)
    jobs: Mapped[int] = mapped_column(Integer, default=0)
    collected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
