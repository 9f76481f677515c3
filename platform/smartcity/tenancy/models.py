"""The registry in schema ``platform``: regencies, their domains, apps and migrations."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcity.db import PlatformBase


class TenantStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ARCHIVED = "archived"


class Region(PlatformBase):
    """Kode wilayah reference data (province, regency/city, kecamatan)."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(12))


class Tenant(PlatformBase):
    """One regency: its own schema and role, the apps it chose, its settings."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    province: Mapped[str] = mapped_column(String(120))
    status: Mapped[TenantStatus] = mapped_column(
        Enum(TenantStatus, name="tenant_status", values_callable=lambda e: [m.value for m in e]),
        default=TenantStatus.ACTIVE,
    )
    maintenance: Mapped[bool] = mapped_column(Boolean, default=False)
    maintenance_reason: Mapped[str | None] = mapped_column(Text)
    # Why the operators suspended it and whom its users should contact: the notice
    # its users see says both (cleared on resume; the audit log keeps the history).
    suspension_reason: Mapped[str | None] = mapped_column(Text)
    suspension_contact: Mapped[str | None] = mapped_column(String(200))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    settings: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    domains: Mapped[list[TenantDomain]] = relationship(
        back_populates="tenant", cascade="all, delete-orphan"
    )
    apps: Mapped[list[TenantApp]] = relationship(
        back_populates="tenant", cascade="all, delete-orphan"
    )

    __table_args__ = (
        # One live regency per kode wilayah: two tenants for 35.21 split its users and
        # data and the adoption page cannot tell them apart. An archived one may have a
        # successor (re-provisioning is an explicit, audited choice).
        Index(
            "uq_tenants_live_region_code",
            "region_code",
            unique=True,
            postgresql_where=text("status IN ('active', 'suspended')"),
        ),
    )


class TenantDomain(PlatformBase):
    """A custom host name that serves one tenant (e.g. ``smartcity.patikab.go.id``)."""

    __tablename__ = "tenant_domains"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(String(253), unique=True)

    tenant: Mapped[Tenant] = relationship(back_populates="domains")


class TenantApp(PlatformBase):
    """An app granted to a tenant; disabling keeps the row (and the data) but hides it."""

    __tablename__ = "tenant_apps"

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    app: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    tenant: Mapped[Tenant] = relationship(back_populates="apps")


class TenantMigration(PlatformBase):
    """Outcome of the last fleet migration of one tenant, for operators."""

    __tablename__ = "tenant_migrations"

    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(12))
    versions: Mapped[list[str]] = mapped_column(JSONB, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class PlatformAuditEntry(PlatformBase):
    """What an operator (or the CLI) did to the registry; append-only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    tenant_id: Mapped[int | None] = mapped_column()
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
