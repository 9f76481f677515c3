"""Complaints, SP4N-LAPOR! style: intake, the coordinator's decisions, OPD answers, closing.

Statuses (DOMAIN.md): ``new`` -> ``verified`` | ``on_hold`` | ``declined`` (not
our authority) | ``archived`` -> ``dispatched`` to one or more OPDs, each
:class:`~.models.Dispatch` with its own status (``dispatched`` -> ``in_progress``
-> ``responded``) -> ``followed_up`` once every OPD has answered -> ``closed``
when the citizen rates the answer, or unrated when the reply window passes. A
citizen who replies that the answer does not settle it sends the complaint
back to the coordinator (``verified``).

Deadlines count working days of the regency's own calendar (``config``):
verification from submission, each OPD's answer from its dispatch, closing from
the last answer. Services flush; the request or task boundary commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from smartcity.toolkit import (
    Conflict,
    InvalidInput,
    Message,
    NotFound,
    OrgUnit,
    RoleRecipients,
    WorkingCalendar,
    notify,
    record_audit,
    regions_under,
    tenant_settings,
    working_calendar,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import attachments, codes, config
from .access import COORDINATE, IDENTITY, RESPOND, Actor
from .messages import N_, M
from .models import Attachment, Complaint, Dispatch, Event, Service

CLASSIFICATIONS = {
    "complaint": N_("Complaint"),
    "aspiration": N_("Aspiration"),
    "information": N_("Information request"),
    "whistleblowing": N_("Whistleblowing"),
}
CATEGORIES = {
    "infrastructure": N_("Roads, bridges and public works"),
    "health": N_("Health"),
    "education": N_("Education"),
    "population": N_("Population records (KTP, KK, certificates)"),
    "environment": N_("Environment and waste"),
    "social": N_("Social assistance"),
    "order": N_("Public order"),
    "transport": N_("Transport"),
    "licensing": N_("Licences and permits"),
    "other": N_("Other"),
}
STATUSES = {
    "new": N_("Waiting for verification"),
    "verified": N_("Verified"),
    "on_hold": N_("On hold: more information needed"),
    "declined": N_("Not the regency's authority"),
    "archived": N_("Archived"),
    "dispatched": N_("Dispatched to the OPD"),
    "followed_up": N_("Followed up"),
    "closed": N_("Closed"),
}
DISPATCH_STATUSES = {
    "dispatched": N_("Received by the OPD"),
    "in_progress": N_("In progress"),
    "responded": N_("Answered"),
}


def status_words(status: str) -> Message:
    """A complaint's status as its reader sees it in a message ("Verified", "Terverifikasi"),
    never the stored code."""
    return M(STATUSES.get(status, status))


#: What the coordinator may decide from each status.
DECISIONS = {
    "verify": ({"new", "on_hold"}, "verified"),
    "hold": ({"new", "verified"}, "on_hold"),
    "decline": ({"new", "verified", "on_hold"}, "declined"),
    "archive": ({"new", "verified", "on_hold"}, "archived"),
}
DISPATCHABLE = {"new", "verified", "on_hold", "dispatched"}
OPEN_DISPATCH = ("dispatched", "in_progress")
MAX_TEXT = 5000
#: The calendar is loaded for this span from today: long enough for any deadline setting.
CALENDAR_SPAN = timedelta(days=400)


def colour(status: str, dispatches: Iterable[Dispatch] = ()) -> str:
    """The public colour: red (no response yet), yellow (in process), green (followed up)."""
    if status in ("followed_up", "closed"):
        return "green"
    if status == "dispatched" and any(d.status != "dispatched" for d in dispatches):
        return "yellow"
    return "red"


# --------------------------------------------------------------------------- time


def _zone(session: Session) -> ZoneInfo:
    return ZoneInfo(tenant_settings(session).timezone)


def now(session: Session) -> datetime:
    return datetime.now(_zone(session))


def calendar(session: Session, today: date) -> WorkingCalendar:
    return working_calendar(session, today - timedelta(days=7), today + CALENDAR_SPAN)


def due_after(session: Session, moment: datetime, days: int) -> date:
    today = moment.astimezone(_zone(session)).date()
    return calendar(session, today).add_working_days(today, days)


# --------------------------------------------------------------------------- intake


@dataclass(frozen=True)
class Submission:
    """What a citizen (or an operator recording a call) sends."""

    classification: str
    category: str
    title: str
    body: str
    kecamatan_code: str | None = None
    kelurahan: str | None = None
    anonymous: bool = False
    confidential: bool = False
    reporter_name: str | None = None
    reporter_contact: str | None = None
    share_location: bool = False
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    #: The published service the complaint is about (optional).
    service_id: int | None = None


def _clean_text(value: str | None, limit: int) -> str | None:
    text = (value or "").strip()
    return text[:limit] if text else None


def _problems(form: Submission, regency_code: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    if form.classification not in CLASSIFICATIONS:
        problems["classification"] = f"one of: {', '.join(CLASSIFICATIONS)}"
    if form.category not in CATEGORIES:
        problems["category"] = f"one of: {', '.join(CATEGORIES)}"
    if not 5 <= len(form.title.strip()) <= 200:
        problems["title"] = "5 to 200 characters"
    if not 20 <= len(form.body.strip()) <= MAX_TEXT:
        problems["body"] = f"20 to {MAX_TEXT} characters"
    kecamatan = kecamatan_names(regency_code)
    if form.kecamatan_code and form.kecamatan_code not in kecamatan:
        problems["kecamatan_code"] = "a kecamatan of this regency"
    if form.kelurahan and len(form.kelurahan.strip()) > 120:
        problems["kelurahan"] = "at most 120 characters"
    if not form.anonymous and not (form.reporter_name or "").strip():
        problems["reporter_name"] = "your name, or choose to report anonymously"
    if len((form.reporter_name or "").strip()) > 200:
        problems["reporter_name"] = "at most 200 characters"
    if len((form.reporter_contact or "").strip()) > 254:
        problems["reporter_contact"] = "at most 254 characters"
    if form.share_location and (form.latitude is not None or form.longitude is not None):
        if form.latitude is None or form.longitude is None:
            problems["latitude"] = "both latitude and longitude"
        elif not (-90 <= form.latitude <= 90 and -180 <= form.longitude <= 180):
            problems["latitude"] = "a position on Earth"
    return problems


def submit(
    session: Session,
    form: Submission,
    files: Sequence[tuple[bytes, str]],
    *,
    regency_code: str,
    channel: str,
    actor: str = "public",
) -> tuple[Complaint, str]:
    """Record a complaint; returns it and its tracking code (shown once, never stored)."""
    # Held for the whole call: the session keeps only weak references to unchanged rows,
    # so without it the rules, the time zone and the working days re-read the row.
    settings = tenant_settings(session)
    rules = config.rules(session)
    problems = _problems(form, regency_code)
    if form.service_id is not None and (
        session.scalar(
            select(Service.id).where(Service.id == form.service_id, Service.status == "published")
        )
        is None
    ):
        problems["service_id"] = "a published service of this regency"
    if len(files) > rules.max_attachments:
        problems["attachments"] = f"at most {rules.max_attachments} files"
    if problems:
        raise InvalidInput(M("the complaint is not complete"), problems)
    cleaned = [
        attachments.clean(data, name, max_bytes=rules.max_attachment_bytes) for data, name in files
    ]
    position: tuple[Decimal, Decimal] | None = None
    if form.share_location:
        if form.latitude is not None and form.longitude is not None:
            position = (form.latitude, form.longitude)
        else:
            position = next((f.position for f in cleaned if f.position), None)
    # Anonymous: the identity is not even kept, so no one can be made to reveal it.
    name = None if form.anonymous else _clean_text(form.reporter_name, 200)
    contact = None if form.anonymous else _clean_text(form.reporter_contact, 254)
    moment = datetime.now(ZoneInfo(settings.timezone))
    code = codes.new_code()
    complaint = Complaint(
        tracking_hash=codes.code_hash(code),
        classification=form.classification,
        category=form.category,
        title=form.title.strip(),
        body=form.body.strip(),
        kecamatan_code=form.kecamatan_code or None,
        kelurahan=_clean_text(form.kelurahan, 120),
        latitude=position[0] if position else None,
        longitude=position[1] if position else None,
        anonymous=form.anonymous,
        confidential=form.confidential,
        reporter_name=name,
        reporter_contact=contact,
        channel=channel,
        status="new",
        submitted_at=moment,
        verify_due=due_after(session, moment, rules.verify_days),
        service_id=form.service_id,
    )
    session.add(complaint)
    session.flush()
    session.add_all(
        Attachment(
            complaint_id=complaint.id,
            content_type=f.content_type,
            filename=f.filename,
            size=len(f.content),
            content=f.content,
        )
        for f in cleaned
    )
    _event(session, complaint, actor, "submitted", public=True)
    return complaint, code


def by_code(session: Session, code: str) -> Complaint | None:
    """The complaint a tracking code opens; None for a wrong or malformed code."""
    digest = codes.code_hash(code)
    if digest is None:
        return None
    return session.scalar(select(Complaint).where(Complaint.tracking_hash == digest))


def _event(
    session: Session,
    complaint: Complaint,
    actor: str,
    action: str,
    *,
    note: str | None = None,
    org_unit_id: int | None = None,
    public: bool = False,
) -> None:
    session.add(
        Event(
            complaint_id=complaint.id,
            actor=actor,
            action=action,
            note=note,
            org_unit_id=org_unit_id,
            public=public,
        )
    )
    session.flush()


def _note(note: str | None, *, required: bool) -> str | None:
    text = _clean_text(note, MAX_TEXT)
    if required and not text:
        raise InvalidInput(M("a reason is needed"), {"note": "required"})
    return text


# --------------------------------------------------------------------------- coordinator


def get(session: Session, actor: Actor, complaint_id: int) -> Complaint:
    """A complaint the actor may see: the coordinator's or viewers' all, an OPD's dispatched."""
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or not may_see(session, actor, complaint):
        # The same answer whether it exists or not: an OPD learns nothing of others'.
        raise NotFound(M("no such complaint"))
    return complaint


