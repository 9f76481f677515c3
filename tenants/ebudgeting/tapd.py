"""The regency's TAPD as its documents print it, and the PPKD who signs the DPA.

Permendagri 77/2020's annex: the RKA-SKPD carries the TAPD's verification table
(name, NIP, position of each member) and the head of the SKPD's signature; the
DPA-SKPD is approved and signed by the PPKD (the regional finance officer, usually
the head of the BPKAD). Members are people of the core's roster (``Staff``), so the
NIP printed is the one the roster validated, never guessed from a user's name.
The TAPD chair keeps the list.
"""

from __future__ import annotations

from dataclasses import dataclass

from smartcity.toolkit import InvalidInput, NotFound, Staff, record_audit
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tenants.ebudgeting.messages import _m

from .access import LOCK, Actor
from .models import TapdMember

#: A member's place in the team, in the order the verification table lists them.
ROLES = {"chair": "Ketua TAPD", "secretary": "Sekretaris TAPD", "member": "Anggota TAPD"}
PPKD = "Pejabat Pengelola Keuangan Daerah"


@dataclass(frozen=True)
class Member:
    """One line of the verification table."""

    staff_id: int
    name: str
    nip: str
    role: str
    is_ppkd: bool

    @property
    def position(self) -> str:
        return ROLES[self.role]


def members(session: Session) -> list[Member]:
    """The TAPD: the chair, the secretary, then the members by name (active staff only)."""
    rows = session.execute(
        select(TapdMember, Staff)
        .join(Staff, Staff.id == TapdMember.staff_id)
        .where(Staff.is_active.is_(True))
    ).all()
    found = [Member(s.id, s.name, s.nip, m.role, m.is_ppkd) for m, s in rows]
    order = list(ROLES)
    return sorted(found, key=lambda m: (order.index(m.role), m.name, m.staff_id))


def ppkd(session: Session) -> Member | None:
    return next((m for m in members(session) if m.is_ppkd), None)


def set_member(
    session: Session, staff_id: int, role: str, *, is_ppkd: bool, actor: Actor
) -> Member:
    """Add a person of the roster to the TAPD or change their place; marking one the
    PPKD takes the mark from whoever had it."""
    actor.require(LOCK)
    if role not in ROLES:
        raise InvalidInput(
            _m("%(role)s is not a place in the TAPD", role=str(role)[:40]),
            {"role": _m("one of %(choices)s", choices=", ".join(ROLES))},
        )
    person = session.get(Staff, staff_id)
    if person is None or not person.is_active:
        raise NotFound(
            _m("no active staff %(id)s in the roster", id=staff_id),
            {"staff_id": _m("not in the roster")},
        )
    row = session.scalar(
        select(TapdMember).where(TapdMember.staff_id == staff_id).with_for_update()
    )
    before = None if row is None else {"role": row.role, "is_ppkd": row.is_ppkd}
    if is_ppkd:
        session.execute(
            update(TapdMember)
            .where(TapdMember.is_ppkd.is_(True), TapdMember.staff_id != staff_id)
            .values(is_ppkd=False, updated_by=actor.label)
        )
    if row is None:
        row = TapdMember(staff_id=staff_id, role=role, is_ppkd=is_ppkd, updated_by=actor.label)
        session.add(row)
    else:
        row.role, row.is_ppkd, row.updated_by = role, is_ppkd, actor.label
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.tapd.set",
        entity="eb_tapd_member",
        entity_id=row.id,
        before=before,
        after={"nip": person.nip, "role": role, "is_ppkd": is_ppkd},
    )
    return Member(person.id, person.name, person.nip, role, is_ppkd)


def remove_member(session: Session, staff_id: int, *, actor: Actor) -> None:
    actor.require(LOCK)
    row = session.scalar(select(TapdMember).where(TapdMember.staff_id == staff_id))
    if row is None:
        raise NotFound(
            _m("staff %(id)s is not in the TAPD", id=staff_id),
            {"staff_id": _m("not in the TAPD")},
        )
    session.delete(row)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.tapd.remove",
        entity="eb_tapd_member",
        entity_id=row.id,
        before={"staff_id": staff_id, "role": row.role, "is_ppkd": row.is_ppkd},
    )


def staff_by_nip(session: Session, nip: str) -> Staff:
    """The roster's active person with this NIP (the page and the API add a member by
    NIP), else NotFound."""
    nip = "".join(str(nip or "").split())
    if len(nip) != 18 or not (nip.isascii() and nip.isdecimal()):
        raise InvalidInput(
            _m("a NIP has 18 digits, not %(value)s", value=nip[:40]),
            {"nip": _m("18 digits")},
        )
    person = session.scalar(select(Staff).where(Staff.nip == nip, Staff.is_active.is_(True)))
    if person is None:
        raise NotFound(
            _m("no active staff with NIP %(nip)s in the roster", nip=nip),
            {"nip": _m("not in the roster")},
        )
    return person
