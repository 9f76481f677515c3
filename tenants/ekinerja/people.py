"""The roster as e-Kinerja reads it: a person's unit chain, supervisor and account."""

from __future__ import annotations

from smartcity.toolkit import NotFound, OrgUnit, Staff, User, record_audit
from sqlalchemy import ColumnElement, delete, exists, false, or_, select, true
from sqlalchemy.orm import Session, aliased

from .access import APPROVE, UNIT, VIEW_ALL, Actor
from .messages import M
from .models import Account


def staff_or_404(session: Session, staff_id: int) -> Staff:
    person = session.get(Staff, staff_id)
    if person is None:
        raise NotFound(
            M("no staff member %(staff_id)s", staff_id=staff_id), {"staff_id": "unknown"}
        )
    return person


def unit_chain(session: Session, unit_id: int) -> list[int]:
    """The unit and its ancestors, nearest first (the tree is shallow: a few queries)."""
    chain: list[int] = []
    current: int | None = unit_id
    while current is not None and current not in chain:
        chain.append(current)
        current = session.scalar(select(OrgUnit.parent_id).where(OrgUnit.id == current))
    return chain


def require_unit(session: Session, actor: Actor, unit_id: int) -> OrgUnit:
    """The org unit ``unit_id`` if it exists and the actor manages it; else 404 or 403.

    Checked before anything refers to it: a regency-wide admin manages every unit,
    including ids that name none, which the database would refuse with a 500.
    """
    unit = session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound(M("no org unit %(unit_id)s", unit_id=unit_id), {"org_unit_id": "unknown"})
    actor.require_unit(unit_id)
    return unit


def lock_person(session: Session, staff_id: int) -> Staff:
    """The person's row, locked for this transaction (``FOR NO KEY UPDATE``): their
    punches, requests and logs are checked one at a time, so two sent at once cannot
    both pass a check (an overlap, an allowance) the other would have failed."""
    person = session.scalar(
        select(Staff).where(Staff.id == staff_id).with_for_update(key_share=True)
    )
    return person if person is not None else staff_or_404(session, staff_id)


def is_supervisor_of(actor: Actor, person: Staff) -> bool:
    return actor.staff_id is not None and person.supervisor_id == actor.staff_id


def may_read_evidence(actor: Actor, person: Staff) -> bool:
    """Who may download the evidence file of a person's absence or work log: the person,
    their supervisor (acting as one), an admin of their unit, and a regency-wide reader
    (BKPSDM, viewers such as the inspectorate: the role reads every person's records,
    and a file is what an approval rested on). One rule for both kinds of file;
    everyone else is answered as for an id that names nothing."""
    return (
        actor.staff_id == person.id
        or (actor.can(APPROVE) and is_supervisor_of(actor, person))
        or actor.manages(person.unit_id)
        or actor.can(VIEW_ALL)
    )


def supervised_by(actor: Actor) -> ColumnElement[bool]:
    """``is_supervisor_of`` as SQL over ``Staff``: a queue asks PostgreSQL for exactly
    the people it may show instead of reading a regency's rows and filtering them."""
    if actor.staff_id is None:
        return false()
    return Staff.supervisor_id == actor.staff_id


def without_supervisor() -> ColumnElement[bool]:
    """Over ``Staff``: the roster names no supervisor, or one who has left
    (``is_active`` false). Either way nobody is there to decide the person's logs."""
    boss = aliased(Staff)
    present = exists().where(boss.id == Staff.supervisor_id, boss.is_active.is_(True))
    return or_(Staff.supervisor_id.is_(None), ~present)


def has_supervisor(session: Session, person: Staff) -> bool:
    """``without_supervisor``'s opposite for one person already loaded."""
    if person.supervisor_id is None:
        return False
    boss = session.get(Staff, person.supervisor_id)
    return boss is not None and boss.is_active


def in_managed_units(actor: Actor) -> ColumnElement[bool]:
    """``actor.manages(Staff.unit_id)`` as SQL over ``Staff`` (see ``supervised_by``)."""
    if not actor.can(UNIT):
        return false()
    if actor.unit_ids is None:
        return true()
    return Staff.unit_id.in_(sorted(actor.unit_ids))


def not_self(actor: Actor) -> ColumnElement[bool]:
    """Everyone but the actor: nobody decides on their own request, whatever the roster says."""
    if actor.staff_id is None:
        return true()
    return Staff.id != actor.staff_id


def link_account(session: Session, actor: Actor, *, user_id: int, staff_id: int) -> Account:
    """Link a user to the staff member they are (replacing either side's old link)."""
    person = staff_or_404(session, staff_id)
    actor.require_unit(person.unit_id)

    if session.get(User, user_id) is None:
        raise NotFound(M("no user %(user_id)s", user_id=user_id), {"user_id": "unknown"})
    session.execute(
        delete(Account).where((Account.user_id == user_id) | (Account.staff_id == staff_id))
    )
    account = Account(user_id=user_id, staff_id=staff_id)
    session.add(account)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.account",
        entity="staff",
        entity_id=staff_id,
        after={"user_id": user_id},
    )
    return account
