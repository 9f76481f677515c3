"""Service standards (standar pelayanan, PermenPANRB 15/2014): drafted, approved, published.

A standard lists fourteen components. An editor of the OPD drafts them; the
OPD head approves a complete draft (every component filled in) and publishes
it, and only published standards reach the public catalogue. Changing a
published standard takes it back to draft, out of the catalogue, until it is
approved again: citizens never read a standard nobody approved.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from smartcity.toolkit import Conflict, InvalidInput, NotFound, OrgUnit, record_audit
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .access import STANDARDS_APPROVE, STANDARDS_EDIT, Actor
from .messages import N_, M
from .models import Service

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
STATUSES = {"draft": N_("Draft"), "approved": N_("Approved"), "published": N_("Published")}
MAX_COMPONENT = 4000


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
    service.components = {**service.components, **_components(components)}
    service.promised_days = promised_days
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


def approve(session: Session, actor: Actor, service: Service) -> Service:
    actor.require(STANDARDS_APPROVE)
    actor.require_unit(service.org_unit_id)
    if service.status != "draft":
        raise Conflict(M("only a draft can be approved"), {"status": service.status})
    gaps = missing(service)
    if gaps:
        raise InvalidInput(
            M("every component must be filled in before approval"),
            dict.fromkeys(gaps, "required"),
        )
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


def _audit(session: Session, actor: Actor, service: Service, action: str) -> None:
    record_audit(
        session,
        actor=actor.label,
        action=f"pelayanan.service.{action}",
        entity="service",
        entity_id=service.id,
        after={"status": service.status, "name": service.name},
    )


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


def public_json(found: tuple[Service, str]) -> dict[str, Any]:
    service, opd = found
    return {
        "id": service.id,
        "name": service.name,
        "opd": opd,
        "promised_days": service.promised_days,
        "components": {k: service.components.get(k, "") for k in COMPONENTS},
    }
