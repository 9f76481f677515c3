"""Budget lines: a catalogue item x a coefficient x a unit price, checked by every rule.

A batch of lines is checked together (the ceiling and pagu hold for their sum)
and written whole or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from smartcity.toolkit import InvalidInput, record_audit, rupiah
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tenants.ebudgeting.access import Actor
from tenants.ebudgeting.ceilings import parse_amount, planned
from tenants.ebudgeting.coefficients import (
    CENT,
    Factor,
    coefficient_text,
    foreign_units,
    stored_factors,
    volume_of,
)
from tenants.ebudgeting.messages import _m
from tenants.ebudgeting.models import (
    Account,
    BudgetLine,
    CatalogueItem,
    FiscalYear,
    Payment,
    SubActivity,
)
from tenants.ebudgeting.rules import RuleViolation, Violation, enforce, record_override

from .editing import require_editable
from .lookups import get_sub_activity, line_total, year_of
from .sub_activities import lock_pagu, pagu_violation

# --------------------------------------------------------------------------- lines


def _item_for(session: Session, catalogue_item_id: int, fiscal_year: FiscalYear) -> CatalogueItem:
    item = session.get(CatalogueItem, catalogue_item_id)
    if item is None or not item.is_active:
        raise InvalidInput(
            _m("no catalogue item %(id)s", id=catalogue_item_id),
            {"catalogue_item_id": _m("unknown")},
        )
    if item.status != "approved":
        raise InvalidInput(
            _m(
                "catalogue item %(item)s is %(status)s, not approved by TAPD",
                item=" ".join((item.code, item.name)),
                status=_m(item.status),
            ),
            {"catalogue_item_id": _m("not approved")},
        )
    if item.year != fiscal_year.year:
        raise InvalidInput(
            _m(
                "catalogue item %(code)s is priced for %(priced)s; this budget is %(year)s",
                code=item.code,
                priced=item.year,
                year=fiscal_year.year,
            ),
            {"catalogue_item_id": _m("priced for %(year)s", year=item.year)},
        )
    return item


def _require_accounts(session: Session, codes: set[str]) -> None:
    """Every code is an active level-6 account (one query for a whole batch)."""
    found = set(
        session.scalars(
            select(Account.code).where(
                Account.code.in_(codes), Account.level == 6, Account.is_active
            )
        )
    )
    for code in sorted(codes - found):
        raise InvalidInput(
            _m(
                "%(code)s is not a level-6 account (kode rekening like 5.1.02.01.01.0024)",
                code=code,
            ),
            {"account_code": _m("not a level-6 account")},
        )


@dataclass(frozen=True)
class LineDraft:
    """What a line will be, checked against the rules before anything is written."""

    item: CatalogueItem
    account_code: str
    factors: list[Factor]
    unit_price: Decimal
    description: str

    @property
    def volume(self) -> Decimal:
        return volume_of(self.factors)

    @property
    def amount(self) -> Decimal:
        return (self.volume * self.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


def _catalogue_units(session: Session, year: int) -> set[str]:
    """Every unit the year's catalogue prices by (``Rim``, ``Kotak``, ``OH``)."""
    return set(
        session.scalars(select(CatalogueItem.unit).where(CatalogueItem.year == year).distinct())
    )


def _item_violations(draft: LineDraft, catalogue_units: set[str]) -> list[Violation]:
    """The catalogue's rules for one line: its price, its account and its units."""
    item = draft.item
    label = f"{item.code} {item.name}"
    violations = []
    if foreign := foreign_units(draft.factors, item.unit, catalogue_units):
        violations.append(
            Violation(
                "coefficient_unit",
                "the coefficient counts %(units)s but item %(item)s is priced per %(unit)s",
                {"units": ", ".join(foreign), "item": label, "unit": item.unit},
            )
        )
    if draft.unit_price > item.max_price:
        violations.append(
            Violation(
                "catalogue_price",
                "price %(price)s exceeds the catalogue maximum %(maximum)s for item %(item)s",
                {
                    "price": rupiah(draft.unit_price),
                    "maximum": rupiah(item.max_price),
                    "item": label,
                },
            )
        )
    if draft.account_code not in item.account_codes:
        violations.append(
            Violation(
                "catalogue_account",
                "account %(account)s is not allowed for item %(item)s (allowed: %(allowed)s)",
                {
                    "account": draft.account_code,
                    "item": label,
                    "allowed": ", ".join(item.account_codes),
                },
            )
        )
    return violations


