"""Service standards (standar pelayanan, PermenPANRB 15/2014): drafted, consulted,
approved, published.

A standard lists fourteen components. An editor of the OPD drafts them; the
OPD head puts a complete draft (every component filled in) to public
consultation (konsultasi publik) for a span of days, during which the draft is
shown on the public pages and citizens comment on it without an account; the
head records the consultation forum (date, place or medium, participants,
summary). Once the consultation has closed, the head approves the standard,
recording how the comments were answered, and publishes it; only published
standards reach the public catalogue. Changing a published standard takes it
back to draft, out of the catalogue, to be consulted and approved again:
citizens never read a standard nobody approved. While a consultation is open
the draft cannot change (every comment is about the text citizens read); after
it closes the draft may be revised from the comments before approval.
Standards approved or published before the consultation step existed keep
their status.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from smartcity.toolkit import Conflict, InvalidInput, NotFound, OrgUnit, record_audit
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .access import STANDARDS_APPROVE, STANDARDS_EDIT, Actor
from .complaints import now
from .messages import N_, M
from .models import ConsultComment, Service

#: The components in the regulation's order: key -> English msgid.
COMPONENTS = {
    "legal_basis": N_("Legal basis"),
    "requirements": N_("Requirements"),
    "procedure": N_("System, mechanism and procedure"),
    "time": N_("Completion time"),
    "cost": N_("Cost or tariff"),
    "product": N_("Service product"),
    "facilities": N_("Facilities and infrastructure"),
    "competence": N_("Staff competence"),
    "supervision": N_("Internal supervision"),
    "complaints": N_("Handling of complaints, suggestions and feedback"),
    "staff_count": N_("Number of staff"),
    "guarantee": N_("Service guarantee"),
    "security": N_("Guarantee of security and safety"),
    "evaluation": N_("Performance evaluation of staff"),
}
STATUSES = {
    "draft": N_("Draft"),
    "consult": N_("Public consultation"),
    "approved": N_("Approved"),
    "published": N_("Published"),
}
MAX_COMPONENT = 4000
#: The longest consultation, and how far back one held earlier may be recorded.
MAX_CONSULT_DAYS = 90
MAX_CONSULT_AGE_DAYS = 365
MAX_TEXT = 4000
MAX_COMMENT = 2000
MAX_NAME = 120


def _components(values: Mapping[str, Any]) -> dict[str, str]:
    unknown = sorted(set(values) - set(COMPONENTS))
    if unknown:
        raise InvalidInput(M("unknown components"), dict.fromkeys(unknown, "not a component"))
    clean: dict[str, str] = {}
    for key, value in values.items():
        text = str(value or "").strip()
        if len(text) > MAX_COMPONENT:
            raise InvalidInput(M("a component is too long"), {key: f"at most {MAX_COMPONENT}"})
        clean[key] = text
    return clean


def _unit(session: Session, actor: Actor, org_unit_id: int) -> OrgUnit:
    unit = session.get(OrgUnit, org_unit_id)
    if unit is None or unit.parent_id is not None or not unit.is_active:
        raise InvalidInput(M("choose an active OPD"), {"org_unit_id": "unknown OPD"})
    actor.require_unit(org_unit_id)
    return unit


def get(session: Session, actor: Actor, service_id: int) -> Service:
    service = session.get(Service, service_id)
    if service is None or not actor.sees_unit(service.org_unit_id):
        raise NotFound(M("no such service"))
    return service


def create(
    session: Session,
    actor: Actor,
    *,
    org_unit_id: int,
    name: str,
    components: Mapping[str, Any],
    promised_days: int | None,
) -> Service:
    actor.require(STANDARDS_EDIT)
    _unit(session, actor, org_unit_id)
    title = name.strip()
    if not 3 <= len(title) <= 200:
        raise InvalidInput(M("a service needs a name"), {"name": "3 to 200 characters"})
    if promised_days is not None and not 0 < promised_days <= 365:
        raise InvalidInput(
            M("the promised time is 1 to 365 working days"), {"promised_days": "1-365"}
        )
    taken = session.scalar(
        select(Service.id).where(Service.org_unit_id == org_unit_id, Service.name == title)
    )
    if taken is not None:
        raise Conflict(M("this OPD already has a service with this name"), {"name": "taken"})
    service = Service(
        org_unit_id=org_unit_id,
        name=title,
        status="draft",
        components=_components(components),
        promised_days=promised_days,
        drafted_by=actor.label,
    )
    session.add(service)
    session.flush()
    _audit(session, actor, service, "create")
    return service


def update(
    session: Session,
    actor: Actor,
    service: Service,
    *,
    components: Mapping[str, Any],
    promised_days: int | None,
) -> Service:
    """Change a standard's components; a published or approved one goes back to draft."""
    actor.require(STANDARDS_EDIT)
    actor.require_unit(service.org_unit_id)
    if promised_days is not None and not 0 < promised_days <= 365:
        raise InvalidInput(
            M("the promised time is 1 to 365 working days"), {"promised_days": "1-365"}
        )
    if service.status == "consult" and is_open_or_pending(session, service):
        raise Conflict(
            M("a standard cannot change while its public consultation is open"),
            {"status": service.status},
        )
    service.components = {**service.components, **_components(components)}
    service.promised_days = promised_days
    if service.status != "consult":  # revised after its consultation closed: stays consulted
        service.status, service.approved_by, service.approved_at, service.published_at = (
            "draft",
            None,
            None,
            None,
        )
    session.flush()
    _audit(session, actor, service, "update")
    return service


