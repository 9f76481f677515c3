"""Bandung's platform operators."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Identity, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.db import PlatformBase


class Operator(PlatformBase):
    """A Bandung admin who provisions regencies and chooses their apps."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on password change or deactivation: every token and session issued
    # before then stops working.
    credential_version: Mapped[int] = mapped_column(Integer, default=1)
    # Bumped on sign-out: every console session (cookie) issued before then ends,
    # while API tokens (credentials of their own) keep working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # TOTP second factor: once enabled it is required at every sign-in (console and API).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last 30-second time step whose code was accepted: a code is good once
    # (RFC 6238, section 5.2), so one seen over a shoulder cannot be replayed.
    totp_last_step: Mapped[int | None] = mapped_column()
