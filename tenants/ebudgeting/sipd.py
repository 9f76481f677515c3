"""The approved budget in the shape SIPD (Kemendagri) takes.

SIPD receives a regency's budget as JSON: per SKPD (OPD), its sub kegiatan with
the programme codes, output, location and funding, and the rincian belanja
(account, item, coefficient, unit price, total). Codes keep their dots except
the regency's, which SIPD writes without one (``3318``). Only an adopted
budget is exported: the DPPA if issued, else the DPA, else the APBD.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from smartcity.toolkit import Conflict, OrgUnit
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.ebudgeting.messages import _m

from .access import Actor
from .codes import kegiatan_code, program_code
from .coefficients import coefficient_text
from .models import Account, CatalogueItem, FiscalYear, Nomenclature, SnapshotLine, SubActivity
from .stages import latest_snapshot

APPROVED_STAGES = ("dppa", "dpa", "apbd")


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def approved_budget(
    session: Session, fiscal_year: FiscalYear, *, region_code: str, region_name: str, actor: Actor
) -> dict[str, Any]:
    snap = latest_snapshot(session, fiscal_year, APPROVED_STAGES)
    if snap is None:
        raise Conflict(
            _m("%(year)s has no adopted budget (APBD) to export yet", year=fiscal_year.year),
            {"stage": _m("no APBD")},
        )
    query = select(SnapshotLine).where(SnapshotLine.snapshot_id == snap.id)
    if actor.unit_ids is not None:
        query = query.where(SnapshotLine.org_unit_id.in_(actor.unit_ids))
    lines = list(
        session.scalars(query.order_by(SnapshotLine.org_unit_id, SnapshotLine.sub_kegiatan_code))
    )
    names = dict(session.execute(select(Nomenclature.code, Nomenclature.name)).all())
    accounts = dict(session.execute(select(Account.code, Account.name)).all())
    items = {
        item.id: item
        for item in session.scalars(
            select(CatalogueItem).where(
                CatalogueItem.id.in_({ln.catalogue_item_id for ln in lines})
            )
        )
    }
    subs = {
        sub.id: sub
        for sub in session.scalars(
            select(SubActivity).where(SubActivity.id.in_({ln.sub_activity_id for ln in lines}))
        )
    }
    units = {
        unit.id: unit
        for unit in session.scalars(
            select(OrgUnit).where(OrgUnit.id.in_({ln.org_unit_id for ln in lines}))
        )
    }
    grouped: dict[int, dict[int, list[SnapshotLine]]] = defaultdict(lambda: defaultdict(list))
    for line in lines:
        grouped[line.org_unit_id][line.sub_activity_id].append(line)
    skpd = []
    for unit_id, per_sub in grouped.items():
        unit = units[unit_id]
        entries: list[dict[str, Any]] = []
        unit_total = Decimal(0)
        for sub_id, sub_lines in per_sub.items():
            unit_total += sum((ln.amount for ln in sub_lines), Decimal(0))
            sub = subs.get(sub_id)
            code = sub_lines[0].sub_kegiatan_code
            entries.append(
                {
                    "kode_program": program_code(code),
                    "nama_program": names.get(program_code(code), ""),
                    "kode_kegiatan": kegiatan_code(code),
                    "nama_kegiatan": names.get(kegiatan_code(code), ""),
                    "kode_sub_kegiatan": code,
                    "nama_sub_kegiatan": names.get(code, ""),
                    "indikator": sub.output_indicator if sub else "",
                    "target": f"{sub.target.normalize():f}" if sub else "",
                    "satuan": sub.target_unit if sub else "",
                    "lokasi": sub.location if sub else "",
                    "sumber_dana": sub.funding_source if sub else "",
                    "pagu": _money(sum((ln.amount for ln in sub_lines), Decimal(0))),
                    "rincian": [
                        {
                            "kode_rekening": ln.account_code,
                            "nama_rekening": accounts.get(ln.account_code, ""),
                            "kode_standar_harga": items[ln.catalogue_item_id].code
                            if ln.catalogue_item_id in items
                            else "",
                            "nama_komponen": items[ln.catalogue_item_id].name
                            if ln.catalogue_item_id in items
                            else "",
                            "spesifikasi": items[ln.catalogue_item_id].specification
                            if ln.catalogue_item_id in items
                            else "",
                            "uraian": ln.description,
                            "koefisien": coefficient_text(ln.factors),
                            "volume": f"{ln.volume.normalize():f}",
                            "satuan": ln.unit,
                            "harga_satuan": _money(ln.unit_price),
                            "total": _money(ln.amount),
                        }
                        for ln in sub_lines
                    ],
                }
            )
        skpd.append(
            {
                "kode_skpd": unit.code,
                "nama_skpd": unit.name,
                "pagu": _money(unit_total),
                "sub_kegiatan": entries,
            }
        )
    return {
        "tahun": fiscal_year.year,
        "kode_pemda": region_code.replace(".", ""),
        "nama_pemda": region_name,
        "tahapan": snap.stage,
        "total": _money(sum((ln.amount for ln in lines), Decimal(0))),
        "skpd": skpd,
    }
