"""Reference data: the code tree, the accounts and the standard price catalogue.

Kept centrally (the CSV files in ``data/``, versioned in ``data/versions.json``)
and applied to each tenant that enables the app. Applying is idempotent and
versioned: a dataset already held at the same version and checksum is skipped;
a new version updates rows in place (codes are stable identifiers that budget
lines refer to), and rows the new version dropped are deactivated, never
deleted. A dataset with any bad row is refused whole, naming every row.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib.resources import files
from typing import Any

from smartcity.errors import InvalidInput
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from .codes import LEVELS, account_level, account_parent, account_violations, code_violations
from .codes import parent_code as nomenclature_parent
from .models import Account, CatalogueItem, Nomenclature, ReferenceVersion

DATASETS = ("accounts", "nomenclature", "catalogue")  # catalogue items name accounts
KINDS = {
    "SSH": "Standar Satuan Harga",
    "SBU": "Standar Biaya Umum",
    "HSPK": "Harga Satuan Pokok Kegiatan",
    "ASB": "Analisis Standar Belanja",
}
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class Dataset:
    """One version of a reference dataset, as rows of strings (the CSV's columns)."""

    name: str
    version: str
    checksum: str
    rows: tuple[dict[str, str], ...]


def dataset_from_csv(name: str, version: str, text: str) -> Dataset:
    rows = tuple(dict(row) for row in csv.DictReader(text.splitlines()))
    checksum = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Dataset(name, version, checksum, rows)


@cache
def packaged_datasets() -> tuple[Dataset, ...]:
    """The datasets shipped with this version of the app, in the order they apply."""
    folder = files("tenants.ebudgeting").joinpath("data")
    versions = json.loads(folder.joinpath("versions.json").read_text(encoding="utf-8"))
    return tuple(
        dataset_from_csv(name, versions[name], folder.joinpath(f"{name}.csv").read_text("utf-8"))
        for name in DATASETS
    )


def held_versions(session: Session) -> dict[str, str]:
    return dict(session.execute(select(ReferenceVersion.dataset, ReferenceVersion.version)).all())


def load_packaged(session: Session) -> list[str]:
    """Apply every shipped dataset this tenant does not hold yet; the names applied."""
    return [d.name for d in packaged_datasets() if apply_dataset(session, d)]


def apply_dataset(session: Session, dataset: Dataset) -> bool:
    """Bring the tenant to ``dataset``; False when it already holds that exact version."""
    held = session.get(ReferenceVersion, dataset.name)
    if held is not None and (held.version, held.checksum) == (dataset.version, dataset.checksum):
        return False
    appliers = {
        "nomenclature": _apply_nomenclature,
        "accounts": _apply_accounts,
        "catalogue": _apply_catalogue,
    }
    if dataset.name not in appliers:
        raise InvalidInput(f"unknown reference dataset {dataset.name!r}", {"dataset": "unknown"})
    appliers[dataset.name](session, dataset)
    values = {
        "dataset": dataset.name,
        "version": dataset.version,
        "checksum": dataset.checksum,
        "row_count": len(dataset.rows),
    }
    stmt = insert(ReferenceVersion).values(values)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[ReferenceVersion.dataset],
            set_={k: stmt.excluded[k] for k in ("version", "checksum", "row_count")},
        )
    )
    session.expire_all()
    return True


