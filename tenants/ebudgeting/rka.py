"""RKA drafting: sub-activities of an OPD and their lines.

A line is a catalogue item x a coefficient (``2 orang x 3 hari``) x a unit
price. The services here enforce the budget rules (see rules.py) and lock the
OPD's pagu row, then the sub-activity row, before checking totals, so two
people drafting at once cannot together exceed a ceiling.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from smartcity.toolkit import Conflict, InvalidInput, NotFound, number, record_audit, rupiah
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload

from .access import DRAFT, REVIEW, Actor
from .ceilings import allocated, ceiling_of, get_opd, parse_amount, planned
from .codes import code_violations
from .models import (
    Account,
    BudgetLine,
    CatalogueItem,
    FiscalYear,
    Nomenclature,
    Payment,
    SubActivity,
)
from .rules import N_, RuleViolation, Violation, enforce, record_override
from .years import require_drafting

FUNDING_SOURCES = (
    "PAD",
    "DAU",
    "DAK Fisik",
    "DAK Non Fisik",
    "DBH",
    "DID",
    "Bantuan Keuangan Provinsi",
    "BLUD",
    "Pinjaman Daerah",
    "Lain-lain Pendapatan yang Sah",
)
MAX_FACTORS = 4
CENT = Decimal("0.01")
VOLUME_PLACES = Decimal("0.0001")
MAX_QUANTITY = Decimal(1_000_000_000)
_FACTOR_TEXT = re.compile(r"^\s*([0-9][0-9.,]*)\s+(.+?)\s*$")


# --------------------------------------------------------------------------- coefficients


@dataclass(frozen=True)
class Factor:
    """One factor of a coefficient: ``2 orang``."""

    quantity: Decimal
    unit: str


def parse_factors(raw: Sequence[Any]) -> list[Factor]:
    """Factors from ``[{"quantity": 2, "unit": "orang"}, ...]`` (1-4 of them)."""
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not 1 <= len(raw) <= MAX_FACTORS:
        raise InvalidInput(
            f"a coefficient has 1 to {MAX_FACTORS} factors", {"factors": "1 to 4 factors"}
        )
    factors = []
    for index, item in enumerate(raw, start=1):
        data = item if isinstance(item, dict) else {}
        unit = str(data.get("unit", "")).strip()
        try:
            quantity = Decimal(str(data.get("quantity", "")).strip())
        except InvalidOperation:
            quantity = Decimal(0)
        if (
            not quantity.is_finite()
            or not 0 < quantity <= MAX_QUANTITY
            or quantity != quantity.quantize(VOLUME_PLACES)
        ):
            raise InvalidInput(
                f"factor {index}: quantity {data.get('quantity')!r} must be a positive number",
                {f"factors.{index}": "a positive quantity, at most 4 decimals"},
            )
        if not unit or len(unit) > 30:
            raise InvalidInput(
                f"factor {index}: a unit (orang, hari, paket...) of at most 30 characters",
                {f"factors.{index}": "unit required"},
            )
        factors.append(Factor(quantity.normalize(), unit))
    return factors


def parse_coefficient(text: str) -> list[Factor]:
    """``"2 orang x 3 hari"`` -> factors (Indonesian decimals ``2,5`` accepted)."""
    parts = [p for p in re.split(r"\s+[xX\u00d7]\s+", text.strip()) if p]
    raw: list[dict[str, str]] = []
    for part in parts:
        match = _FACTOR_TEXT.match(part)
        if match is None:
            raise InvalidInput(
                f"{part!r} is not a factor like '2 orang'", {"coefficient": "like 2 orang x 3 hari"}
            )
        quantity = match.group(1)
        if "," in quantity:  # Indonesian: 1.500,5 -> 1500.5
            quantity = quantity.replace(".", "").replace(",", ".")
        elif re.fullmatch(r"\d{1,3}(\.\d{3})+", quantity):  # 1.500 -> 1500
            quantity = quantity.replace(".", "")
        raw.append({"quantity": quantity, "unit": match.group(2)})
    return parse_factors(raw)


def coefficient_text(factors: Sequence[dict[str, Any]] | Sequence[Factor]) -> str:
    """``2 orang x 3 hari`` as people write it."""
    pairs = [
        (f.quantity, f.unit) if isinstance(f, Factor) else (Decimal(f["quantity"]), f["unit"])
        for f in factors
    ]
    return " x ".join(f"{number(q)} {u}" for q, u in pairs)


def _stored(factors: Sequence[Factor]) -> list[dict[str, str]]:
    return [{"quantity": str(f.quantity), "unit": f.unit} for f in factors]


def _volume(factors: Sequence[Factor]) -> Decimal:
    volume = Decimal(1)
    for factor in factors:
        volume *= factor.quantity
    return volume.quantize(VOLUME_PLACES, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- lookups


def get_sub_activity(
    session: Session, sub_activity_id: int, actor: Actor, *, for_update: bool = False
) -> SubActivity:
    """A sub-activity the actor may see; another OPD's is as absent as a missing one."""
    query = select(SubActivity).where(SubActivity.id == sub_activity_id)
    if for_update:
        # populate_existing: the row as it is now that we hold its lock
        query = query.with_for_update(of=SubActivity).execution_options(populate_existing=True)
    sub = session.scalar(query)
    if sub is None or not actor.sees_unit(sub.org_unit_id):
        raise NotFound(f"no sub-activity {sub_activity_id}", {"sub_activity_id": "unknown"})
    return sub


