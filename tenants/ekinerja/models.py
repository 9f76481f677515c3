"""e-Kinerja's tables, in the regency's schema (prefix ``ekn_``).

The core's ``staff`` table is the roster; an account links a sign-in user to
the staff member they are. Punches are kept as they came (with every flag);
``ekn_attendance_days`` is the one record per person per day built from the
punches that count.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from smartcity.toolkit import OrgUnit, Staff, User, tenant_metadata
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Cross-metadata foreign keys name the core's Column objects: a string such as
# "staff.id" would be looked up in this app's own metadata and not found.
STAFF_ID = Staff.__table__.c.id
ORG_UNIT_ID = OrgUnit.__table__.c.id
USER_ID = User.__table__.c.id


class Base(DeclarativeBase):
    metadata = tenant_metadata()
    type_annotation_map = {int: BigInteger}


class Account(Base):
    """Which staff member a user is (one each way)."""

    __tablename__ = "ekn_accounts"

    staff_id: Mapped[int] = mapped_column(ForeignKey(STAFF_ID), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(USER_ID, ondelete="CASCADE"), unique=True)


class Settings(Base):
    """The regency's e-Kinerja settings (one row; defaults in ``settings.EkinerjaSettings``)."""

    __tablename__ = "ekn_settings"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=1)
    values: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Office(Base):
    """A place a unit's staff check in: a circle, or a polygon of [lat, lon] pairs."""

    __tablename__ = "ekn_offices"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey(ORG_UNIT_ID), index=True)
    name: Mapped[str] = mapped_column(String(200))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[int] = mapped_column(Integer)
    polygon: Mapped[list[list[float]] | None] = mapped_column(JSONB)


class ScheduleRule(Base):
    """Office hours on some weekdays for a unit (or the regency), maybe only between dates."""

    __tablename__ = "ekn_schedule_rules"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey(ORG_UNIT_ID), index=True)
    name: Mapped[str] = mapped_column(String(200))
    weekdays: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class ScheduleRuleVersion(Base):
    """What a rule of office hours read before a change that took effect on ``until``:
    the days before it keep the hours (and weekdays) they were worked under, so a month
    recomputed after the change is cut as it was lived, not by today's hours."""

    __tablename__ = "ekn_schedule_rule_versions"
    __table_args__ = (UniqueConstraint("rule_id", "until"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    rule_id: Mapped[int] = mapped_column(
        ForeignKey("ekn_schedule_rules.id", ondelete="CASCADE"), index=True
    )
    until: Mapped[date] = mapped_column(Date)
    weekdays: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)


class ShiftAssignment(Base):
    """A person's shift on a day (health centres, fire brigade)."""

    __tablename__ = "ekn_shifts"
    __table_args__ = (UniqueConstraint("staff_id", "day"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey(STAFF_ID))
    day: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)


class Punch(Base):
    """One check-in or check-out as it arrived, with what made it suspect.

    ``idempotency_key`` is the client's: a retried request finds its first punch
    through the unique constraint instead of making a second one. ``review`` is
    ``accepted`` for a clean punch; a flagged one is ``pending`` until the
    supervisor accepts or rejects it, and only accepted punches count.
    """

    __tablename__ = "ekn_punches"
    __table_args__ = (
        UniqueConstraint("staff_id", "idempotency_key"),
        CheckConstraint("kind IN ('in', 'out')", name="kind"),
        CheckConstraint("review IN ('accepted', 'pending', 'rejected')", name="review"),
        # "Who else punched from this phone today?" is asked at every check-in, as
        # ranges of staff_id either side of the one punching (attendance.py).
        Index(
            "ix_ekn_punches_device_id_staff_id_at",
            "device_id",
            "staff_id",
            "at",
            postgresql_where=text("device_id IS NOT NULL"),
        ),
        # A check-in's look-back: the person's last punch up to now, by (at, id).
        Index("ix_ekn_punches_staff_id_at_id", "staff_id", "at", "id"),
    )

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey(STAFF_ID))
    idempotency_key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(String(12))  # mobile | offline | web | machine
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    day: Mapped[date] = mapped_column(Date)
    device_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    device_id: Mapped[str | None] = mapped_column(String(120))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("ekn_offices.id"))
    flags: Mapped[list[str]] = mapped_column(ARRAY(String(30)), default=list)
    review: Mapped[str] = mapped_column(String(10))
    reviewed_by: Mapped[str | None] = mapped_column(String(254))


