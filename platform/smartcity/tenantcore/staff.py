"""Staff (pegawai): validated against the civil-service rules of DOMAIN.md."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity import signals
from smartcity.errors import Conflict, InvalidInput, Message, NotFound
from smartcity.tenantcore import audit
from smartcity.tenantcore.models import OrgUnit, Staff
from smartcity.tenantcore.nip import InvalidNipError, parse_nip

STATUSES = ("PNS", "CPNS", "PPPK")
#: Golongan ruang of PNS and CPNS: I/a ... IV/e (IV/a Pembina ... IV/e Pembina Utama).
GOLONGAN = tuple(
    f"{rank}/{step}"
    for rank, steps in (("I", "abcd"), ("II", "abcd"), ("III", "abcd"), ("IV", "abcde"))
    for step in steps
)
#: PPPK have their own golongan, I ... XVII, without a step letter.
GOLONGAN_PPPK = (
    "I",
    "II",
    "III",
    "IV",
    "V",
    "VI",
    "VII",
    "VIII",
    "IX",
    "X",
    "XI",
    "XII",
    "XIII",
    "XIV",
    "XV",
    "XVI",
    "XVII",
)
ECHELONS = ("I.a", "I.b", "II.a", "II.b", "III.a", "III.b", "IV.a", "IV.b", "V.a")
#: Kelas jabatan of the regencies' allowance tables (DOMAIN.md: IV-XV).
POSITION_CLASSES = range(4, 16)


def golongan_problem(status: str, golongan: str | None) -> Message | None:
    if status == "PPPK":
        if golongan and golongan not in GOLONGAN_PPPK:
            return Message("PPPK golongan is I ... XVII")
        return None
    if not golongan:
        return Message("required for %(status)s (I/a ... IV/e)", status=status)
    if golongan not in GOLONGAN:
        return Message("%(g)s is not a golongan (I/a ... IV/e)", g=repr(golongan))
    return None


def staff_problems(values: dict[str, Any]) -> dict[str, str]:
    """Field -> why it is wrong, for one staff record (no database needed)."""
    problems: dict[str, str] = {}
    status = str(values.get("status") or "").upper()
    if status not in STATUSES:
        problems["status"] = Message("one of PNS, CPNS, PPPK")
    try:
        parse_nip(values.get("nip"), status)
    except InvalidNipError as exc:
        problems["nip"] = exc.message
    name = str(values.get("name") or "").strip()
    if not name or len(name) > 200:
        problems["name"] = Message("required, at most 200 characters")
    if status in STATUSES and (problem := golongan_problem(status, values.get("golongan"))):
        problems["golongan"] = problem
    position = str(values.get("position") or "").strip()
    if not position or len(position) > 200:
        problems["position"] = Message("required, at most 200 characters")
    position_class = values.get("position_class")
    if position_class not in (None, "") and position_class not in POSITION_CLASSES:
        problems["position_class"] = Message(
            "kelas jabatan %(low)s-%(high)s",
            low=POSITION_CLASSES.start,
            high=POSITION_CLASSES.stop - 1,
        )
    echelon = values.get("echelon")
    if echelon and echelon not in ECHELONS:
        problems["echelon"] = Message("one of %(choices)s or empty", choices=", ".join(ECHELONS))
    return problems


def _public(staff: Staff) -> dict[str, Any]:
    return {
        "nip": staff.nip,
        "name": staff.name,
        "status": staff.status,
        "golongan": staff.golongan,
        "position": staff.position,
        "position_class": staff.position_class,
        "echelon": staff.echelon,
        "unit_id": staff.unit_id,
        "supervisor_id": staff.supervisor_id,
        "is_active": staff.is_active,
    }


def get_staff(session: Session, staff_id: int) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(Message("no staff %(staff_id)s", staff_id=staff_id))
    return staff


def _check_links(
    session: Session, unit_id: int | None, supervisor_id: int | None, self_id: int | None
) -> None:
    problems: dict[str, str] = {}
    unit = session.get(OrgUnit, unit_id) if unit_id is not None else None
    if unit is None or not unit.is_active:
        problems["unit_id"] = Message("an active org unit of this regency")
    if supervisor_id is not None:
        chain: set[int] = set()
        current: int | None = supervisor_id
        while current is not None and current not in chain:
            if current == self_id:
                problems["supervisor_id"] = Message("would make a supervision cycle")
                break
            chain.add(current)
            supervisor = session.get(Staff, current)
            if supervisor is None:
                problems["supervisor_id"] = Message("no such staff")
                break
            current = supervisor.supervisor_id
    if problems:
        raise InvalidInput(Message("the staff record is not valid"), problems)


def create_staff(session: Session, *, actor: str, **values: Any) -> Staff:
    values["status"] = str(values.get("status") or "").upper()
    problems = staff_problems(values)
    if problems:
        raise InvalidInput(Message("the staff record is not valid"), problems)
    nip = parse_nip(values["nip"], values["status"])
    if session.scalar(select(Staff.id).where(Staff.nip == nip.value)) is not None:
        raise Conflict(
            Message("NIP %(nip)s is already registered", nip=nip.value),
            {"nip": "already registered"},
        )
    _check_links(session, values.get("unit_id"), values.get("supervisor_id"), None)
    staff = Staff(
        nip=nip.value,
        name=values["name"].strip(),
        status=values["status"],
        golongan=values.get("golongan") or None,
        position=values["position"].strip(),
        position_class=values.get("position_class") or None,
        echelon=values.get("echelon") or None,
        unit_id=values["unit_id"],
        supervisor_id=values.get("supervisor_id"),
        sex=nip.sex,
        birth_date=nip.birth_date,
    )
    session.add(staff)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="staff.create",
        entity="staff",
        entity_id=staff.id,
        after=_public(staff),
    )
    signals.staff_changed.send(session, session=session, nips=(staff.nip,), action="created")
    return staff


def update_staff(session: Session, staff: Staff, *, actor: str, **values: Any) -> Staff:
    """The NIP does not change: it identifies the person in SIASN and in every app."""
    before = _public(staff)
    merged = {**before, **values, "nip": staff.nip}
    merged["status"] = str(merged.get("status") or "").upper()
    problems = staff_problems(merged)
    if problems:
        raise InvalidInput(Message("the staff record is not valid"), problems)
    _check_links(session, merged.get("unit_id"), merged.get("supervisor_id"), staff.id)
    for key in (
        "name",
        "status",
        "golongan",
        "position",
        "position_class",
        "echelon",
        "unit_id",
        "supervisor_id",
        "is_active",
    ):
        if key in values:
            value = merged[key]
            setattr(staff, key, value.strip() if isinstance(value, str) else value)
    session.flush()
    after = _public(staff)
    if after != before:
        audit.record(
            session,
            actor=actor,
            action="staff.update",
            entity="staff",
            entity_id=staff.id,
            before=before,
            after=after,
        )
        signals.staff_changed.send(session, session=session, nips=(staff.nip,), action="updated")
    return staff
