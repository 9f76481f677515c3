"""KUA-PPAS: the ceilings the regent and the DPRD agree on before the RKA.

Permendagri 77/2020: the KUA-PPAS agreement (Nota Kesepakatan) fixes the
provisional ceiling (plafon) of each OPD and of its programs; the OPDs then draft
their RKA within them. Here the OPD's ceiling is its pagu (``ceilings.py``) and a
program's is a ``ProgramCeiling``. The TAPD chair records the agreement with its
number and date (``agree``); from then on the ceilings are fixed until the revision
opens, and the RKA stage is taken only after it and only if every OPD and program
stays within its ceiling (``require_within_ceilings``, called by ``stages``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from smartcity.toolkit import Conflict, InvalidInput, Message, OrgUnit, record_audit, rupiah
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tenants.ebudgeting.messages import _m

from .access import CEILINGS, LOCK, Actor
from .ceilings import get_opd, opd_totals, parse_amount
from .codes import level_of, program_code
from .models import (
    BudgetLine,
    Ceiling,
    FiscalYear,
    KuaPpas,
    Nomenclature,
    ProgramCeiling,
    SubActivity,
)
from .years import agreement_of, require_ceilings_open, require_drafting

ZERO = Decimal("0.00")
DOCUMENT = "Nota Kesepakatan KUA-PPAS"
NUMBER_MAX = 100


def _program(session: Session, code: str) -> Nomenclature:
    code = (code or "").strip()
    node = None
    if level_of(code) == "program":
        node = session.scalar(
            select(Nomenclature).where(
                Nomenclature.code == code, Nomenclature.level == "program", Nomenclature.is_active
            )
        )
    if node is None:
        raise InvalidInput(
            _m("%(code)s is not a program of the nomenclature", code=code[:40]),
            {"program_code": _m("a program code such as 1.02.02")},
        )
    return node


def program_ceilings(session: Session, fiscal_year: FiscalYear) -> list[ProgramCeiling]:
    return list(
        session.scalars(
            select(ProgramCeiling)
            .where(ProgramCeiling.fiscal_year_id == fiscal_year.id)
            .order_by(ProgramCeiling.org_unit_id, ProgramCeiling.program_code)
        )
    )


def set_program_ceiling(
    session: Session,
    fiscal_year: FiscalYear,
    org_unit_id: int,
    code: str,
    amount: Decimal,
    *,
    actor: Actor,
) -> ProgramCeiling | None:
    """Set (or, with 0, remove) the PPAS ceiling of one program of an OPD; an OPD's
    program ceilings add up to at most its pagu, which must be set first."""
    actor.require(CEILINGS)
    require_drafting(fiscal_year)
    session.refresh(fiscal_year, with_for_update=True)
    require_ceilings_open(session, fiscal_year)
    unit = get_opd(session, org_unit_id)
    program = _program(session, code)
    amount = parse_amount(amount)
    pagu = session.scalar(
        select(Ceiling.amount).where(
            Ceiling.fiscal_year_id == fiscal_year.id, Ceiling.org_unit_id == unit.id
        )
    )
    if pagu is None:
        raise Conflict(
            _m("set the pagu of %(opd)s before its program ceilings", opd=unit.name),
            {"org_unit_id": _m("no pagu yet")},
        )
    others = Decimal(
        session.scalar(
            select(func.coalesce(func.sum(ProgramCeiling.amount), 0)).where(
                ProgramCeiling.fiscal_year_id == fiscal_year.id,
                ProgramCeiling.org_unit_id == unit.id,
                ProgramCeiling.program_code != program.code,
            )
        )
        or 0
    )
    if others + amount > pagu:
        raise InvalidInput(
            _m(
                "the program ceilings of %(opd)s would total %(total)s, above its pagu %(pagu)s",
                opd=unit.name,
                total=rupiah(others + amount),
                pagu=rupiah(pagu),
            ),
            {"amount": _m("at most %(amount)s", amount=rupiah(max(ZERO, pagu - others)))},
        )
    row = session.scalar(
        select(ProgramCeiling)
        .where(
            ProgramCeiling.fiscal_year_id == fiscal_year.id,
            ProgramCeiling.org_unit_id == unit.id,
            ProgramCeiling.program_code == program.code,
        )
        .with_for_update()
    )
    before = None if row is None else {"amount": str(row.amount)}
    after = {
        "year": fiscal_year.year,
        "org_unit": unit.code,
        "program": program.code,
        "amount": str(amount),
    }
    if amount == ZERO:
        if row is not None:
            session.delete(row)
            session.flush()
        record_audit(
            session,
            actor=actor.label,
            action="ebudgeting.program_ceiling.set",
            entity="eb_program_ceiling",
            entity_id=None if row is None else row.id,
            before=before,
            after=after,
        )
        return None
    if row is None:
        row = ProgramCeiling(
            fiscal_year_id=fiscal_year.id,
            org_unit_id=unit.id,
            program_code=program.code,
            amount=amount,
            updated_by=actor.label,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            raise Conflict(
                _m("this ceiling was just set by someone else: reload and try again"),
                {"amount": _m("set meanwhile")},
            ) from None
    else:
        row.amount, row.updated_by = amount, actor.label
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.program_ceiling.set",
        entity="eb_program_ceiling",
        entity_id=row.id,
        before=before,
        after=after,
    )
    return row


def program_ceiling_total(session: Session, fiscal_year: FiscalYear, org_unit_id: int) -> Decimal:
    return Decimal(
        session.scalar(
            select(func.coalesce(func.sum(ProgramCeiling.amount), 0)).where(
                ProgramCeiling.fiscal_year_id == fiscal_year.id,
                ProgramCeiling.org_unit_id == org_unit_id,
            )
        )
        or 0
    )


def agree(
    session: Session, fiscal_year: FiscalYear, number: str, day: date | None, *, actor: Actor
) -> KuaPpas:
    """Record the KUA-PPAS agreement on its number and date: the ceilings set now
    are the ones the RKA is checked against."""
    actor.require(LOCK)
    session.refresh(fiscal_year, with_for_update=True)
    if (found := agreement_of(session, fiscal_year)) is not None:
        raise Conflict(
            _m(
                "the KUA-PPAS %(year)s was already agreed (%(number)s)",
                year=fiscal_year.year,
                number=found.document_number,
            ),
            {"document_number": _m("already agreed")},
        )
    if fiscal_year.stage is not None:
        raise Conflict(
            _m(
                "the RKA %(year)s was taken already: the KUA-PPAS comes before it",
                year=fiscal_year.year,
            ),
            {"document_number": _m("too late")},
        )
    number = (number or "").strip()
    problems: dict[str, str] = {}
    if not number or len(number) > NUMBER_MAX:
        problems["document_number"] = _m("required, at most %(count)s characters", count=NUMBER_MAX)
    if day is None or not (fiscal_year.year - 1 <= day.year <= fiscal_year.year):
        problems["document_date"] = _m(
            "a date in %(before)s or %(year)s", before=fiscal_year.year - 1, year=fiscal_year.year
        )
    if problems or day is None:
        raise InvalidInput(
            _m("the KUA-PPAS needs its document: %(basis)s, number and date", basis=DOCUMENT),
            problems,
        )
    total = Decimal(
        session.scalar(
            select(func.coalesce(func.sum(Ceiling.amount), 0)).where(
                Ceiling.fiscal_year_id == fiscal_year.id
            )
        )
        or 0
    )
    if total == ZERO:
        raise Conflict(
            _m("no OPD has a pagu in %(year)s: set the PPAS ceilings first", year=fiscal_year.year),
            {"document_number": _m("no ceilings")},
        )
    agreement = KuaPpas(
        fiscal_year_id=fiscal_year.id,
        document_number=number,
        document_date=day,
        total=total,
        agreed_by=actor.label,
    )
    session.add(agreement)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.kua_ppas.agree",
        entity="eb_kua_ppas",
        entity_id=agreement.id,
        after={
            "year": fiscal_year.year,
            "number": number,
            "date": day.isoformat(),
            "total": str(total),
        },
    )
    return agreement


@dataclass(frozen=True)
class ProgramRow:
    """A program of an OPD: its PPAS ceiling (None: none set) beside its planned lines."""

    org_unit_id: int
    org_unit_name: str
    program_code: str
    program_name: str
    ceiling: Decimal | None
    planned: Decimal

    @property
    def over(self) -> bool:
        return self.ceiling is not None and self.planned > self.ceiling


def program_rows(session: Session, fiscal_year: FiscalYear, actor: Actor) -> list[ProgramRow]:
    """Every program with a ceiling or with planned lines, per OPD the actor sees."""
    planned: dict[tuple[int, str], Decimal] = {}
    for unit_id, sub_code, total in session.execute(
        select(SubActivity.org_unit_id, SubActivity.sub_kegiatan_code, func.sum(BudgetLine.amount))
        .join(BudgetLine, BudgetLine.sub_activity_id == SubActivity.id)
        .where(SubActivity.fiscal_year_id == fiscal_year.id)
        .group_by(SubActivity.org_unit_id, SubActivity.sub_kegiatan_code)
    ).all():
        key = (unit_id, program_code(sub_code))
        planned[key] = planned.get(key, ZERO) + Decimal(total or 0)
    ceilings = {
        (row.org_unit_id, row.program_code): row.amount
        for row in program_ceilings(session, fiscal_year)
    }
    keys = sorted(set(planned) | set(ceilings), key=lambda k: (k[0], k[1]))
    units = {
        unit.id: unit.name
        for unit in session.scalars(
            select(OrgUnit).where(OrgUnit.id.in_({unit_id for unit_id, _c in keys}))
        )
    }
    names = dict(
        session.execute(
            select(Nomenclature.code, Nomenclature.name).where(
                Nomenclature.code.in_({code for _u, code in keys})
            )
        ).all()
    )
    return [
        ProgramRow(
            org_unit_id=unit_id,
            org_unit_name=units.get(unit_id, str(unit_id)),
            program_code=code,
            program_name=names.get(code, code),
            ceiling=ceilings.get((unit_id, code)),
            planned=planned.get((unit_id, code), ZERO),
        )
        for unit_id, code in keys
        if actor.sees_unit(unit_id)
    ]


def require_within_ceilings(session: Session, fiscal_year: FiscalYear, actor: Actor) -> None:
    """The RKA opens only on an agreed KUA-PPAS and within its ceilings: every OPD's
    lines within its pagu, every program's within its ceiling (when it has one)."""
    agreement = agreement_of(session, fiscal_year)
    if agreement is None:
        raise Conflict(
            _m(
                "the KUA-PPAS %(year)s is not agreed yet: record it before the RKA",
                year=fiscal_year.year,
            ),
            {"stage": _m("KUA-PPAS first")},
        )
    over: list[Message] = []
    for row in opd_totals(session, fiscal_year, actor):
        if row.planned > (row.pagu or ZERO):
            over.append(
                _m(
                    "%(opd)s plans %(planned)s above its PPAS ceiling %(ceiling)s",
                    opd=row.unit.name,
                    planned=rupiah(row.planned),
                    ceiling=rupiah(row.pagu or ZERO),
                )
            )
    for prog in program_rows(session, fiscal_year, actor):
        if prog.over:
            over.append(
                _m(
                    "%(opd)s plans %(planned)s for program %(program)s, "
                    "above its PPAS ceiling %(ceiling)s",
                    opd=prog.org_unit_name,
                    planned=rupiah(prog.planned),
                    program=prog.program_code,
                    ceiling=rupiah(prog.ceiling or ZERO),
                )
            )
    if over:
        raise Conflict(
            _m(
                "the RKA %(year)s is above the KUA-PPAS ceilings (%(count)s times): %(first)s",
                year=fiscal_year.year,
                count=len(over),
                first=over[0],
            ),
            {"stage": _m("%(count)s above the ceiling", count=len(over))},
        )
