"""The standard price catalogue as a regency uses it: search, and its own items.

Central items arrive with the reference data. A regency may need an item the
central catalogue lacks (a local material, a local fee): an OPD proposes it,
and it can be used in budget lines only once the regency's TAPD approved it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from smartcity.toolkit import Conflict, InvalidInput, NotFound, record_audit
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tenants.ebudgeting.messages import _m

from .access import APPROVE_ITEM, PROPOSE_ITEM, Actor
from .ceilings import parse_amount
from .models import Account, CatalogueItem
from .reference import KINDS

LOCAL_PREFIX = "LOKAL"


def search(
    session: Session,
    year: int,
    *,
    q: str = "",
    kind: str | None = None,
    account_code: str | None = None,
    include_pending: bool = False,
    limit: int = 50,
) -> list[CatalogueItem]:
    """Items usable in ``year`` matching ``q`` (name, specification or code)."""
    query = select(CatalogueItem).where(CatalogueItem.year == year, CatalogueItem.is_active)
    if not include_pending:
        query = query.where(CatalogueItem.status == "approved")
    if kind:
        query = query.where(CatalogueItem.kind == kind)
    if account_code:
        query = query.where(CatalogueItem.account_codes.contains([account_code]))
    text = q.strip()[:100]
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(
            or_(
                CatalogueItem.name.ilike(pattern),
                CatalogueItem.specification.ilike(pattern),
                CatalogueItem.code.ilike(pattern),
            )
        )
    return list(
        session.scalars(query.order_by(CatalogueItem.kind, CatalogueItem.name).limit(limit))
    )


def get_item(session: Session, item_id: int) -> CatalogueItem:
    item = session.get(CatalogueItem, item_id)
    if item is None:
        raise NotFound(
            _m("no catalogue item %(id)s", id=item_id), {"catalogue_item_id": _m("unknown")}
        )
    return item


def pending(session: Session) -> list[CatalogueItem]:
    return list(
        session.scalars(
            select(CatalogueItem)
            .where(CatalogueItem.status == "proposed")
            .order_by(CatalogueItem.created_at)
        )
    )


def propose_item(
    session: Session,
    *,
    year: int,
    kind: str,
    name: str,
    specification: str,
    unit: str,
    max_price: Decimal,
    account_codes: Sequence[str],
    actor: Actor,
) -> CatalogueItem:
    """A regency's own item, waiting for TAPD; its code is ``LOKAL-<year>-<n>``."""
    actor.require(PROPOSE_ITEM)
    problems: dict[str, str] = {}
    name, specification, unit = name.strip(), specification.strip(), unit.strip()
    if kind not in KINDS:
        problems["kind"] = _m("one of: %(choices)s", choices=", ".join(KINDS))
    if not name or len(name) > 300:
        problems["name"] = _m("required, at most 300 characters")
    if len(specification) > 500:
        problems["specification"] = _m("at most 500 characters")
    if not unit or len(unit) > 40:
        problems["unit"] = _m("required, at most 40 characters")
    if not 2000 <= year <= 2100:
        problems["year"] = _m("a budget year")
    codes = sorted({c.strip() for c in account_codes if c.strip()})
    known = set(
        session.scalars(
            select(Account.code).where(
                Account.code.in_(codes), Account.level == 6, Account.is_active
            )
        )
    )
    if not codes:
        problems["account_codes"] = _m("at least one level-6 account")
    elif unknown := [c for c in codes if c not in known]:
        problems["account_codes"] = _m("not level-6 accounts: %(codes)s", codes=", ".join(unknown))
    if problems:
        raise InvalidInput(_m("the catalogue item is not valid"), problems)
    price = parse_amount(max_price, "max_price")
    if price <= 0:
        raise InvalidInput(
            _m("the maximum price must be above zero"), {"max_price": _m("above zero")}
        )
    duplicate = session.scalar(
        select(CatalogueItem.code).where(
            CatalogueItem.year == year,
            CatalogueItem.status != "rejected",
            CatalogueItem.is_active,
            func.lower(CatalogueItem.name) == name.lower(),
            func.lower(CatalogueItem.specification) == specification.lower(),
            func.lower(CatalogueItem.unit) == unit.lower(),
        )
    )
    if duplicate is not None:
        raise Conflict(
            _m(
                "the catalogue already has this item for %(year)s: %(code)s",
                year=year,
                code=duplicate,
            ),
            {"name": _m("already %(code)s", code=duplicate)},
        )
    sequence = session.scalar(
        select(func.count())
        .select_from(CatalogueItem)
        .where(CatalogueItem.year == year, CatalogueItem.source == "local")
    )
    item = CatalogueItem(
        year=year,
        code=f"{LOCAL_PREFIX}-{year}-{(sequence or 0) + 1:04d}",
        kind=kind,
        name=name,
        specification=specification,
        unit=unit,
        max_price=price,
        account_codes=codes,
        source="local",
        status="proposed",
        proposed_by=actor.label,
        is_active=True,
    )
    session.add(item)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.catalogue.propose",
        entity="eb_catalogue_item",
        entity_id=item.id,
        after={"code": item.code, "name": name, "max_price": str(price), "accounts": codes},
    )
    return item


def decide_item(
    session: Session, item: CatalogueItem, *, approve: bool, note: str | None, actor: Actor
) -> CatalogueItem:
    """TAPD approves a proposed item (it becomes usable) or rejects it, saying why."""
    actor.require(APPROVE_ITEM)
    if item.status != "proposed":
        raise Conflict(
            _m("item %(code)s is already %(status)s", code=item.code, status=_m(item.status)),
            {"status": _m(item.status)},
        )
    text = (note or "").strip()
    if not approve and len(text) < 3:
        raise InvalidInput(
            _m("say why the item is rejected"), {"note": _m("required when rejecting")}
        )
    item.status = "approved" if approve else "rejected"
    item.decided_by, item.decision_note = actor.label, text or None
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action=f"ebudgeting.catalogue.{'approve' if approve else 'reject'}",
        entity="eb_catalogue_item",
        entity_id=item.id,
        before={"status": "proposed"},
        after={"status": item.status, "note": item.decision_note},
    )
    return item