def may_see(session: Session, actor: Actor, complaint: Complaint) -> bool:
    if actor.unit_ids is None:
        return True
    units = session.scalars(
        select(Dispatch.org_unit_id).where(Dispatch.complaint_id == complaint.id)
    )
    return any(actor.sees_unit(u) for u in units)


def decide(
    session: Session, actor: Actor, complaint: Complaint, decision: str, note: str | None
) -> Complaint:
    """Verify, hold, decline (not our authority) or archive a complaint."""
    actor.require(COORDINATE)
    if decision not in DECISIONS:
        raise InvalidInput(M("unknown decision"), {"decision": ", ".join(DECISIONS)})
    allowed, target = DECISIONS[decision]
    if complaint.status not in allowed:
        raise Conflict(
            M(
                'a complaint with the status "%(status)s" cannot be changed so',
                status=status_words(complaint.status),
            ),
            {"status": complaint.status},
        )
    text = _note(note, required=decision != "verify")
    before = complaint.status
    complaint.status = target
    complaint.status_note = text
    if target == "verified" and complaint.verified_at is None:
        complaint.verified_at = now(session)
    _event(session, complaint, actor.label, decision, note=text, public=True)
    _audit(session, actor, complaint, decision, before)
    return complaint


def dispatch(
    session: Session,
    actor: Actor,
    complaint: Complaint,
    unit_ids: Sequence[int],
    instruction: str | None,
) -> list[Dispatch]:
    """Send the complaint to one or more OPDs, each with its own deadline and status."""
    actor.require(COORDINATE)
    if complaint.status not in DISPATCHABLE:
        raise Conflict(
            M(
                'a complaint with the status "%(status)s" cannot be dispatched',
                status=status_words(complaint.status),
            ),
            {"status": complaint.status},
        )
    wanted = sorted(set(unit_ids))
    units = {
        u.id: u
        for u in session.scalars(
            select(OrgUnit).where(
                OrgUnit.id.in_(wanted), OrgUnit.is_active, OrgUnit.parent_id.is_(None)
            )
        )
    }
    if not wanted or len(units) != len(wanted):
        raise InvalidInput(M("choose one or more active OPDs"), {"org_unit_ids": "unknown OPD"})
    rules = config.rules(session)
    moment = now(session)
    due = due_after(session, moment, rules.respond_days)
    text = _clean_text(instruction, MAX_TEXT)
    held = {
        d.org_unit_id: d
        for d in session.scalars(select(Dispatch).where(Dispatch.complaint_id == complaint.id))
    }
    made: list[Dispatch] = []
    for unit_id in wanted:
        row = held.get(unit_id)
        if row is not None and row.status in OPEN_DISPATCH:
            continue  # already with this OPD
        if row is None:
            row = Dispatch(complaint_id=complaint.id, org_unit_id=unit_id)
            session.add(row)
        row.status, row.instruction, row.response = "dispatched", text, None
        row.dispatched_at, row.due, row.responded_at, row.escalated_at = moment, due, None, None
        made.append(row)
        _event(session, complaint, actor.label, "dispatched", org_unit_id=unit_id, public=True)
    if not made:
        raise Conflict(M("the complaint is already with these OPDs"), {"org_unit_ids": "already"})
    before = complaint.status
    complaint.status = "dispatched"
    complaint.verified_at = complaint.verified_at or moment
    complaint.close_due = None
    session.flush()
    _audit(session, actor, complaint, "dispatch", before, extra={"org_unit_ids": wanted})
    return made