def _line_violations(
    session: Session,
    fiscal_year: FiscalYear,
    sub: SubActivity,
    drafts: Sequence[LineDraft],
    replacing: BudgetLine | None,
) -> list[Violation]:
    """Every rule for lines about to be written (or one replacing ``replacing``)."""
    units = _catalogue_units(session, fiscal_year.year)
    violations = [v for draft in drafts for v in _item_violations(draft, units)]
    adding = sum((d.amount for d in drafts), Decimal(0))
    others = line_total(session, sub.id, replacing.id if replacing else None)
    if others + adding > sub.ceiling:
        violations.append(
            Violation(
                "sub_activity_ceiling",
                "lines of sub-activity %(code)s would total %(total)s, above its ceiling "
                "%(ceiling)s",
                {
                    "code": sub.sub_kegiatan_code,
                    "total": rupiah(others + adding),
                    "ceiling": rupiah(sub.ceiling),
                },
            )
        )
    opd_total = planned(session, fiscal_year, sub.org_unit_id) - (
        replacing.amount if replacing else Decimal(0)
    )
    if violation := pagu_violation(
        session, fiscal_year, sub.org_unit_id, _m("budget lines"), opd_total + adding
    ):
        violations.append(violation)
    return violations


def _paid_floor_violations(
    session: Session, sub: SubActivity, account_code: str, remaining: Decimal
) -> list[Violation]:
    """After the DPA, an account of a sub-activity cannot drop below what it paid."""
    paid = Decimal(
        session.scalar(
            select(func.coalesce(func.sum(Payment.amount), 0)).where(
                Payment.sub_activity_id == sub.id, Payment.account_code == account_code
            )
        )
        or 0
    )
    if remaining >= paid:
        return []
    return [
        Violation(
            "realization_floor",
            "account %(account)s of sub-activity %(code)s would be budgeted %(total)s, below "
            "the %(paid)s already paid",
            {
                "account": account_code,
                "code": sub.sub_kegiatan_code,
                "total": rupiah(remaining),
                "paid": rupiah(paid),
            },
        )
    ]


def _account_total(
    session: Session, sub: SubActivity, account: str, exclude: int | None
) -> Decimal:
    query = select(func.coalesce(func.sum(BudgetLine.amount), 0)).where(
        BudgetLine.sub_activity_id == sub.id, BudgetLine.account_code == account
    )
    if exclude is not None:
        query = query.where(BudgetLine.id != exclude)
    return Decimal(session.scalar(query) or 0)


def _line_public(line: BudgetLine) -> dict[str, Any]:
    return {
        "sub_activity_id": line.sub_activity_id,
        "account_code": line.account_code,
        "catalogue_item_id": line.catalogue_item_id,
        "description": line.description,
        "coefficient": coefficient_text(line.factors),
        "unit_price": str(line.unit_price),
        "amount": str(line.amount),
    }


def _locked_sub(
    session: Session, sub_activity_id: int, actor: Actor
) -> tuple[FiscalYear, SubActivity]:
    """Lock the OPD's pagu row, then the sub-activity row, and check it is editable."""
    sub = get_sub_activity(session, sub_activity_id, actor)
    fiscal_year = year_of(session, sub)
    require_editable(fiscal_year, sub, actor)
    lock_pagu(session, fiscal_year, sub.org_unit_id)
    sub = get_sub_activity(session, sub_activity_id, actor, for_update=True)
    require_editable(fiscal_year, sub, actor)
    return fiscal_year, sub


def _draft(
    session: Session,
    fiscal_year: FiscalYear,
    *,
    catalogue_item_id: int,
    account_code: str,
    factors: Sequence[Factor],
    unit_price: Decimal | None,
    description: str,
    account_checked: bool = False,
) -> LineDraft:
    item = _item_for(session, catalogue_item_id, fiscal_year)
    account_code = account_code.strip()
    if not account_checked:
        _require_accounts(session, {account_code})
    price = item.max_price if unit_price is None else parse_amount(unit_price, "unit_price")
    if price <= 0:
        raise InvalidInput(
            _m("the unit price must be above zero"), {"unit_price": _m("above zero")}
        )
    if len(description) > 500:
        raise InvalidInput(
            _m("the description is too long"), {"description": _m("at most 500 characters")}
        )
    return LineDraft(item, account_code, list(factors), price, description.strip())


@dataclass(frozen=True)
class LineInput:
    """A line as asked for; the unit price defaults to the catalogue maximum."""

    catalogue_item_id: int
    account_code: str
    factors: Sequence[Factor]
    unit_price: Decimal | None = None
    description: str = ""