def _refuse(dataset: Dataset, problems: dict[str, str]) -> None:
    if problems:
        shown = dict(list(problems.items())[:MAX_PROBLEMS])
        first = next(iter(shown.items()))
        raise InvalidInput(
            f"reference dataset {dataset.name} {dataset.version} is refused: "
            f"{len(problems)} bad row(s), first {first[0]}: {first[1]}",
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


# --------------------------------------------------------------------------- code tree


def _apply_nomenclature(session: Session, dataset: Dataset) -> None:
    problems: dict[str, str] = {}
    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    for number, row in enumerate(dataset.rows, start=2):  # row 1 is the header
        code, level, name = row.get("code", ""), row.get("level", ""), row.get("name", "")
        parent = nomenclature_parent(code)
        if level not in LEVELS:
            problems[f"row {number}"] = f"level {level!r} is not one of {', '.join(LEVELS)}"
        elif violations := code_violations(code, level, parent):
            problems[f"row {number}"] = "; ".join(v.text for v in violations)
        elif parent is not None and parent not in seen:
            problems[f"row {number}"] = f"code {code}: its parent {parent} is not listed before it"
        elif code in seen:
            problems[f"row {number}"] = f"code {code} is listed twice"
        elif not name.strip():
            problems[f"row {number}"] = f"code {code} has no name"
        seen.add(code)
        rows.append(
            {
                "code": code,
                "level": level,
                "name": name.strip()[:400],
                "parent_code": parent,
                "indicator": (row.get("indicator") or "").strip()[:400] or None,
                "indicator_unit": (row.get("indicator_unit") or "").strip()[:60] or None,
                "source": "central",
                "source_version": dataset.version,
                "is_active": True,
            }
        )
    _refuse(dataset, problems)
    _upsert(session, Nomenclature, rows, ["code"], None)
    session.execute(
        update(Nomenclature)
        .where(Nomenclature.source == "central", Nomenclature.code.not_in(seen))
        .values(is_active=False)
    )


# --------------------------------------------------------------------------- accounts


def _apply_accounts(session: Session, dataset: Dataset) -> None:
    problems: dict[str, str] = {}
    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    for number, row in enumerate(dataset.rows, start=2):
        code, name = row.get("code", ""), row.get("name", "")
        parent = account_parent(code)
        if violations := account_violations(code, parent):
            problems[f"row {number}"] = "; ".join(v.text for v in violations)
        elif parent is not None and parent not in seen:
            problems[f"row {number}"] = (
                f"account {code}: its parent {parent} is not listed before it"
            )
        elif code in seen:
            problems[f"row {number}"] = f"account {code} is listed twice"
        elif not name.strip():
            problems[f"row {number}"] = f"account {code} has no name"
        seen.add(code)
        rows.append(
            {
                "code": code,
                "level": account_level(code) or 0,
                "name": name.strip()[:300],
                "parent_code": parent,
                "source_version": dataset.version,
                "is_active": True,
            }
        )
    _refuse(dataset, problems)
    _upsert(session, Account, rows, ["code"], None)
    session.execute(update(Account).where(Account.code.not_in(seen)).values(is_active=False))


# --------------------------------------------------------------------------- catalogue


def parse_price(text: str) -> Decimal | None:
    """A positive amount with at most two decimals, or None."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        return None
    return value


def _apply_catalogue(session: Session, dataset: Dataset) -> None:
    level6 = set(session.scalars(select(Account.code).where(Account.level == 6, Account.is_active)))
    problems: dict[str, str] = {}
    seen: set[tuple[int, str]] = set()
    rows: list[dict[str, Any]] = []
    for number, row in enumerate(dataset.rows, start=2):
        where = f"row {number}"
        year_text, code = row.get("year", ""), row.get("code", "").strip()
        year = int(year_text) if year_text.isdigit() else 0
        price = parse_price(row.get("max_price", ""))
        accounts = [a.strip() for a in (row.get("accounts") or "").split(";") if a.strip()]
        unknown = [a for a in accounts if a not in level6]
        if not 2000 <= year <= 2100:
            problems[where] = f"year {year_text!r} is not a budget year"
        elif not code or len(code) > 60:
            problems[where] = "the code is missing or longer than 60 characters"
        elif (year, code) in seen:
            problems[where] = f"item {code} is listed twice for {year}"
        elif row.get("kind") not in KINDS:
            problems[where] = f"kind {row.get('kind')!r} is not one of {', '.join(KINDS)}"
        elif price is None:
            problems[where] = f"maximum price {row.get('max_price')!r} is not a positive amount"
        elif not accounts or unknown:
            problems[where] = (
                f"item {code}: account(s) {', '.join(unknown)} are not level-6 accounts"
                if unknown
                else f"item {code} allows no account"
            )
        elif not row.get("name", "").strip() or not row.get("unit", "").strip():
            problems[where] = f"item {code} needs a name and a unit"
        seen.add((year, code))
        rows.append(
            {
                "year": year,
                "code": code,
                "kind": row.get("kind", ""),
                "name": row.get("name", "").strip()[:300],
                "specification": (row.get("specification") or "").strip()[:500],
                "unit": row.get("unit", "").strip()[:40],
                "max_price": price,
                "account_codes": accounts,
                "source": "central",
                "status": "approved",
                "source_version": dataset.version,
                "is_active": True,
            }
        )
    _refuse(dataset, problems)
    # A regency's own item never takes a central code's place.
    _upsert(session, CatalogueItem, rows, ["year", "code"], CatalogueItem.source == "central")
    held = session.execute(
        select(CatalogueItem.id, CatalogueItem.year, CatalogueItem.code).where(
            CatalogueItem.source == "central", CatalogueItem.is_active
        )
    ).all()
    gone = [item_id for item_id, year, code in held if (year, code) not in seen]
    if gone:
        session.execute(
            update(CatalogueItem).where(CatalogueItem.id.in_(gone)).values(is_active=False)
        )