def missing(service: Service) -> list[str]:
    return [key for key in COMPONENTS if not (service.components.get(key) or "").strip()]


def _require_complete(service: Service) -> None:
    gaps = missing(service)
    if gaps:
        raise InvalidInput(
            M("every component must be filled in before approval"),
            dict.fromkeys(gaps, "required"),
        )


def _text(value: str | None, field: str, low: int, high: int) -> str:
    text = (value or "").strip()
    if not low <= len(text) <= high:
        raise InvalidInput(M("a text of the stated length"), {field: f"{low} to {high} characters"})
    return text


def today(session: Session) -> date:
    """Today in the regency's time zone (consultation days are the regency's days)."""
    return now(session).date()


def is_open_or_pending(session: Session, service: Service) -> bool:
    """A consultation that has not closed yet (open now, or opening later)."""
    closes = service.consult_closes
    return closes is not None and today(session) <= closes


def consult(
    session: Session, actor: Actor, service: Service, *, opens: date, closes: date
) -> Service:
    """Put a complete draft to public consultation from ``opens`` to ``closes`` (inclusive).

    The days may lie in the past when the forum was held before it was recorded here
    (then no comments come through the public page).
    """
    actor.require(STANDARDS_APPROVE)
    actor.require_unit(service.org_unit_id)
    if service.status != "draft":
        raise Conflict(
            M("only a draft can be put to public consultation"), {"status": service.status}
        )
    _require_complete(service)
    day = today(session)
    if closes < opens or (closes - opens).days >= MAX_CONSULT_DAYS:
        raise InvalidInput(
            M("the consultation runs 1 to 90 days"), {"closes": f"1 to {MAX_CONSULT_DAYS} days"}
        )
    if closes < day - timedelta(days=MAX_CONSULT_AGE_DAYS) or opens > day + timedelta(days=365):
        raise InvalidInput(M("the consultation days are out of range"), {"opens": "within a year"})
    service.status = "consult"
    service.consult_opens, service.consult_closes = opens, closes
    service.consult_held_on = service.consult_place = service.consult_participants = None
    service.consult_summary = service.consult_response = None
    session.flush()
    _audit(
        session,
        actor,
        service,
        "consult",
        {"opens": opens.isoformat(), "closes": closes.isoformat()},
    )
    return service


def record_consultation(
    session: Session,
    actor: Actor,
    service: Service,
    *,
    held_on: date,
    place: str,
    participants: int,
    summary: str,
) -> Service:
    """Record the consultation forum: when, where or by what medium, who, what was said."""
    actor.require(STANDARDS_APPROVE)
    actor.require_unit(service.org_unit_id)
    if service.status != "consult":
        raise Conflict(M("this standard is not in public consultation"), {"status": service.status})
    if held_on > today(session) or held_on < today(session) - timedelta(days=MAX_CONSULT_AGE_DAYS):
        raise InvalidInput(
            M("the forum's date is out of range"), {"held_on": "within the past year"}
        )
    if not 0 <= participants <= 100_000:
        raise InvalidInput(M("participants are 0 to 100000"), {"participants": "0-100000"})
    service.consult_held_on = held_on
    service.consult_place = _text(place, "place", 3, 200)
    service.consult_participants = participants
    service.consult_summary = _text(summary, "summary", 10, MAX_TEXT)
    session.flush()
    _audit(session, actor, service, "consult_record", {"participants": participants})
    return service


def approve(session: Session, actor: Actor, service: Service, response: str = "") -> Service:
    """Approve a consulted standard once its consultation closed.

    ``response`` says how the comments were answered (kept with the standard).
    """
    actor.require(STANDARDS_APPROVE)
    actor.require_unit(service.org_unit_id)
    if service.status != "consult":
        raise Conflict(
            M("only a standard that went through public consultation can be approved"),
            {"status": service.status},
        )
    if is_open_or_pending(session, service):
        raise Conflict(M("the public consultation has not closed yet"), {"closes": "not yet"})
    if service.consult_held_on is None:
        raise InvalidInput(
            M("record the consultation forum before approval"), {"consult_record": "required"}
        )
    _require_complete(service)
    service.consult_response = _text(response, "response", 10, MAX_TEXT)
    service.status, service.approved_by = "approved", actor.label
    service.approved_at = datetime.now(UTC)
    session.flush()
    _audit(session, actor, service, "approve")
    return service