def _audit(
    session: Session,
    actor: Actor,
    complaint: Complaint,
    action: str,
    before: str,
    *,
    extra: dict[str, Any] | None = None,
) -> None:
    record_audit(
        session,
        actor=actor.label,
        action=f"pelayanan.complaint.{action}",
        entity="complaint",
        entity_id=complaint.id,
        before={"status": before},
        after={"status": complaint.status, **(extra or {})},
    )


# --------------------------------------------------------------------------- OPD


def dispatch_for(session: Session, actor: Actor, dispatch_id: int) -> Dispatch:
    row = session.get(Dispatch, dispatch_id)
    if row is None or not actor.sees_unit(row.org_unit_id):
        raise NotFound(M("no such dispatch"))
    return row


def respond(
    session: Session, actor: Actor, row: Dispatch, response: str | None, *, final: bool
) -> Dispatch:
    """The OPD's progress note or final answer; the last answer follows the complaint up."""
    actor.require(RESPOND)
    actor.require_unit(row.org_unit_id)
    if row.status not in OPEN_DISPATCH:
        raise Conflict(M("this dispatch is already answered"), {"status": row.status})
    text = _note(response, required=True)
    complaint = session.get_one(Complaint, row.complaint_id)
    moment = now(session)
    row.status = "responded" if final else "in_progress"
    row.response = text
    if final:
        row.responded_at = moment
    _event(
        session,
        complaint,
        actor.label,
        "answered" if final else "progress",
        note=text,
        org_unit_id=row.org_unit_id,
        public=True,
    )
    session.flush()
    open_left = session.scalar(
        select(Dispatch.id).where(
            Dispatch.complaint_id == complaint.id, Dispatch.status.in_(OPEN_DISPATCH)
        )
    )
    if final and open_left is None and complaint.status == "dispatched":
        complaint.status = "followed_up"
        complaint.followed_up_at = moment
        complaint.close_due = due_after(session, moment, config.rules(session).close_after_days)
        _event(session, complaint, "system", "followed_up", public=True)
    _audit(session, actor, complaint, "respond", "dispatched", extra={"dispatch_id": row.id})
    return row


