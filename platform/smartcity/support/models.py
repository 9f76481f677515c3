"""Time-limited support grants (schema ``platform``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Identity, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.db import PlatformBase


class SupportGrant(PlatformBase):
    """An operator's permission to act inside one tenant until ``expires_at``."""

    __tablename__ = "support_grants"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The one hand-over token that may still be redeemed (see support.handover):
    # set when the console issues one, cleared when the tenant redeems it, so a
    # token works once and a newer one voids any older one.
    handover_nonce: Mapped[str | None] = mapped_column(String(64))