def get_line(session: Session, line_id: int, actor: Actor) -> BudgetLine:
    line = session.get(BudgetLine, line_id)
    if line is None:
        raise NotFound(f"no budget line {line_id}", {"line_id": "unknown"})
    get_sub_activity(session, line.sub_activity_id, actor)
    return line


def sub_activities(
    session: Session, fiscal_year: FiscalYear, actor: Actor, org_unit_id: int | None = None
) -> list[tuple[SubActivity, Decimal, int]]:
    """Sub-activities with their lines' total and count, in code order."""
    totals = (
        select(
            BudgetLine.sub_activity_id.label("sid"),
            func.sum(BudgetLine.amount).label("total"),
            func.count().label("lines"),
        )
        .group_by(BudgetLine.sub_activity_id)
        .subquery()
    )
    query = (
        select(SubActivity, totals.c.total, totals.c.lines)
        .outerjoin(totals, totals.c.sid == SubActivity.id)
        .where(SubActivity.fiscal_year_id == fiscal_year.id)
        .order_by(SubActivity.org_unit_id, SubActivity.sub_kegiatan_code)
    )
    if org_unit_id is not None:
        query = query.where(SubActivity.org_unit_id == org_unit_id)
    if actor.unit_ids is not None:
        query = query.where(SubActivity.org_unit_id.in_(actor.unit_ids))
    return [
        (sub, Decimal(total or 0), int(count or 0)) for sub, total, count in session.execute(query)
    ]


def lines_of(session: Session, sub: SubActivity) -> list[BudgetLine]:
    return list(
        session.scalars(
            select(BudgetLine)
            .options(joinedload(BudgetLine.item))
            .where(BudgetLine.sub_activity_id == sub.id)
            .order_by(BudgetLine.account_code, BudgetLine.id)
        )
    )


def line_total(session: Session, sub_activity_id: int, exclude_line: int | None = None) -> Decimal:
    query = select(func.coalesce(func.sum(BudgetLine.amount), 0)).where(
        BudgetLine.sub_activity_id == sub_activity_id
    )
    if exclude_line is not None:
        query = query.where(BudgetLine.id != exclude_line)
    return Decimal(session.scalar(query) or 0)


def account_names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(
        session.execute(select(Account.code, Account.name).where(Account.code.in_(codes))).all()
    )


