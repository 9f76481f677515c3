"""Fiscal years and the stages a budget goes through.

RKA (plans drafted by the OPD, verified by TAPD) -> APBD (adopted with the
legislature) -> DPA (execution document) -> mid-year revision RKA-P -> DPPA.
A year's ``stage`` is the last snapshot taken. Plans can be changed while the
RKA and APBD are prepared and, after the DPA, only once the revision (RKA-P)
was opened; a DPA or DPPA in force freezes everything.
"""

from __future__ import annotations

from smartcity.toolkit import Conflict, InvalidInput, NotFound, record_audit
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.ebudgeting.messages import _m

from .access import CEILINGS, Actor
from .models import FiscalYear, KuaPpas
from .rules import RuleViolation, Violation

STAGES = ("rka", "apbd", "dpa", "rka_p", "dppa")
STAGE_TITLES = {"rka": "RKA", "apbd": "APBD", "dpa": "DPA", "rka_p": "RKA-P", "dppa": "DPPA"}


def create_fiscal_year(session: Session, year: int, *, actor: Actor) -> FiscalYear:
    actor.require(CEILINGS)
    if not 2000 <= year <= 2100:
        raise InvalidInput(
            _m("%(year)s is not a budget year", year=year), {"year": _m("between 2000 and 2100")}
        )
    if session.scalar(select(FiscalYear.id).where(FiscalYear.year == year)) is not None:
        raise Conflict(
            _m("fiscal year %(year)s already exists", year=year), {"year": _m("already exists")}
        )
    fiscal_year = FiscalYear(year=year, stage=None, revision_open=False, created_by=actor.label)
    session.add(fiscal_year)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.fiscal_year.create",
        entity="eb_fiscal_year",
        entity_id=fiscal_year.id,
        after={"year": year},
    )
    return fiscal_year


def get_year(session: Session, year: int, *, for_update: bool = False) -> FiscalYear:
    query = select(FiscalYear).where(FiscalYear.year == year)
    if for_update:
        query = query.with_for_update()
    fiscal_year = session.scalar(query)
    if fiscal_year is None:
        raise NotFound(_m("no fiscal year %(year)s", year=year), {"year": _m("unknown")})
    return fiscal_year


def list_years(session: Session) -> list[FiscalYear]:
    return list(session.scalars(select(FiscalYear).order_by(FiscalYear.year.desc())))


def next_stage(fiscal_year: FiscalYear) -> str | None:
    """The snapshot to take next (None once the DPPA exists)."""
    if fiscal_year.stage is None:
        return STAGES[0]
    index = STAGES.index(fiscal_year.stage)
    return STAGES[index + 1] if index + 1 < len(STAGES) else None


def drafting_open(fiscal_year: FiscalYear) -> bool:
    """Whether plans of this year may change at all (each sub-activity has its own lock).

    Open while the RKA is drafted and deliberated (up to the APBD), and again
    during the revision (RKA-P) until the DPPA; frozen by the adopted APBD, the
    DPA and the DPPA.
    """
    stage = fiscal_year.stage
    return stage in (None, "rka", "rka_p") or (stage == "dpa" and fiscal_year.revision_open)


def require_drafting(fiscal_year: FiscalYear) -> None:
    if drafting_open(fiscal_year):
        return
    stage = fiscal_year.stage or "rka"
    hint = {
        "apbd": _m(": plans change again with the revision (RKA-P), after the DPA"),
        "dpa": _m(": open the revision (RKA-P) to change it"),
    }.get(stage, "")
    raise RuleViolation(
        [
            Violation(
                "locked",
                "the %(document)s %(year)s is in force%(hint)s",
                {"document": STAGE_TITLES[stage], "year": str(fiscal_year.year), "hint": hint},
            )
        ]
    )


def agreement_of(session: Session, fiscal_year: FiscalYear) -> KuaPpas | None:
    """The year's KUA-PPAS agreement, once recorded (``kua_ppas.agree``)."""
    return session.scalar(select(KuaPpas).where(KuaPpas.fiscal_year_id == fiscal_year.id))


def ceilings_fixed(session: Session, fiscal_year: FiscalYear) -> KuaPpas | None:
    """The agreement that fixes this year's ceilings now (None: they may change):
    once the KUA-PPAS is agreed, until the revision (KUA-PPAS Perubahan) opens."""
    if fiscal_year.revision_open:
        return None
    return agreement_of(session, fiscal_year)


def require_ceilings_open(session: Session, fiscal_year: FiscalYear) -> None:
    """Refuse a ceiling (pagu, program ceiling) change once the KUA-PPAS fixed them."""
    if (agreed := ceilings_fixed(session, fiscal_year)) is not None:
        raise Conflict(
            _m(
                "the KUA-PPAS %(year)s was agreed (%(number)s): "
                "its ceilings change only with the revision",
                year=fiscal_year.year,
                number=agreed.document_number,
            ),
            {"amount": _m("fixed by the KUA-PPAS")},
        )
