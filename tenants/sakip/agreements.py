"""Perjanjian Kinerja (PK): an official's yearly targets, the budget behind them, signed.

A PK is prepared as a draft (targets with yearly and quarterly figures, each
with the sub kegiatan that fund it), signed by the official (the OPD head for
the OPD's PK), and then locked: nothing in it changes. After the budget
revision a *PK Perubahan* is a new revision that copies the signed one; when it
is signed the first becomes ``superseded``, and both stay.

The budget comes from e-Budgeting through the core's capability
``ebudgeting.sub_activities`` when the regency has it (the caller passes the
bound capability, or None); otherwise it is typed by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from smartcity.toolkit import Conflict, InvalidInput, NotFound, record_audit
from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import AGREEMENT, SIGN, Actor
from .messages import M
from .models import Agreement, AgreementBudget, AgreementTarget
from .planning import indicator_by_lineage, require_opd

LEVELS = ("head", "eselon3", "eselon4")
MIN_REASON = 10
#: ``capability("sakip", "ebudgeting.sub_activities")``: (year=, org_unit_id=) -> rows
SubActivities = Callable[..., Sequence[Any]]


@dataclass(frozen=True)
class Official:
    name: str
    position: str
    nip: str | None = None


def get(session: Session, actor: Actor, agreement_id: int) -> Agreement:
    agreement = session.get(Agreement, agreement_id)
    if agreement is None or not actor.sees_unit(agreement.org_unit_id):
        raise NotFound(M("no such performance agreement"))
    return agreement


def _require_draft(agreement: Agreement) -> None:
    if agreement.status != "draft":
        raise Conflict(
            M("this agreement is signed and locked: revise it to change it"),
            {"agreement": M("locked")},
        )


def _check_nip(field: str, nip: str | None, problems: dict[str, str]) -> None:
    if nip is not None and (len(nip) != 18 or not (nip.isascii() and nip.isdecimal())):
        problems[field] = M("a NIP is 18 digits")


def create(
    session: Session,
    actor: Actor,
    *,
    org_unit_id: int,
    year: int,
    official: Official,
    superior: Official,
    place: str,
    level: str = "head",
) -> Agreement:
    actor.require(AGREEMENT)
    require_opd(session, actor, org_unit_id)
    problems: dict[str, str] = {}
    if level not in LEVELS:
        problems["level"] = M("head, eselon3 or eselon4")
    for key, person in (("official", official), ("superior", superior)):
        if not person.name.strip():
            problems[f"{key}_name"] = M("required")
        if not person.position.strip():
            problems[f"{key}_position"] = M("required")
        _check_nip(f"{key}_nip", person.nip, problems)
    if not place.strip():
        problems["place"] = M("required")
    if problems:
        raise InvalidInput(M("the agreement has problems"), problems)
    exists = session.scalar(
        select(Agreement.id).where(
            Agreement.org_unit_id == org_unit_id, Agreement.year == year, Agreement.level == level
        )
    )
    if exists is not None:
        raise Conflict(
            M("this OPD already has an agreement for the year: revise it instead"),
            {"year": M("already exists")},
        )
    agreement = Agreement(
        org_unit_id=org_unit_id,
        year=year,
        level=level,
        revision=0,
        status="draft",
        official_name=official.name.strip(),
        official_position=official.position.strip(),
        official_nip=official.nip,
        superior_name=superior.name.strip(),
        superior_position=superior.position.strip(),
        superior_nip=superior.nip,
        place=place.strip(),
    )
    session.add(agreement)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="sakip.agreement.create",
        entity="sakip_agreement",
        entity_id=agreement.id,
        after={"org_unit_id": org_unit_id, "year": year, "level": level},
    )
    return agreement


def targets(session: Session, agreement: Agreement) -> list[AgreementTarget]:
    return list(
        session.scalars(
            select(AgreementTarget)
            .where(AgreementTarget.agreement_id == agreement.id)
            .order_by(AgreementTarget.position, AgreementTarget.id)
        )
    )


def budgets(session: Session, target_ids: Sequence[int]) -> dict[int, list[AgreementBudget]]:
    out: dict[int, list[AgreementBudget]] = {}
    if target_ids:
        for b in session.scalars(
            select(AgreementBudget)
            .where(AgreementBudget.target_id.in_(target_ids))
            .order_by(AgreementBudget.id)
        ):
            out.setdefault(b.target_id, []).append(b)
    return out


def set_target(
    session: Session,
    actor: Actor,
    agreement: Agreement,
    *,
    indicator_lineage: int,
    year_target: Decimal,
    quarters: Sequence[Decimal | None],
    upper: Decimal | None = None,
) -> AgreementTarget:
    """Add or replace the agreement's target for one indicator of the OPD's plans."""
    actor.require(AGREEMENT)
    actor.require_unit(agreement.org_unit_id)
    _require_draft(agreement)
    indicator = indicator_by_lineage(session, agreement.org_unit_id, indicator_lineage)
    if indicator is None:
        raise InvalidInput(
            M("the indicator is not in this OPD's Renstra or Renja"),
            {"indicator_lineage": M("not this OPD's")},
        )
    if len(quarters) != 4:
        raise InvalidInput(M("give four quarterly targets"), {"quarters": M("four values")})
    if indicator.polarity == "range" and (upper is None or upper < year_target):
        raise InvalidInput(
            M("a range indicator needs an upper bound at or above the target"),
            {"upper": M("required")},
        )
    target = session.scalar(
        select(AgreementTarget).where(
            AgreementTarget.agreement_id == agreement.id,
            AgreementTarget.indicator_lineage == indicator_lineage,
        )
    )
    if target is None:
        count = len(targets(session, agreement))
        target = AgreementTarget(
            agreement_id=agreement.id, indicator_lineage=indicator_lineage, position=count
        )
        session.add(target)
    target.year_target = year_target
    target.upper = upper
    target.q1, target.q2, target.q3, target.q4 = quarters
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="sakip.agreement.target",
        entity="sakip_agreement",
        entity_id=agreement.id,
        after={"indicator_lineage": indicator_lineage, "year_target": str(year_target)},
    )
    return target


def add_budget(
    session: Session,
    actor: Actor,
    target: AgreementTarget,
    *,
    sub_activities: SubActivities | None,
    sub_activity_id: int | None = None,
    code: str = "",
    name: str = "",
    amount: Decimal | None = None,
) -> AgreementBudget:
    """Put a sub kegiatan's money behind a target.

    With e-Budgeting (``sub_activities`` given) the sub kegiatan is picked by its
    id among the OPD's of that year, and its code, name and budget are taken from
    there, not typed. Without it, all three are typed by hand.
    """
    agreement = session.get(Agreement, target.agreement_id)
    if agreement is None:  # the target's foreign key keeps this from happening
        raise NotFound(M("no such performance agreement"))
    actor.require(AGREEMENT)
    actor.require_unit(agreement.org_unit_id)
    _require_draft(agreement)
    if sub_activities is not None:
        if sub_activity_id is None:
            raise InvalidInput(
                M("pick the sub kegiatan from e-Budgeting"), {"sub_activity_id": M("required")}
            )
        rows = {
            r.sub_activity_id: r
            for r in sub_activities(year=agreement.year, org_unit_id=agreement.org_unit_id)
        }
        row = rows.get(sub_activity_id)
        if row is None:
            raise InvalidInput(
                M("this sub kegiatan is not in the OPD's budget for the year"),
                {"sub_activity_id": M("not this OPD's")},
            )
        budget = AgreementBudget(
            target_id=target.id,
            source="ebudgeting",
            sub_activity_id=row.sub_activity_id,
            code=row.code,
            name=row.name,
            amount=row.budget,
        )
    else:
        problems: dict[str, str] = {}
        if not code.strip():
            problems["code"] = M("required")
        if not name.strip():
            problems["name"] = M("required")
        if amount is None or amount < 0:
            problems["amount"] = M("a non-negative amount")
        if problems or amount is None:
            raise InvalidInput(M("the budget has problems"), problems)
        budget = AgreementBudget(
            target_id=target.id,
            source="manual",
            sub_activity_id=None,
            code=code.strip(),
            name=name.strip(),
            amount=amount,
        )
    session.add(budget)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="sakip.agreement.budget",
        entity="sakip_agreement",
        entity_id=agreement.id,
        after={"code": budget.code, "amount": str(budget.amount), "source": budget.source},
    )
    return budget


def sign(session: Session, actor: Actor, agreement: Agreement, signed_on: date) -> Agreement:
    """The official signs: the agreement is locked, and the one it revises is superseded."""
    actor.require(SIGN)
    actor.require_unit(agreement.org_unit_id)
    _require_draft(agreement)
    if not targets(session, agreement):
        raise InvalidInput(
            M("an agreement without targets cannot be signed"), {"agreement": M("no targets")}
        )
    agreement.status = "signed"
    agreement.signed_on = signed_on
    agreement.signed_at = datetime.now(UTC)
    agreement.signed_by = actor.user_id
    if agreement.supersedes_id is not None:
        old = session.get(Agreement, agreement.supersedes_id)
        if old is not None:
            old.status = "superseded"
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="sakip.agreement.sign",
        entity="sakip_agreement",
        entity_id=agreement.id,
        after={"revision": agreement.revision, "signed_on": signed_on.isoformat()},
    )
    return agreement


def revise(session: Session, actor: Actor, agreement: Agreement, reason: str) -> Agreement:
    """A PK Perubahan: a new draft revision copying the signed agreement's targets and budget."""
    actor.require(AGREEMENT)
    actor.require_unit(agreement.org_unit_id)
    if agreement.status != "signed":
        raise Conflict(M("only a signed agreement is revised"), {"agreement": M("not signed")})
    if len(reason.strip()) < MIN_REASON:
        raise InvalidInput(
            M("say why the agreement changes (at least %(count)s characters)", count=MIN_REASON),
            {"reason": M("too short")},
        )
    newest = session.scalar(
        select(Agreement.revision)
        .where(
            Agreement.org_unit_id == agreement.org_unit_id,
            Agreement.year == agreement.year,
            Agreement.level == agreement.level,
        )
        .order_by(Agreement.revision.desc())
        .limit(1)
    )
    if newest != agreement.revision:
        raise Conflict(
            M("a newer revision of this agreement exists"), {"agreement": M("not the newest")}
        )
    new = Agreement(
        org_unit_id=agreement.org_unit_id,
        year=agreement.year,
        level=agreement.level,
        revision=agreement.revision + 1,
        status="draft",
        official_name=agreement.official_name,
        official_nip=agreement.official_nip,
        official_position=agreement.official_position,
        superior_name=agreement.superior_name,
        superior_nip=agreement.superior_nip,
        superior_position=agreement.superior_position,
        place=agreement.place,
        supersedes_id=agreement.id,
        reason=reason.strip(),
    )
    session.add(new)
    session.flush()
    old_targets = targets(session, agreement)
    money = budgets(session, [t.id for t in old_targets])
    for t in old_targets:
        twin = AgreementTarget(
            agreement_id=new.id,
            indicator_lineage=t.indicator_lineage,
            year_target=t.year_target,
            upper=t.upper,
            q1=t.q1,
            q2=t.q2,
            q3=t.q3,
            q4=t.q4,
            position=t.position,
        )
        session.add(twin)
        session.flush()
        for b in money.get(t.id, []):
            session.add(
                AgreementBudget(
                    target_id=twin.id,
                    source=b.source,
                    sub_activity_id=b.sub_activity_id,
                    code=b.code,
                    name=b.name,
                    amount=b.amount,
                )
            )
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="sakip.agreement.revise",
        entity="sakip_agreement",
        entity_id=new.id,
        after={"revises": agreement.id, "reason": new.reason},
    )
    return new


def in_force(
    session: Session, org_unit_id: int, year: int, level: str = "head"
) -> Agreement | None:
    """The signed agreement in force (the newest signed revision), else None."""
    return session.scalar(
        select(Agreement)
        .where(
            Agreement.org_unit_id == org_unit_id,
            Agreement.year == year,
            Agreement.level == level,
            Agreement.status == "signed",
        )
        .order_by(Agreement.revision.desc())
        .limit(1)
    )


def newest(session: Session, org_unit_id: int, year: int, level: str = "head") -> Agreement | None:
    return session.scalar(
        select(Agreement)
        .where(
            Agreement.org_unit_id == org_unit_id, Agreement.year == year, Agreement.level == level
        )
        .order_by(Agreement.revision.desc())
        .limit(1)
    )