# --------------------------------------------------------------------------- editability


def require_editable(fiscal_year: FiscalYear, sub: SubActivity, actor: Actor) -> None:
    """Locked plans change for nobody; submitted ones only for TAPD verifying them."""
    actor.require(DRAFT)
    actor.require_unit(sub.org_unit_id)
    require_drafting(fiscal_year)
    if sub.status == "locked":
        raise RuleViolation(
            [
                Violation(
                    "locked",
                    "sub-activity %(code)s was locked by TAPD: it cannot be changed",
                    {"code": sub.sub_kegiatan_code},
                )
            ]
        )
    if sub.status == "submitted" and not actor.can(REVIEW):
        raise Conflict(
            f"sub-activity {sub.sub_kegiatan_code} is submitted for TAPD's review: "
            "it can be changed again once TAPD returns it",
            {"status": "submitted"},
        )


def _year_of(session: Session, sub: SubActivity) -> FiscalYear:
    fiscal_year = session.get(FiscalYear, sub.fiscal_year_id)
    assert fiscal_year is not None  # noqa: S101 - a foreign key
    return fiscal_year


# --------------------------------------------------------------------------- sub-activities


def _check_sub_fields(
    *,
    output_indicator: str,
    target: Decimal,
    target_unit: str,
    location: str,
    funding_source: str,
) -> None:
    problems: dict[str, str] = {}
    if not output_indicator.strip() or len(output_indicator) > 400:
        problems["output_indicator"] = "required, at most 400 characters"
    if not target.is_finite() or target <= 0 or target > MAX_QUANTITY:
        problems["target"] = "a positive number"
    if not target_unit.strip() or len(target_unit) > 60:
        problems["target_unit"] = "required, at most 60 characters"
    if not location.strip() or len(location) > 200:
        problems["location"] = "required, at most 200 characters"
    if funding_source not in FUNDING_SOURCES:
        problems["funding_source"] = f"one of: {', '.join(FUNDING_SOURCES)}"
    if problems:
        raise InvalidInput("the sub-activity is not valid", problems)


def _pagu_violation(
    session: Session, fiscal_year: FiscalYear, org_unit_id: int, what: str, total: Decimal
) -> Violation | None:
    unit = get_opd(session, org_unit_id)
    ceiling = ceiling_of(session, fiscal_year, org_unit_id)
    pagu = ceiling.amount if ceiling is not None else Decimal(0)
    if total <= pagu:
        return None
    return Violation(
        "opd_pagu",
        "%(what)s of %(opd)s would total %(total)s, above its pagu %(pagu)s for %(year)s",
        {
            "what": what,
            "opd": unit.name,
            "total": rupiah(total),
            "pagu": rupiah(pagu),
            "year": str(fiscal_year.year),
        },
    )


def _lock_pagu(session: Session, fiscal_year: FiscalYear, org_unit_id: int) -> None:
    ceiling_of(session, fiscal_year, org_unit_id, for_update=True)


