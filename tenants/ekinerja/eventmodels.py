"""Tables of the assemblies and ceremonies whose roll is taken (prefix ``ekn_``).

Kept apart from ``models`` (same metadata), like ``tppmodels``: the events are
scheduled and called by unit admins, and reach the TPP only as day facts.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    ARRAY,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from .models import ORG_UNIT_ID, STAFF_ID, Base


class Event(Base):
    """An assembly or ceremony (``rules.EVENT_KINDS``) on a day, for a unit and the
    units under it, or for the whole regency (``org_unit_id`` None).

    Its roll is taken once the day has come (``roll_taken_*``) and may be corrected
    until the month is locked for payment; only those marked absent are stored
    (:class:`EventAbsence`). Never deleted once scheduled: cancelled with who, when
    and why, after which it cuts nobody.
    """

    __tablename__ = "ekn_events"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    day: Mapped[date] = mapped_column(Date, index=True)
    starts_at: Mapped[time] = mapped_column(Time)
    title: Mapped[str | None] = mapped_column(String(200))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey(ORG_UNIT_ID), index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("ekn_offices.id"))
    """Where it is held: with a place, the people it covers check in to it by phone
    (:class:`EventCheckIn`) inside that office's geofence, and the roll starts from
    who did."""
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    roll_taken_by: Mapped[str | None] = mapped_column(String(254))
    roll_taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_by: Mapped[str | None] = mapped_column(String(254))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(Text)


class EventAbsence(Base):
    """One person the roll marked absent from an event: a line of their month's TPP
    (``event_absence:<id>``) unless an approved absence covers the day."""

    __tablename__ = "ekn_event_absences"
    __table_args__ = (UniqueConstraint("event_id", "staff_id"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("ekn_events.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey(STAFF_ID), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey(ORG_UNIT_ID), index=True)
    """The unit the person was called in: their roll stays there if they move."""
    recorded_by: Mapped[str] = mapped_column(String(254))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class EventRoll(Base):
    """That a unit's people have had their roll taken for an event: by whom, and when
    last. Of a regency-wide event each unit admin calls their own units, so BKPSDM
    sees which units have called and which have not."""

    __tablename__ = "ekn_event_rolls"
    __table_args__ = (UniqueConstraint("event_id", "org_unit_id"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("ekn_events.id", ondelete="CASCADE"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey(ORG_UNIT_ID), index=True)
    taken_by: Mapped[str] = mapped_column(String(254))
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EventCheckIn(Base):
    """That a person checked in to an event by phone, inside its place's geofence,
    around its start. Evidence for whoever takes the roll, not a mark: the roll
    (:class:`EventAbsence`) decides who is cut."""

    __tablename__ = "ekn_event_checkins"
    __table_args__ = (UniqueConstraint("event_id", "staff_id"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("ekn_events.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey(STAFF_ID), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    device_id: Mapped[str | None] = mapped_column(String(120))
    flags: Mapped[list[str]] = mapped_column(ARRAY(String(30)), default=list)
    """``mock_location`` or ``low_accuracy``: shown to whoever takes the roll."""
