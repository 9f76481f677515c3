"""Performance indicators of an OPD's programs, kegiatan and sub kegiatan in a year.

Permendagri 77/2020 prints four in each rincian belanja form: *capaian program* (the
program's outcome), *masukan* (the money the sub kegiatan needs), *keluaran* (the sub
kegiatan's output) and *hasil* (the kegiatan's result), each with a target and unit.
The OPD sets capaian program and hasil here (``Indicator``, falling back to the
nomenclature's standard indicator when it set none); keluaran is the sub-activity's
own output and target; masukan is its total. ``for_year`` lists them all with a
stable id for other apps (capability ``ebudgeting.indicators``, SAKIP's targets).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from smartcity.toolkit import (
    InvalidInput,
    NotFound,
    PerformanceIndicator,
    number,
    parse_quantity,
    record_audit,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.ebudgeting.messages import _m

from .access import DRAFT, Actor
from .ceilings import get_opd
from .codes import level_of
from .models import BudgetLine, FiscalYear, Indicator, Nomenclature, SubActivity
from .years import require_drafting

#: The kind of indicator each level carries, as the forms name it.
KINDS = {"program": "capaian_program", "kegiatan": "hasil"}
TEXT_MAX = 400
UNIT_MAX = 60
TARGET_MAX = Decimal("9999999999999999.99")


def _text(value: object, field: str, maximum: int) -> str:
    text = " ".join(str(value or "").split())
    if not text or len(text) > maximum:
        raise InvalidInput(
            _m("%(field)s: required, at most %(count)s characters", field=field, count=maximum),
            {field: _m("required, at most %(count)s characters", count=maximum)},
        )
    return text


def set_indicator(
    session: Session,
    fiscal_year: FiscalYear,
    *,
    org_unit_id: int,
    code: str,
    indicator: object,
    target: object,
    unit: object,
    actor: Actor,
    indicator_id: int | None = None,
) -> Indicator:
    """Add (or, with ``indicator_id``, change) an indicator of one of the OPD's programs
    or kegiatan: a real program or kegiatan code, a text, a target >= 0, a unit."""
    actor.require(DRAFT)
    require_drafting(fiscal_year)
    opd = get_opd(session, org_unit_id)
    actor.require_unit(opd.id)
    code = str(code or "").strip()
    level = level_of(code)
    node = None
    if level in KINDS:
        node = session.scalar(
            select(Nomenclature).where(Nomenclature.code == code, Nomenclature.is_active)
        )
    if node is None or level is None:
        raise InvalidInput(
            _m("%(code)s is not a program or kegiatan of the nomenclature", code=code[:40]),
            {"code": _m("a program (1.02.02) or kegiatan (1.02.02.2.01) code")},
        )
    text = _text(indicator, "indicator", TEXT_MAX)
    amount = parse_quantity(target, "target", maximum=TARGET_MAX)
    unit_text = _text(unit, "unit", UNIT_MAX)
    if indicator_id is not None:
        row = session.get(Indicator, indicator_id, with_for_update=True)
        if row is None or row.fiscal_year_id != fiscal_year.id or row.org_unit_id != opd.id:
            raise NotFound(
                _m("no indicator %(id)s of this OPD and year", id=indicator_id),
                {"indicator_id": _m("unknown")},
            )
        before = {"code": row.code, "indicator": row.indicator, "target": str(row.target)}
        row.code, row.level, row.indicator = code, level, text
        row.target, row.unit, row.updated_by = amount, unit_text, actor.label
    else:
        before = None
        row = Indicator(
            fiscal_year_id=fiscal_year.id,
            org_unit_id=opd.id,
            code=code,
            level=level,
            indicator=text,
            target=amount,
            unit=unit_text,
            updated_by=actor.label,
        )
        session.add(row)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.indicator.set",
        entity="eb_indicator",
        entity_id=row.id,
        before=before,
        after={"code": code, "indicator": text, "target": str(amount), "unit": unit_text},
    )
    return row


def delete_indicator(
    session: Session, fiscal_year: FiscalYear, indicator_id: int, *, actor: Actor
) -> None:
    actor.require(DRAFT)
    require_drafting(fiscal_year)
    row = session.get(Indicator, indicator_id)
    if row is None or row.fiscal_year_id != fiscal_year.id or not actor.sees_unit(row.org_unit_id):
        raise NotFound(
            _m("no indicator %(id)s of this OPD and year", id=indicator_id),
            {"indicator_id": _m("unknown")},
        )
    actor.require_unit(row.org_unit_id)
    session.delete(row)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.indicator.delete",
        entity="eb_indicator",
        entity_id=indicator_id,
        before={"code": row.code, "indicator": row.indicator, "target": str(row.target)},
    )


def of_unit(session: Session, fiscal_year: FiscalYear, org_unit_id: int) -> list[Indicator]:
    return list(
        session.scalars(
            select(Indicator)
            .where(Indicator.fiscal_year_id == fiscal_year.id, Indicator.org_unit_id == org_unit_id)
            .order_by(Indicator.code, Indicator.id)
        )
    )


@dataclass(frozen=True)
class Printed:
    """An indicator as the header block prints it: text, and target with unit."""

    text: str
    target: str


def printed(rows: list[Indicator], code: str, fallback: Nomenclature | None) -> Printed:
    """The OPD's indicators of ``code`` joined, else the nomenclature's standard one."""
    own = [r for r in rows if r.code == code]
    if own:
        return Printed(
            "; ".join(r.indicator for r in own),
            "; ".join(f"{number(r.target)} {r.unit}" for r in own),
        )
    if fallback is not None and fallback.indicator:
        return Printed(fallback.indicator, fallback.indicator_unit or "-")
    return Printed("-", "-")


def for_year(session: Session, *, year: int, org_unit_id: int) -> list[PerformanceIndicator]:
    """Every indicator of the OPD's plans of ``year``: capaian program and hasil it set,
    and keluaran and masukan of each sub kegiatan; empty for an unknown year."""
    fiscal_year = session.scalar(select(FiscalYear).where(FiscalYear.year == year))
    if fiscal_year is None:
        return []
    names = dict(session.execute(select(Nomenclature.code, Nomenclature.name)).all())
    found = [
        PerformanceIndicator(
            id=f"{KINDS[row.level]}-{row.id}",
            year=year,
            org_unit_id=org_unit_id,
            kind=KINDS[row.level],
            code=row.code,
            name=names.get(row.code, ""),
            indicator=row.indicator,
            target=row.target,
            unit=row.unit,
        )
        for row in of_unit(session, fiscal_year, org_unit_id)
    ]
    totals = dict(
        session.execute(
            select(BudgetLine.sub_activity_id, func.sum(BudgetLine.amount))
            .join(SubActivity, SubActivity.id == BudgetLine.sub_activity_id)
            .where(
                SubActivity.fiscal_year_id == fiscal_year.id,
                SubActivity.org_unit_id == org_unit_id,
            )
            .group_by(BudgetLine.sub_activity_id)
        ).all()
    )
    subs = session.scalars(
        select(SubActivity)
        .where(SubActivity.fiscal_year_id == fiscal_year.id, SubActivity.org_unit_id == org_unit_id)
        .order_by(SubActivity.sub_kegiatan_code)
    )
    for sub in subs:
        name = names.get(sub.sub_kegiatan_code, "")
        found.append(
            PerformanceIndicator(
                id=f"keluaran-{sub.id}",
                year=year,
                org_unit_id=org_unit_id,
                kind="keluaran",
                code=sub.sub_kegiatan_code,
                name=name,
                indicator=sub.output_indicator,
                target=sub.target,
                unit=sub.target_unit,
            )
        )
        found.append(
            PerformanceIndicator(
                id=f"masukan-{sub.id}",
                year=year,
                org_unit_id=org_unit_id,
                kind="masukan",
                code=sub.sub_kegiatan_code,
                name=name,
                indicator="Dana yang dibutuhkan",
                target=Decimal(totals.get(sub.id) or 0).quantize(Decimal("0.01")),
                unit="Rupiah",
            )
        )
    return found