def publish(session: Session, actor: Actor, service: Service) -> Service:
    actor.require(STANDARDS_APPROVE)
    actor.require_unit(service.org_unit_id)
    if service.status != "approved":
        raise Conflict(M("only an approved standard can be published"), {"status": service.status})
    service.status, service.published_at = "published", datetime.now(UTC)
    session.flush()
    _audit(session, actor, service, "publish")
    return service


def _audit(
    session: Session,
    actor: Actor,
    service: Service,
    action: str,
    extra: dict[str, Any] | None = None,
) -> None:
    record_audit(
        session,
        actor=actor.label,
        action=f"pelayanan.service.{action}",
        entity="service",
        entity_id=service.id,
        after={"status": service.status, "name": service.name, **(extra or {})},
    )


def comments(session: Session, service: Service) -> list[ConsultComment]:
    return list(
        session.scalars(
            select(ConsultComment)
            .where(ConsultComment.service_id == service.id)
            .order_by(ConsultComment.id)
        )
    )


def comment_counts(session: Session) -> dict[int, int]:
    """Comments per standard (for the staff list)."""
    rows = session.execute(
        select(ConsultComment.service_id, func.count()).group_by(ConsultComment.service_id)
    )
    return {row[0]: row[1] for row in rows}


# --------------------------------------------------------------------------- public


def published(session: Session, query: str = "") -> list[tuple[Service, str]]:
    """Published standards with their OPD's name, matching ``query`` in either."""
    stmt = (
        select(Service, OrgUnit.name)
        .join(OrgUnit, OrgUnit.id == Service.org_unit_id)
        .where(Service.status == "published")
        .order_by(OrgUnit.name, Service.name)
        .limit(200)
    )
    words = query.split()[:5]
    for word in words:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                func.lower(Service.name).like(func.lower(pattern), escape="\\"),
                func.lower(OrgUnit.name).like(func.lower(pattern), escape="\\"),
            )
        )
    return [(service, opd) for service, opd in session.execute(stmt)]


def published_one(session: Session, service_id: int) -> tuple[Service, str] | None:
    row = session.execute(
        select(Service, OrgUnit.name)
        .join(OrgUnit, OrgUnit.id == Service.org_unit_id)
        .where(Service.id == service_id, Service.status == "published")
    ).first()
    return None if row is None else (row[0], row[1])


def in_consultation(session: Session) -> list[tuple[Service, str]]:
    """Drafts open for comments today, with their OPD's name."""
    day = today(session)
    stmt = (
        select(Service, OrgUnit.name)
        .join(OrgUnit, OrgUnit.id == Service.org_unit_id)
        .where(
            Service.status == "consult",
            Service.consult_opens <= day,
            Service.consult_closes >= day,
        )
        .order_by(Service.consult_closes, OrgUnit.name, Service.name)
        .limit(200)
    )
    return [(service, opd) for service, opd in session.execute(stmt)]


def consultation_one(session: Session, service_id: int) -> tuple[Service, str] | None:
    """A draft in consultation that has opened (open or closed); None otherwise."""
    row = session.execute(
        select(Service, OrgUnit.name)
        .join(OrgUnit, OrgUnit.id == Service.org_unit_id)
        .where(
            Service.id == service_id,
            Service.status == "consult",
            Service.consult_opens <= today(session),
        )
    ).first()
    return None if row is None else (row[0], row[1])


def add_comment(session: Session, service_id: int, *, name: str, body: str) -> ConsultComment:
    """A citizen's comment on a draft while its consultation is open; no account."""
    found = consultation_one(session, service_id)
    if found is None:
        raise NotFound(M("no such public consultation"))
    service = found[0]
    if service.consult_closes is None or today(session) > service.consult_closes:
        raise Conflict(M("this public consultation has closed"), {"closes": "closed"})
    who = (name or "").strip()
    if len(who) > MAX_NAME:
        raise InvalidInput(M("a name of at most 120 characters"), {"name": f"at most {MAX_NAME}"})
    comment = ConsultComment(
        service_id=service.id,
        name=who or None,
        body=_text(body, "body", 10, MAX_COMMENT),
    )
    session.add(comment)
    session.flush()
    return comment


def public_json(found: tuple[Service, str]) -> dict[str, Any]:
    service, opd = found
    return {
        "id": service.id,
        "name": service.name,
        "opd": opd,
        "promised_days": service.promised_days,
        "components": {k: service.components.get(k, "") for k in COMPONENTS},
    }