def create_sub_activity(
    session: Session,
    fiscal_year: FiscalYear,
    *,
    org_unit_id: int,
    sub_kegiatan_code: str,
    output_indicator: str | None,
    target: Decimal,
    target_unit: str | None,
    location: str,
    funding_source: str,
    ceiling: Decimal,
    actor: Actor,
    override_reason: str | None = None,
) -> SubActivity:
    actor.require(DRAFT)
    actor.require_unit(org_unit_id)
    require_drafting(fiscal_year)
    unit = get_opd(session, org_unit_id)
    code = sub_kegiatan_code.strip()
    if problems := code_violations(code, "sub_kegiatan"):
        raise RuleViolation(problems)
    node = session.scalar(select(Nomenclature).where(Nomenclature.code == code))
    if node is None or not node.is_active:
        raise InvalidInput(
            f"sub kegiatan {code} is not in the current code tree", {"sub_kegiatan_code": "unknown"}
        )
    indicator = (output_indicator or node.indicator or "").strip()
    unit_of_target = (target_unit or node.indicator_unit or "").strip()
    ceiling = parse_amount(ceiling, "ceiling")
    _check_sub_fields(
        output_indicator=indicator,
        target=target,
        target_unit=unit_of_target,
        location=location,
        funding_source=funding_source,
    )
    _lock_pagu(session, fiscal_year, unit.id)
    clash = select(SubActivity.id).where(
        SubActivity.fiscal_year_id == fiscal_year.id,
        SubActivity.org_unit_id == unit.id,
        SubActivity.sub_kegiatan_code == code,
    )
    if session.scalar(clash) is not None:
        raise Conflict(
            f"{unit.name} already budgets sub kegiatan {code} in {fiscal_year.year}",
            {"sub_kegiatan_code": "already budgeted"},
        )
    violation = _pagu_violation(
        session,
        fiscal_year,
        unit.id,
        N_("sub-activity ceilings"),
        allocated(session, fiscal_year, unit.id) + ceiling,
    )
    override = enforce(
        [violation] if violation else [], may_override=actor.may_override, reason=override_reason
    )
    sub = SubActivity(
        fiscal_year_id=fiscal_year.id,
        org_unit_id=unit.id,
        sub_kegiatan_code=code,
        output_indicator=indicator,
        target=target,
        target_unit=unit_of_target,
        location=location.strip(),
        funding_source=funding_source,
        ceiling=ceiling,
        status="draft",
        created_by=actor.label,
    )
    session.add(sub)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.sub_activity.create",
        entity="eb_sub_activity",
        entity_id=sub.id,
        after=_sub_public(sub),
    )
    record_override(
        session, override, actor=actor.label, entity="eb_sub_activity", entity_id=sub.id
    )
    return sub


def _sub_public(sub: SubActivity) -> dict[str, Any]:
    return {
        "org_unit_id": sub.org_unit_id,
        "code": sub.sub_kegiatan_code,
        "output_indicator": sub.output_indicator,
        "target": str(sub.target),
        "target_unit": sub.target_unit,
        "location": sub.location,
        "funding_source": sub.funding_source,
        "ceiling": str(sub.ceiling),
        "status": sub.status,
    }


def update_sub_activity(
    session: Session,
    sub: SubActivity,
    *,
    actor: Actor,
    output_indicator: str | None = None,
    target: Decimal | None = None,
    target_unit: str | None = None,
    location: str | None = None,
    funding_source: str | None = None,
    ceiling: Decimal | None = None,
    override_reason: str | None = None,
) -> SubActivity:
    """Change what was given (None keeps a field); the code and OPD never change."""
    fiscal_year = _year_of(session, sub)
    require_editable(fiscal_year, sub, actor)
    _lock_pagu(session, fiscal_year, sub.org_unit_id)
    sub = get_sub_activity(session, sub.id, actor, for_update=True)
    require_editable(fiscal_year, sub, actor)  # the status may have changed meanwhile
    before = _sub_public(sub)
    new_ceiling = sub.ceiling if ceiling is None else parse_amount(ceiling, "ceiling")
    new_indicator = sub.output_indicator if output_indicator is None else output_indicator
    new_target = sub.target if target is None else target
    new_target_unit = sub.target_unit if target_unit is None else target_unit
    new_location = sub.location if location is None else location
    new_funding = sub.funding_source if funding_source is None else funding_source
    _check_sub_fields(
        output_indicator=new_indicator,
        target=new_target,
        target_unit=new_target_unit,
        location=new_location,
        funding_source=new_funding,
    )
    violations = []
    if new_ceiling != sub.ceiling:
        lines = line_total(session, sub.id)
        if lines > new_ceiling:
            violations.append(
                Violation(
                    "sub_activity_ceiling",
                    "ceiling %(ceiling)s of sub-activity %(code)s is below its lines' "
                    "total %(total)s",
                    {
                        "ceiling": rupiah(new_ceiling),
                        "code": sub.sub_kegiatan_code,
                        "total": rupiah(lines),
                    },
                )
            )
        others = allocated(session, fiscal_year, sub.org_unit_id) - sub.ceiling
        if violation := _pagu_violation(
            session, fiscal_year, sub.org_unit_id, N_("sub-activity ceilings"), others + new_ceiling
        ):
            violations.append(violation)
    override = enforce(violations, may_override=actor.may_override, reason=override_reason)
    sub.output_indicator = new_indicator.strip()
    sub.target = new_target
    sub.target_unit = new_target_unit.strip()
    sub.location = new_location.strip()
    sub.funding_source = new_funding
    sub.ceiling = new_ceiling
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.sub_activity.update",
        entity="eb_sub_activity",
        entity_id=sub.id,
        before=before,
        after=_sub_public(sub),
    )
    record_override(
        session, override, actor=actor.label, entity="eb_sub_activity", entity_id=sub.id
    )
    return sub