def add_lines(
    session: Session,
    sub_activity_id: int,
    lines: Sequence[LineInput],
    *,
    actor: Actor,
    override_reason: str | None = None,
) -> list[BudgetLine]:
    """Add several lines at once (an RKA typed in or imported): all of them or none.

    The rules see the lines together: the sub-activity's ceiling and the OPD's
    pagu must hold for their sum, and one override reason covers the batch.
    """
    if not lines:
        return []
    fiscal_year, sub = _locked_sub(session, sub_activity_id, actor)
    _require_accounts(session, {line.account_code.strip() for line in lines})
    drafts = [
        _draft(
            session,
            fiscal_year,
            catalogue_item_id=line.catalogue_item_id,
            account_code=line.account_code,
            factors=line.factors,
            unit_price=line.unit_price,
            description=line.description,
            account_checked=True,
        )
        for line in lines
    ]
    violations = _line_violations(session, fiscal_year, sub, drafts, None)
    override = enforce(violations, may_override=actor.may_override, reason=override_reason)
    created = [
        BudgetLine(
            sub_activity_id=sub.id,
            account_code=draft.account_code,
            catalogue_item_id=draft.item.id,
            description=draft.description,
            factors=stored_factors(draft.factors),
            volume=draft.volume,
            unit=" x ".join(f.unit for f in draft.factors),
            unit_price=draft.unit_price,
            amount=draft.amount,
            override_note=override.note if override else None,
            created_by=actor.label,
        )
        for draft in drafts
    ]
    session.add_all(created)
    session.flush()
    for line in created:
        record_audit(
            session,
            actor=actor.label,
            action="ebudgeting.line.create",
            entity="eb_budget_line",
            entity_id=line.id,
            after=_line_public(line),
        )
        record_override(
            session, override, actor=actor.label, entity="eb_budget_line", entity_id=line.id
        )
    return created


def add_line(
    session: Session,
    sub_activity_id: int,
    *,
    catalogue_item_id: int,
    account_code: str,
    factors: Sequence[Factor],
    unit_price: Decimal | None = None,
    description: str = "",
    actor: Actor,
    override_reason: str | None = None,
) -> BudgetLine:
    """Add one line; the unit price defaults to the catalogue maximum."""
    line = LineInput(catalogue_item_id, account_code, factors, unit_price, description)
    return add_lines(
        session, sub_activity_id, [line], actor=actor, override_reason=override_reason
    )[0]


def update_line(
    session: Session,
    line: BudgetLine,
    *,
    actor: Actor,
    catalogue_item_id: int | None = None,
    account_code: str | None = None,
    factors: Sequence[Factor] | None = None,
    unit_price: Decimal | None = None,
    description: str | None = None,
    override_reason: str | None = None,
) -> BudgetLine:
    """Change a line (None keeps a field); every rule is checked again."""
    fiscal_year, sub = _locked_sub(session, line.sub_activity_id, actor)
    session.refresh(line)
    stored = [Factor(Decimal(f["quantity"]), f["unit"]) for f in line.factors]
    draft = _draft(
        session,
        fiscal_year,
        catalogue_item_id=line.catalogue_item_id
        if catalogue_item_id is None
        else catalogue_item_id,
        account_code=line.account_code if account_code is None else account_code,
        factors=stored if factors is None else factors,
        unit_price=line.unit_price if unit_price is None else unit_price,
        description=line.description if description is None else description,
    )
    violations = _line_violations(session, fiscal_year, sub, [draft], line)
    remaining = _account_total(session, sub, line.account_code, line.id) + (
        draft.amount if draft.account_code == line.account_code else Decimal(0)
    )
    violations += _paid_floor_violations(session, sub, line.account_code, remaining)
    override = enforce(violations, may_override=actor.may_override, reason=override_reason)
    before = _line_public(line)
    line.catalogue_item_id = draft.item.id
    line.account_code = draft.account_code
    line.factors = stored_factors(draft.factors)
    line.volume = draft.volume
    line.unit = " x ".join(f.unit for f in draft.factors)
    line.unit_price = draft.unit_price
    line.amount = draft.amount
    line.description = draft.description
    line.override_note = override.note if override else None
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.line.update",
        entity="eb_budget_line",
        entity_id=line.id,
        before=before,
        after=_line_public(line),
    )
    record_override(
        session, override, actor=actor.label, entity="eb_budget_line", entity_id=line.id
    )
    return line


def delete_line(session: Session, line: BudgetLine, *, actor: Actor) -> None:
    _, sub = _locked_sub(session, line.sub_activity_id, actor)
    remaining = _account_total(session, sub, line.account_code, line.id)
    if problems := _paid_floor_violations(session, sub, line.account_code, remaining):
        raise RuleViolation(problems)
    before = _line_public(line)
    line_id = line.id
    session.execute(delete(BudgetLine).where(BudgetLine.id == line_id))
    session.expunge(line)
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.line.delete",
        entity="eb_budget_line",
        entity_id=line_id,
        before=before,
    )
