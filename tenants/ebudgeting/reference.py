"""Reference data: the code tree, the accounts and the standard price catalogue.

Declared as the core's reference datasets (``ebudgeting.accounts``,
``ebudgeting.nomenclature``, ``ebudgeting.catalogue``): the platform publishes
the CSV files shipped in ``data/`` (or a newer edition an operator publishes
with ``smartcity sync publish-reference``), pushes each regency that enabled the
app to the latest version inside its role, and records the version it holds.

A bad edition is refused whole at publication, naming every bad row, before
any regency sees it. Applying a new version updates rows in place (codes are
stable identifiers that budget lines refer to), and rows the new version
dropped are deactivated, never deleted.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from importlib.resources import files
from typing import Any

from smartcity.toolkit import Changes, Dataset, DatasetRow, InvalidInput, parse_number
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from tenants.ebudgeting.messages import _m

from .codes import LEVELS, account_level, account_parent, account_violations, code_violations
from .codes import parent_code as nomenclature_parent
from .models import Account, CatalogueItem, Nomenclature

KINDS = {
    "SSH": "Standar Satuan Harga",
    "SBU": "Standar Biaya Umum",
    "HSPK": "Harga Satuan Pokok Kegiatan",
    "ASB": "Analisis Standar Belanja",
}
MAX_PROBLEMS = 50
#: The first data row of a CSV is its line 2 (line 1 is the header).
FIRST_ROW = 2


def shipped(name: str) -> Callable[[], list[DatasetRow]]:
    """Reads ``data/<name>.csv`` as shipped with this release."""

    def read() -> list[DatasetRow]:
        text = files("tenants.ebudgeting").joinpath(f"data/{name}.csv").read_text("utf-8")
        return [dict(row) for row in csv.DictReader(text.splitlines())]

    return read


def _text(row: DatasetRow, key: str, limit: int) -> str:
    return str(row.get(key) or "").strip()[:limit]


def _refuse(name: str, problems: dict[str, str]) -> None:
    if problems:
        shown = dict(list(problems.items())[:MAX_PROBLEMS])
        first = next(iter(shown.items()))
        raise InvalidInput(
            _m(
                "reference dataset %(name)s is refused: %(count)s bad row(s), first %(row)s: "
                "%(problem)s",
                name=name,
                count=len(problems),
                row=first[0],
                problem=first[1],
            ),
            shown,
        )


def _upsert(
    session: Session, model: Any, rows: Sequence[dict[str, Any]], keys: list[str], where: Any
) -> None:
    if not rows:
        return
    stmt = insert(model)
    columns = [c for c in rows[0] if c not in keys]
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=keys, set_={c: stmt.excluded[c] for c in columns}, where=where
        ),
        list(rows),
    )


def _changes(before: set[Any], after: set[Any]) -> Changes:
    """Codes a version added and retired (what the audit entry and the CLI show)."""
    changes: Changes = {}
    if added := sorted(map(str, after - before)):
        changes["added"] = added
    if retired := sorted(map(str, before - after)):
        changes["retired"] = retired
    return changes


# --------------------------------------------------------------------------- code tree


def normalize_nomenclature(rows: Iterable[DatasetRow]) -> list[DatasetRow]:
    problems: dict[str, str] = {}
    seen: set[str] = set()
    clean: list[DatasetRow] = []
    for number, row in enumerate(rows, start=FIRST_ROW):
        code, level, name = _text(row, "code", 30), _text(row, "level", 12), _text(row, "name", 400)
        parent = nomenclature_parent(code)
        if level not in LEVELS:
            problems[f"row {number}"] = f"level {level!r} is not one of {', '.join(LEVELS)}"
        elif violations := code_violations(code, level, parent):
            problems[f"row {number}"] = "; ".join(v.text for v in violations)
        elif parent is not None and parent not in seen:
            problems[f"row {number}"] = f"code {code}: its parent {parent} is not listed before it"
        elif code in seen:
            problems[f"row {number}"] = f"code {code} is listed twice"
        elif not name:
            problems[f"row {number}"] = f"code {code} has no name"
        seen.add(code)
        clean.append(
            {
                "code": code,
                "level": level,
                "name": name,
                "indicator": _text(row, "indicator", 400),
                "indicator_unit": _text(row, "indicator_unit", 60),
            }
        )
    _refuse("ebudgeting.nomenclature", problems)
    return clean


def apply_nomenclature(session: Session, rows: list[DatasetRow], version: str) -> Changes:
    held = set(
        session.scalars(
            select(Nomenclature.code).where(
                Nomenclature.source == "central", Nomenclature.is_active
            )
        )
    )
    _upsert(
        session,
        Nomenclature,
        [
            {
                "code": r["code"],
                "level": r["level"],
                "name": r["name"],
                "parent_code": nomenclature_parent(r["code"]),
                "indicator": r["indicator"] or None,
                "indicator_unit": r["indicator_unit"] or None,
                "source": "central",
                "source_version": version,
                "is_active": True,
            }
            for r in rows
        ],
        ["code"],
        None,
    )
    codes = {r["code"] for r in rows}
    session.execute(
        update(Nomenclature)
        .where(Nomenclature.source == "central", Nomenclature.code.not_in(codes))
        .values(is_active=False)
    )
    session.expire_all()
    return _changes(held, codes)


# --------------------------------------------------------------------------- accounts


def normalize_accounts(rows: Iterable[DatasetRow]) -> list[DatasetRow]:
    problems: dict[str, str] = {}
    seen: set[str] = set()
    clean: list[DatasetRow] = []
    for number, row in enumerate(rows, start=FIRST_ROW):
        code, name = _text(row, "code", 30), _text(row, "name", 300)
        parent = account_parent(code)
        if violations := account_violations(code, parent):
            problems[f"row {number}"] = "; ".join(v.text for v in violations)
        elif parent is not None and parent not in seen:
            problems[f"row {number}"] = (
                f"account {code}: its parent {parent} is not listed before it"
            )
        elif code in seen:
            problems[f"row {number}"] = f"account {code} is listed twice"
        elif not name:
            problems[f"row {number}"] = f"account {code} has no name"
        seen.add(code)
        clean.append({"code": code, "name": name})
    _refuse("ebudgeting.accounts", problems)
    return clean


def apply_accounts(session: Session, rows: list[DatasetRow], version: str) -> Changes:
    held = set(session.scalars(select(Account.code).where(Account.is_active)))
    _upsert(
        session,
        Account,
        [
            {
                "code": r["code"],
                "level": account_level(r["code"]) or 0,
                "name": r["name"],
                "parent_code": account_parent(r["code"]),
                "source_version": version,
                "is_active": True,
            }
            for r in rows
        ],
        ["code"],
        None,
    )
    codes = {r["code"] for r in rows}
    session.execute(update(Account).where(Account.code.not_in(codes)).values(is_active=False))
    session.expire_all()
    return _changes(held, codes)


# --------------------------------------------------------------------------- catalogue


def parse_price(text: str) -> Decimal | None:
    """A positive amount with at most two decimals (smartcity.money's grammar), or None."""
    price = parse_number(text, places=2, currency=True)
    return price if price is not None and price > 0 else None


def normalize_catalogue(rows: Iterable[DatasetRow]) -> list[DatasetRow]:
    """Every row's own rules; whether its accounts exist is checked where it applies.

    Idempotent (normalizing a normalized edition gives it back unchanged), as
    every dataset's normalize must be: the checksum that says "already
    published" is taken over its output.
    """
    problems: dict[str, str] = {}
    seen: set[tuple[int, str]] = set()
    clean: list[DatasetRow] = []
    for number, row in enumerate(rows, start=FIRST_ROW):
        where = f"row {number}"
        year_text, code = _text(row, "year", 10), str(row.get("code") or "").strip()
        year = int(year_text) if year_text.isdecimal() else 0
        price = parse_price(str(row.get("max_price") or ""))
        listed = row.get("accounts") or ""
        # A CSV cell lists accounts "a;b"; a published row (normalized once) a JSON list.
        parts = listed if isinstance(listed, list) else str(listed).split(";")
        accounts = [str(a).strip() for a in parts if str(a).strip()]
        kind = str(row.get("kind") or "")
        if not 2000 <= year <= 2100:
            problems[where] = f"year {year_text!r} is not a budget year"
        elif not code or len(code) > 60:
            problems[where] = "the code is missing or longer than 60 characters"
        elif (year, code) in seen:
            problems[where] = f"item {code} is listed twice for {year}"
        elif kind not in KINDS:
            problems[where] = f"kind {kind!r} is not one of {', '.join(KINDS)}"
        elif price is None:
            problems[where] = f"maximum price {row.get('max_price')!r} is not a positive amount"
        elif not accounts:
            problems[where] = f"item {code} allows no account"
        elif not _text(row, "name", 300) or not _text(row, "unit", 40):
            problems[where] = f"item {code} needs a name and a unit"
        seen.add((year, code))
        clean.append(
            {
                "year": year,
                "code": code,
                "kind": kind,
                "name": _text(row, "name", 300),
                "specification": _text(row, "specification", 500),
                "unit": _text(row, "unit", 40),
                # A string in the published JSON, so the checksum never sees a float.
                "max_price": str(price),
                "accounts": accounts,
            }
        )
    _refuse("ebudgeting.catalogue", problems)
    return clean


def apply_catalogue(session: Session, rows: list[DatasetRow], version: str) -> Changes:
    level6 = set(session.scalars(select(Account.code).where(Account.level == 6, Account.is_active)))
    problems = {
        f"item {r['code']} ({r['year']})": f"account(s) {', '.join(unknown)} are not level-6"
        for r in rows
        if (unknown := [a for a in r["accounts"] if a not in level6])
    }
    _refuse("ebudgeting.catalogue", problems)
    held = {
        (year, code)
        for year, code in session.execute(
            select(CatalogueItem.year, CatalogueItem.code).where(
                CatalogueItem.source == "central", CatalogueItem.is_active
            )
        )
    }
    # A regency's own item never takes a central code's place.
    _upsert(
        session,
        CatalogueItem,
        [
            {
                "year": r["year"],
                "code": r["code"],
                "kind": r["kind"],
                "name": r["name"],
                "specification": r["specification"],
                "unit": r["unit"],
                "max_price": Decimal(r["max_price"]),
                "account_codes": r["accounts"],
                "source": "central",
                "status": "approved",
                "source_version": version,
                "is_active": True,
            }
            for r in rows
        ],
        ["year", "code"],
        CatalogueItem.source == "central",
    )
    wanted = {(r["year"], r["code"]) for r in rows}
    gone = [
        item_id
        for item_id, year, code in session.execute(
            select(CatalogueItem.id, CatalogueItem.year, CatalogueItem.code).where(
                CatalogueItem.source == "central", CatalogueItem.is_active
            )
        )
        if (year, code) not in wanted
    ]
    if gone:
        session.execute(
            update(CatalogueItem).where(CatalogueItem.id.in_(gone)).values(is_active=False)
        )
    session.expire_all()
    return _changes({f"{y} {c}" for y, c in held}, {f"{y} {c}" for y, c in wanted})


#: In the order they apply: catalogue items name accounts.
DATASETS = (
    Dataset(
        "ebudgeting.accounts",
        "Kode rekening belanja (Permendagri 90/2019 and its updates)",
        shipped("accounts"),
        normalize_accounts,
        apply_accounts,
    ),
    Dataset(
        "ebudgeting.nomenclature",
        "Urusan, bidang, program, kegiatan and sub kegiatan (Kepmendagri 050-5889/2021)",
        shipped("nomenclature"),
        normalize_nomenclature,
        apply_nomenclature,
    ),
    Dataset(
        "ebudgeting.catalogue",
        "Standard price catalogue: SSH, SBU, HSPK and ASB with their accounts",
        shipped("catalogue"),
        normalize_catalogue,
        apply_catalogue,
    ),
)
