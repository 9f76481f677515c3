"""Tables of the TPP's objections and of the SKP pulled from BKN (prefix ``ekn_``).

Kept apart from ``models`` (same metadata) so the attendance and the TPP
follow-ups can change without touching each other's module.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .models import ORG_UNIT_ID, STAFF_ID, Base


class Objection(Base):
    """A person's objection to a line of their month's statement, or to all of it.

    The line is copied (day, component, rule, amount): a recalculation replaces the
    statement's lines, the objection keeps what was objected to. ``org_unit_id`` is
    the person's unit when they objected: that unit's admin decides. ``correction``
    is what the admin changed when accepting (an excused day, a corrected punch);
    ``before``/``after`` the statement's totals around the recalculation.
    ``statement_id`` is the statement objected to: statements are replaced, with new
    ids, by every recalculation, so a decided objection with this statement's id makes
    the next objection to the same line final (no foreign key: the old statement goes).
    """

    __tablename__ = "ekn_objections"
    __table_args__ = (
        CheckConstraint("status IN ('submitted', 'accepted', 'rejected')", name="status"),
        CheckConstraint("month BETWEEN 1 AND 12", name="month"),
    )

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey(STAFF_ID), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey(ORG_UNIT_ID), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    month: Mapped[int] = mapped_column(SmallInteger)
    line_day: Mapped[date | None] = mapped_column(Date)
    line_component: Mapped[str | None] = mapped_column(String(20))
    line_rule: Mapped[str | None] = mapped_column(String(60))
    line_amount: Mapped[int | None] = mapped_column(Integer)
    line_record: Mapped[str | None] = mapped_column(String(40))
    statement_id: Mapped[int | None] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary)
    evidence_name: Mapped[str | None] = mapped_column(String(255))
    evidence_type: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), default="submitted")
    correction: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class BknConfig(Base):
    """Where and as whom the regency reads SKP from BKN (one row; the secret is never shown)."""

    __tablename__ = "ekn_bkn_config"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=1)
    base_url: Mapped[str] = mapped_column(String(300))
    client_id: Mapped[str] = mapped_column(String(200))
    client_secret: Mapped[str] = mapped_column(String(500))
    updated_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SkpSyncRun(Base):
    """One pull of SKP from BKN: when, how it ended, and what it could not match."""

    __tablename__ = "ekn_skp_sync_runs"
    __table_args__ = (CheckConstraint("status IN ('ok', 'partial', 'failed')", name="status"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(7))
    requested_by: Mapped[str] = mapped_column(String(254))
    asked: Mapped[int] = mapped_column(Integer, default=0)
    stored: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class Skp(Base):
    """A person's SKP of a year as BKN holds it: the period and the predicate."""

    __tablename__ = "ekn_skp"
    __table_args__ = (UniqueConstraint("staff_id", "year"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey(STAFF_ID))
    year: Mapped[int] = mapped_column(SmallInteger)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    predicate: Mapped[str] = mapped_column(String(20))
    run_id: Mapped[int] = mapped_column(ForeignKey("ekn_skp_sync_runs.id"))
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Sanction(Base):
    """A disciplinary sanction (PP 94/2021) or another per-person deduction (LHKPN not
    filed, a TPTGR claim), as the decree (SK) imposed it, recorded by BKPSDM.

    It runs ``months`` months from ``first_month`` (the first day of a month); each
    of them the statement cuts the rule version's ``sanction_percent.<kind>``. It is
    never deleted: annulled (after an appeal, or recorded by mistake) with who, when
    and why, effective from ``annulled_from``, the first of its months not yet locked
    for payment (a paid month keeps its cut). ``org_unit_id`` is the person's unit
    when it was recorded.
    """

    __tablename__ = "ekn_sanctions"
    __table_args__ = (
        CheckConstraint("months BETWEEN 1 AND 12", name="months"),
        CheckConstraint("EXTRACT(DAY FROM first_month) = 1", name="first_month"),
    )

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey(STAFF_ID), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey(ORG_UNIT_ID), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    decree_number: Mapped[str] = mapped_column(String(100))
    decree_date: Mapped[date] = mapped_column(Date)
    first_month: Mapped[date] = mapped_column(Date, index=True)
    months: Mapped[int] = mapped_column(SmallInteger)
    note: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary)
    evidence_name: Mapped[str | None] = mapped_column(String(255))
    evidence_type: Mapped[str | None] = mapped_column(String(40))
    recorded_by: Mapped[str] = mapped_column(String(254))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    annulled_by: Mapped[str | None] = mapped_column(String(254))
    annulled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    annul_reason: Mapped[str | None] = mapped_column(Text)
    annulled_from: Mapped[date | None] = mapped_column(Date)