def delete_sub_activity(session: Session, sub: SubActivity, *, actor: Actor) -> None:
    """Only a plan nothing was paid from; its lines, notes and cash plan go with it."""
    fiscal_year = _year_of(session, sub)
    require_editable(fiscal_year, sub, actor)
    if session.scalar(select(Payment.id).where(Payment.sub_activity_id == sub.id).limit(1)):
        raise Conflict(
            f"sub-activity {sub.sub_kegiatan_code} has payments: it cannot be deleted",
            {"sub_activity_id": "has payments"},
        )
    before = _sub_public(sub)
    sub_id = sub.id
    session.delete(sub)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.sub_activity.delete",
        entity="eb_sub_activity",
        entity_id=sub_id,
        before=before,
    )


# --------------------------------------------------------------------------- lines


def _item_for(session: Session, catalogue_item_id: int, fiscal_year: FiscalYear) -> CatalogueItem:
    item = session.get(CatalogueItem, catalogue_item_id)
    if item is None or not item.is_active:
        raise InvalidInput(
            f"no catalogue item {catalogue_item_id}", {"catalogue_item_id": "unknown"}
        )
    if item.status != "approved":
        raise InvalidInput(
            f"catalogue item {item.code} {item.name} is {item.status}, not approved by TAPD",
            {"catalogue_item_id": f"{item.status}, not approved"},
        )
    if item.year != fiscal_year.year:
        raise InvalidInput(
            f"catalogue item {item.code} is priced for {item.year}; this budget is "
            f"{fiscal_year.year}",
            {"catalogue_item_id": f"priced for {item.year}"},
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
            f"{code} is not a level-6 account (kode rekening like 5.1.02.01.01.0024)",
            {"account_code": "not a level-6 account"},
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
        return _volume(self.factors)

    @property
    def amount(self) -> Decimal:
        return (self.volume * self.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


def _item_violations(draft: LineDraft) -> list[Violation]:
    """The catalogue's rules for one line: its price and its account."""
    item = draft.item
    label = f"{item.code} {item.name}"
    violations = []
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
    violations = [v for draft in drafts for v in _item_violations(draft)]
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
    if violation := _pagu_violation(
        session, fiscal_year, sub.org_unit_id, N_("budget lines"), opd_total + adding
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
    fiscal_year = _year_of(session, sub)
    require_editable(fiscal_year, sub, actor)
    _lock_pagu(session, fiscal_year, sub.org_unit_id)
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
        raise InvalidInput("the unit price must be above zero", {"unit_price": "above zero"})
    if len(description) > 500:
        raise InvalidInput("the description is too long", {"description": "at most 500 characters"})
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
            factors=_stored(draft.factors),
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
    line.factors = _stored(draft.factors)
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