# --------------------------------------------------------------------------- citizen


def rate(session: Session, complaint: Complaint, rating: int, note: str | None) -> Complaint:
    """The citizen's rating of the answer, which closes the complaint."""
    if complaint.status != "followed_up":
        raise Conflict(M("only an answered complaint can be rated"), {"status": complaint.status})
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput(M("a rating from 1 to 5"), {"rating": "1 to 5"})
    complaint.rating = rating
    complaint.rating_note = _clean_text(note, MAX_TEXT)
    complaint.status = "closed"
    complaint.closed_at = now(session)
    _event(session, complaint, "citizen", "rated", note=complaint.rating_note, public=True)
    return complaint


def reply(session: Session, complaint: Complaint, note: str | None) -> Complaint:
    """The citizen says the answer does not settle it: back to the coordinator."""
    if complaint.status not in ("followed_up", "on_hold"):
        raise Conflict(
            M("you can reply once the complaint is answered or on hold"),
            {"status": complaint.status},
        )
    text = _note(note, required=True)
    complaint.status = "verified" if complaint.status == "followed_up" else "new"
    complaint.close_due = None
    _event(session, complaint, "citizen", "citizen_reply", note=text, public=True)
    return complaint


# --------------------------------------------------------------------------- deadlines


def escalate_due(session: Session) -> int:
    """Flag what will miss its deadline within the escalation margin; returns how many.

    Each complaint awaiting verification and each open dispatch is escalated
    once; escalations appear in the coordinator's and the OPD heads' lists.
    """
    rules = config.rules(session)
    moment = now(session)
    today = moment.date()
    cal = calendar(session, today)
    horizon = cal.add_working_days(today, rules.escalate_before_days)
    count = 0
    for complaint in session.scalars(
        select(Complaint).where(
            Complaint.status == "new",
            Complaint.escalated_at.is_(None),
            Complaint.verify_due <= horizon,
        )
    ):
        complaint.escalated_at = moment
        _event(session, complaint, "system", "escalated", note=str(complaint.verify_due))
        _notify_escalation(session, complaint, complaint.verify_due, None)
        count += 1
    for row in session.scalars(
        select(Dispatch).where(
            Dispatch.status.in_(OPEN_DISPATCH),
            Dispatch.escalated_at.is_(None),
            Dispatch.due <= horizon,
        )
    ):
        row.escalated_at = moment
        complaint = session.get_one(Complaint, row.complaint_id)
        _event(
            session,
            complaint,
            "system",
            "escalated",
            note=str(row.due),
            org_unit_id=row.org_unit_id,
        )
        _notify_escalation(session, complaint, row.due, row.org_unit_id)
        count += 1
    if count:
        record_audit(
            session,
            actor="system",
            action="pelayanan.escalate",
            entity="complaint",
            after={"count": count},
        )
    return count