class Device(Base):
    """The phone a person's account is tied to ("satu akun satu perangkat").

    The first punch from a phone ties it; a punch from another phone is flagged or
    refused (the regency's ``device_binding``) until an admin of the person's unit
    releases the tie (a new phone, a lost one), after which the next phone punch ties
    again. Released ties are kept: they say which phone a past punch was judged by.
    """

    __tablename__ = "ekn_devices"
    __table_args__ = (
        Index(
            "uq_ekn_devices_staff_id_current",
            "staff_id",
            unique=True,
            postgresql_where=text("released_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey(STAFF_ID))
    device_id: Mapped[str] = mapped_column(String(120))
    bound_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    released_by: Mapped[str | None] = mapped_column(String(254))


class AttendanceDay(Base):
    """The one record per person per day: first accepted check-in, last accepted check-out."""

    __tablename__ = "ekn_attendance_days"
    __table_args__ = (UniqueConstraint("staff_id", "day"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey(STAFF_ID))
    day: Mapped[date] = mapped_column(Date, index=True)
    check_in: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    check_out: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    check_in_punch_id: Mapped[int | None] = mapped_column(ForeignKey("ekn_punches.id"))
    check_out_punch_id: Mapped[int | None] = mapped_column(ForeignKey("ekn_punches.id"))
    pending: Mapped[int] = mapped_column(SmallInteger, default=0)


class Absence(Base):
    """Leave, official travel or field duty over days, with its evidence and decision
    (or its withdrawal by the person while it waited)."""

    __tablename__ = "ekn_absences"
    __table_args__ = (
        CheckConstraint("end_day >= start_day", name="span"),
        CheckConstraint(
            "status IN ('submitted', 'approved', 'rejected', 'withdrawn')", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey(STAFF_ID), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    start_day: Mapped[date] = mapped_column(Date)
    end_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary)
    evidence_name: Mapped[str | None] = mapped_column(String(255))
    evidence_type: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="submitted")
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Duty(Base):
    """An activity on a unit's duty list, with its standard minutes per unit of output."""

    __tablename__ = "ekn_duties"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey(ORG_UNIT_ID), index=True)
    name: Mapped[str] = mapped_column(String(300))
    standard_minutes: Mapped[int] = mapped_column(Integer)
    output_unit: Mapped[str] = mapped_column(String(60))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class WorkLog(Base):
    """A day's activity against a duty; its minutes count once the supervisor approves.

    Its evidence is a link, or a file kept like an absence's (``evidence.check``);
    the bytes are loaded only when the file is asked for (``deferred``), not with
    every list of logs.
    """

    __tablename__ = "ekn_work_logs"
    __table_args__ = (
        CheckConstraint("status IN ('submitted', 'approved', 'returned')", name="status"),
    )

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey(STAFF_ID), index=True)
    day: Mapped[date] = mapped_column(Date)
    duty_id: Mapped[int] = mapped_column(ForeignKey("ekn_duties.id"))
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    quantity: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    output: Mapped[str] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    evidence_name: Mapped[str | None] = mapped_column(String(255))
    evidence_type: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="submitted")
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RuleSet(Base):
    """A version of the TPP rules, named after its Perbup, in force from a month."""

    __tablename__ = "ekn_rule_sets"
    __table_args__ = (CheckConstraint("status IN ('draft', 'active')", name="status"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    effective_from: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(6))
    rules: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TppMonth(Base):
    """A month's TPP run: recomputed until it is locked, never after."""

    __tablename__ = "ekn_tpp_months"
    __table_args__ = (UniqueConstraint("year", "month"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    month: Mapped[int] = mapped_column(SmallInteger)
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("ekn_rule_sets.id"))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    as_of: Mapped[date] = mapped_column(Date)
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_by: Mapped[str | None] = mapped_column(String(254))


class TppStatement(Base):
    """One person's TPP for a month; its lines add up to the deduction."""

    __tablename__ = "ekn_tpp_statements"
    __table_args__ = (UniqueConstraint("month_id", "staff_id"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    month_id: Mapped[int] = mapped_column(ForeignKey("ekn_tpp_months.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey(STAFF_ID), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey(ORG_UNIT_ID))
    position_class: Mapped[int] = mapped_column(SmallInteger)
    base: Mapped[int] = mapped_column(BigInteger)
    performance_part: Mapped[int] = mapped_column(BigInteger)
    discipline_part: Mapped[int] = mapped_column(BigInteger)
    performance_deduction: Mapped[int] = mapped_column(BigInteger)
    discipline_deduction: Mapped[int] = mapped_column(BigInteger)
    #: Disciplinary sanctions and the other per-person deductions (LHKPN, TPTGR).
    sanction_deduction: Mapped[int] = mapped_column(BigInteger, server_default="0")
    net: Mapped[int] = mapped_column(BigInteger)
    approved_minutes: Mapped[int] = mapped_column(Integer)


class TppLine(Base):
    """One rupiah amount of a statement: the day, the record and the rule behind it."""

    __tablename__ = "ekn_tpp_lines"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("ekn_tpp_statements.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date | None] = mapped_column(Date)
    component: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(String(60))
    percent: Mapped[Decimal] = mapped_column(Numeric(9, 4))
    amount: Mapped[int] = mapped_column(BigInteger)
    minutes: Mapped[int | None] = mapped_column(Integer)
    record: Mapped[str | None] = mapped_column(String(40))


class MachineId(Base):
    """Which fingerprint-machine user id a staff member is enrolled under (one each way)."""

    __tablename__ = "ekn_machine_ids"

    staff_id: Mapped[int] = mapped_column(ForeignKey(STAFF_ID), primary_key=True)
    machine_user_id: Mapped[str] = mapped_column(String(20), unique=True)


class MachineImport(Base):
    """A fingerprint machine's attendance file: kept with its report, then applied.

    ``status``: ``checking`` (a job reads a big file), ``ready`` (some lines can be
    applied), ``rejected`` (none can, or the file was refused), ``applied``.
    ``counts`` are the report's totals; ``problems`` its first listed problems.
    """

    __tablename__ = "ekn_machine_imports"
    __table_args__ = (
        CheckConstraint("status IN ('checking', 'ready', 'rejected', 'applied')", name="status"),
    )

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10))
    uploaded_by: Mapped[str] = mapped_column(String(254))
    uploaded_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey(USER_ID, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    refusal: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    job_id: Mapped[int | None] = mapped_column(BigInteger)
    applied_by: Mapped[str | None] = mapped_column(String(254))
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PunchPhoto(Base):
    """The selfie sent with a mobile check-in (EXIF stripped), for the supervisor only."""

    __tablename__ = "ekn_punch_photos"

    punch_id: Mapped[int] = mapped_column(
        ForeignKey("ekn_punches.id", ondelete="CASCADE"), primary_key=True
    )
    media_type: Mapped[str] = mapped_column(String(20))
    content: Mapped[bytes] = mapped_column(LargeBinary)
