"""Public-service tables, created in each regency schema that enabled the app.

Prefixed ``pl_`` because every app of a regency shares its schema. Vocabulary:
*pengaduan* is a complaint (SP4N-LAPOR! style, see ``complaints``); *OPD* a
regional agency (the core's top org units); *standar pelayanan* a service's
published standard (PermenPANRB 15/2014, see ``standards``); *SKM/IKM* the
satisfaction survey and its index (PermenPANRB 14/2017, see ``ikm``).

A complaint's tracking code is never stored: only its SHA-256, so a leaked
table or a curious staff member cannot read a citizen's code and open their
status page.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from smartcity.toolkit import OrgUnit, tenant_metadata
from sqlalchemy import (
    BigInteger,
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
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Cross-metadata foreign keys name the core's Column object (a string would be
# looked up in this app's own metadata).
ORG_UNIT_ID = OrgUnit.__table__.c.id
COORD = Numeric(9, 6)


class Base(DeclarativeBase):
    metadata = tenant_metadata()
    type_annotation_map = {int: BigInteger}


class Complaint(Base):
    """A citizen's report: aspiration, complaint, information request or whistleblowing."""

    __tablename__ = "pl_complaints"
    __table_args__ = (
        # The duplicate finder's full-text search ('simple': no Indonesian stemmer ships).
        Index(
            "ix_pl_complaints_fts",
            text("to_tsvector('simple'::regconfig, title || ' ' || body)"),
            postgresql_using="gin",
        ),
    )

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    #: SHA-256 (hex) of the citizen's tracking code; the code itself is shown once.
    tracking_hash: Mapped[str] = mapped_column(String(64), unique=True)
    classification: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    kecamatan_code: Mapped[str | None] = mapped_column(String(13))
    kelurahan: Mapped[str | None] = mapped_column(String(120))
    #: Only when the citizen chose to share their location.
    latitude: Mapped[Decimal | None] = mapped_column(COORD)
    longitude: Mapped[Decimal | None] = mapped_column(COORD)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    reporter_name: Mapped[str | None] = mapped_column(String(200))
    reporter_contact: Mapped[str | None] = mapped_column(String(254))
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), index=True)
    #: The coordinator's reason for holding, declining or archiving (shown to the citizen).
    status_note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    verify_due: Mapped[date] = mapped_column(Date)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    followed_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    close_due: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: 1-5 from the citizen; None when closed without an answer (never assumed).
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    rating_note: Mapped[str | None] = mapped_column(Text)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The published service the complaint is about, when the citizen named one.
    service_id: Mapped[int | None] = mapped_column(ForeignKey("pl_services.id"), index=True)
    #: The earlier report this one repeats; the coordinator handles that one instead.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("pl_complaints.id"), index=True)


class Dispatch(Base):
    """The complaint as one OPD handles it (disposisi): its own status and deadline."""

    __tablename__ = "pl_dispatches"
    __table_args__ = (UniqueConstraint("complaint_id", "org_unit_id"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("pl_complaints.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey(ORG_UNIT_ID), index=True)
    status: Mapped[str] = mapped_column(String(20))
    instruction: Mapped[str | None] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)
    dispatched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due: Mapped[date] = mapped_column(Date)
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Attachment(Base):
    """An image (re-encoded without metadata) or a PDF sent with a complaint."""

    __tablename__ = "pl_attachments"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("pl_complaints.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Event(Base):
    """One step in a complaint's history; ``public`` ones appear on its status page.

    ``actor`` is kept for the regency's record and never shown on a public page.
    """

    __tablename__ = "pl_events"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("pl_complaints.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(30))
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey(ORG_UNIT_ID))
    note: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=False)


class Service(Base):
    """A service an OPD provides, with its standard's components (PermenPANRB 15/2014)."""

    __tablename__ = "pl_services"
    __table_args__ = (UniqueConstraint("org_unit_id", "name"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey(ORG_UNIT_ID), index=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10))
    #: Component key -> text (see ``standards.COMPONENTS``).
    components: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    #: The promised completion time in working days, when the standard states one.
    promised_days: Mapped[int | None] = mapped_column(SmallInteger)
    drafted_by: Mapped[str] = mapped_column(String(254))
    approved_by: Mapped[str | None] = mapped_column(String(254))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The public consultation of the draft (konsultasi publik): the days citizens may
    #: comment on the public page, inclusive, in the regency's time zone.
    consult_opens: Mapped[date | None] = mapped_column(Date)
    consult_closes: Mapped[date | None] = mapped_column(Date)
    #: The record of the consultation forum: when, where or by what medium, how many
    #: took part, what was said; and how the comments were answered (set on approval).
    consult_held_on: Mapped[date | None] = mapped_column(Date)
    consult_place: Mapped[str | None] = mapped_column(String(200))
    consult_participants: Mapped[int | None] = mapped_column(Integer)
    consult_summary: Mapped[str | None] = mapped_column(Text)
    consult_response: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class ConsultComment(Base):
    """A citizen's comment on a draft standard during its public consultation.

    No account; ``name`` only when the citizen gave one.
    """

    __tablename__ = "pl_consult_comments"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("pl_services.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class SurveyResponse(Base):
    """One citizen's SKM answers for a service: nine elements, each 1-4."""

    __tablename__ = "pl_survey_responses"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("pl_services.id"), index=True)
    answered_on: Mapped[date] = mapped_column(Date, index=True)
    answers: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))
    #: The respondent's profile as the regulation asks it, in groups that identify
    #: nobody (see ``survey.PROFILE``); each optional.
    age_group: Mapped[str | None] = mapped_column(String(10))
    sex: Mapped[str | None] = mapped_column(String(1))
    education: Mapped[str | None] = mapped_column(String(10))
    occupation: Mapped[str | None] = mapped_column(String(20))


class LaporLink(Base):
    """A complaint as pushed to SP4N-LAPOR!: its id there and what was last sent."""

    __tablename__ = "pl_lapor_links"

    complaint_id: Mapped[int] = mapped_column(ForeignKey("pl_complaints.id"), primary_key=True)
    lapor_id: Mapped[str] = mapped_column(String(64), unique=True)
    #: SHA-256 of the record last pushed: a complaint is pushed again only when it changed.
    pushed_hash: Mapped[str] = mapped_column(String(64))
    pushed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    remote_status: Mapped[str | None] = mapped_column(String(40))
    remote_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SyncRun(Base):
    """One SP4N-LAPOR! sync: what it pushed and pulled, and every error on the way."""

    __tablename__ = "pl_sync_runs"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: ``ok``, ``partial`` (some complaints failed; the next run retries them) or ``failed``.
    status: Mapped[str] = mapped_column(String(10))
    pushed: Mapped[int] = mapped_column(Integer, default=0)
    pulled: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    actor: Mapped[str] = mapped_column(String(254))
