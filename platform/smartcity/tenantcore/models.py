"""Tenant-schema models of the core: users and the audit log.

Declared without a schema: every statement reaches ``t_<slug>`` through the
session's ``schema_translate_map``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.db import TenantBase


class User(TenantBase):
    """A regency's civil servant or admin who logs into this tenant only."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(60)), default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    credential_version: Mapped[int] = mapped_column(Integer, default=1)
    # Bumped on sign-out: every web session (cookie) issued before then ends,
    # while API tokens (credentials of their own) keep working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The language of their notices by e-mail ("id" or "en"); None: the platform's default.
    locale: Mapped[str | None] = mapped_column(String(5))
    #: They asked for no notices by e-mail (the Notices page still lists them).
    notices_muted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AuditEntry(TenantBase):
    """Who changed what in this tenant, with the values before and after; append-only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str | None] = mapped_column(String(60))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class OrgUnit(TenantBase):
    """An OPD (regional agency) or one of its sub-units, in a tree with codes.

    OPD (Organisasi Perangkat Daerah): Sekretariat Daerah, Dinas, Badan,
    Kecamatan and the like; a child's code starts with its parent's code.
    ``sipd_code`` is the long code SIPD knows the unit by (``1.02.0.00.0.00.01.0000``,
    see ``tenantcore.sipd_codes``): unique in the regency, None until entered.
    """

    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(String(13))
    sipd_code: Mapped[str | None] = mapped_column(String(22), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OrgUnitMember(TenantBase):
    """A user acting for an org unit within one app (e-Budgeting's OPD operator, say).

    Roles say what a user may do; membership says for which units, per app, so
    a budget operator of the health office can be SAKIP officer of another.
    """

    __tablename__ = "org_unit_members"
    __table_args__ = (Index("ix_org_unit_members_app_unit", "app", "org_unit_id"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), primary_key=True)
    app: Mapped[str] = mapped_column(String(31), primary_key=True)


class Notice(TenantBase):
    """Something an app told one user (see ``smartcity.notices``): listed on their
    Notices page, and e-mailed after the COMMIT that wrote it, in their language.

    The subject and body are msgids of the app's translation domain with their
    values, translated when shown (so each reader sees their own language).
    """

    # Not "notices": an app's table may carry a plain name (the test noticeboard's does).
    __tablename__ = "user_notices"
    __table_args__ = (Index("ix_user_notices_user_key", "user_id", "app", "dedup_key"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    app: Mapped[str] = mapped_column(String(31))
    subject: Mapped[str] = mapped_column(String(500))
    subject_params: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    body: Mapped[str] = mapped_column(String(4000))
    body_params: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    #: A path under the regency (``/sakip/...``); the e-mail makes it a full address.
    link: Mapped[str | None] = mapped_column(String(500))
    dedup_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    #: pending (to be e-mailed) | sent | muted (the user opted out) | failed
    mail_status: Mapped[str] = mapped_column(String(10), default="pending")
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Staff(TenantBase):
    """A pegawai (civil servant: PNS, CPNS or PPPK), identified by NIP."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    nip: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(5))
    golongan: Mapped[str | None] = mapped_column(String(6))
    position: Mapped[str] = mapped_column(String(200))
    position_class: Mapped[int | None] = mapped_column(SmallInteger)
    echelon: Mapped[str | None] = mapped_column(String(5))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date] = mapped_column(Date)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Holiday(TenantBase):
    """A day off: national (synced from the platform) or local (the regency's own)."""

    __tablename__ = "holidays"
    __table_args__ = (UniqueConstraint("day", "kind"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # national | local
    source_version: Mapped[str | None] = mapped_column(String(40))


class TenantSettings(TenantBase):
    """The regency's own settings and branding: one row, edited by its admins."""

    __tablename__ = "settings"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=1)
    display_name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Jakarta")
    primary_color: Mapped[str] = mapped_column(String(7), default="#0d6efd")
    accent_color: Mapped[str] = mapped_column(String(7), default="#198754")
    # Up to 512 KB, wanted only by the logo's own URL and the reports' letterhead: every
    # other reader of the row (each public form, each check-in) leaves it in the table.
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_type: Mapped[str | None] = mapped_column(String(40))
    work_days: Mapped[list[int]] = mapped_column(
        ARRAY(SmallInteger), default=lambda: [0, 1, 2, 3, 4]
    )
    weekly_hours: Mapped[float] = mapped_column(Numeric(4, 1, asdecimal=False), default=37.5)
    values: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class RosterImport(TenantBase):
    """An uploaded staff roster awaiting confirmation, with its validation report."""

    __tablename__ = "roster_imports"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10))  # rejected | ready | applied
    row_count: Mapped[int] = mapped_column(Integer)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    uploaded_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Activity(TenantBase):
    """Who used which part of the platform on which day: the basis of adoption figures."""

    __tablename__ = "activity"

    user_id: Mapped[int] = mapped_column(primary_key=True)
    app: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=1)