def _notify_escalation(
    session: Session, complaint: Complaint, due: date, unit_id: int | None
) -> None:
    """Notice to the coordinators (and the OPD's heads), once per complaint and deadline."""
    to = [RoleRecipients("pelayanan.coordinator")]
    if unit_id is not None:
        to.append(RoleRecipients("pelayanan.opd_head", unit_id))
    notify(
        session,
        "pelayanan",
        to,
        M("Complaint %(number)s is escalated", number=complaint.id),
        M("Complaint %(number)s must be handled by %(due)s.", number=complaint.id, due=str(due)),
        link=f"/pelayanan/complaints/{complaint.id}",
        dedup_key=f"escalation:{complaint.id}:{unit_id or 'verify'}:{due}",
        window=timedelta(days=90),
    )


def close_expired(session: Session) -> int:
    """Close, unrated, what the citizen left unanswered past the reply window."""
    moment = now(session)
    count = 0
    for complaint in session.scalars(
        select(Complaint).where(
            Complaint.status == "followed_up", Complaint.close_due < moment.date()
        )
    ):
        complaint.status = "closed"
        complaint.closed_at = moment
        # No answer is not a rating: ``rating`` stays None.
        _event(session, complaint, "system", "auto_closed", public=True)
        count += 1
    return count


# --------------------------------------------------------------------------- views


def reporter_visible(actor: Actor, complaint: Complaint) -> bool:
    """Whether the actor may see who reported: never for anonymous ones; confidential
    ones only for the coordinator; other ones for the OPDs answering them too."""
    if complaint.anonymous:
        return False
    if actor.can(IDENTITY):
        return True
    return not complaint.confidential and actor.can(RESPOND)


def kecamatan_names(regency_code: str) -> dict[str, str]:
    """Code -> name of the regency's kecamatan (a fresh dict: callers may change it)."""
    return dict(_kecamatan(regency_code))


@lru_cache(maxsize=1024)
def _kecamatan(regency_code: str) -> tuple[tuple[str, str], ...]:
    # The region table is fixed for the process (reference data); scanning it took
    # ~5 ms a call, twice per public tracking page.
    return tuple((r.code, r.name) for r in regions_under(regency_code))
