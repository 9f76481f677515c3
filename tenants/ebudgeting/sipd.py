"""The approved budget in the shape SIPD (Kemendagri) takes.

SIPD receives a regency's budget as JSON: per SKPD (OPD, named by its long SIPD code,
which the core keeps on the org unit: ``unit_codes.py``) and sub-unit, its sub
kegiatan with the programme codes, output, location and funding source (a code of
SIPD's sumber dana list), and the rincian belanja (account, item, coefficient, volume,
unit price, total). Amounts, volumes and targets are JSON numbers. Codes keep their
dots except the regency's, which SIPD writes without one (``3318``). Only an adopted
budget is exported: the DPPA if issued, else the DPA, else the APBD. The shape is kept
as a JSON Schema in ``data/sipd_apbd.schema.json``.

One entry per SKPD and sub-unit, as SIPD lists them: the OPD's own sub-activities under
its own code twice (an SKPD is its own sub-unit 0000), those it budgets at a sub-unit
(a puskesmas, a UPTD, a Setda bagian) under that sub-unit's code as ``kode_sub_skpd``,
which shares the OPD's first seven groups. The sub-unit is the one the plan had when
the stage was taken.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
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
from .unit_codes import skpd_codes

APPROVED_STAGES = ("dppa", "dpa", "apbd")
SCHEMA = Path(__file__).parent / "data" / "sipd_apbd.schema.json"
#: The funding sources a sub-activity names -> their code in SIPD's sumber dana list
#: (Kepmendagri 050-5889/2021 as SIPD lists it: 1 dana umum, 2 dana khusus).
FUNDING_CODES = {
    "PAD": "1.1",
    "DAU": "1.2.01.01.02",
    "DAK Fisik": "2.2.01.01.03",
    "DAK Non Fisik": "2.2.01.01.04",
    "DBH": "1.2.01.01.01",
    "DID": "2.2.01.02",
    "Bantuan Keuangan Provinsi": "1.2.02.02",
    "BLUD": "1.1.04.16",
    "Pinjaman Daerah": "1.4.04",
    "Lain-lain Pendapatan yang Sah": "1.3",
}


def _money(value: Decimal) -> int | float:
    """A JSON number: whole rupiah as an integer, else with its sen."""
    return int(value) if value == value.to_integral_value() else float(value)


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
    unit_ids = {ln.org_unit_id for ln in lines} | {
        ln.sub_unit_id for ln in lines if ln.sub_unit_id is not None
    }
    units = {
        unit.id: unit for unit in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(unit_ids)))
    }
    codes = skpd_codes(session, set(units))
    if missing := sorted(unit.code for unit_id, unit in units.items() if unit_id not in codes):
        raise Conflict(
            _m(
                "unit %(codes)s has no SIPD code yet: the regency's admin enters it on the "
                "org unit",
                codes=", ".join(missing),
            ),
            {"skpd_code": _m("missing")},
        )
    grouped: dict[tuple[int, int], dict[int, list[SnapshotLine]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for line in lines:
        where = line.sub_unit_id if line.sub_unit_id is not None else line.org_unit_id
        grouped[line.org_unit_id, where][line.sub_activity_id].append(line)
    skpd = []
    for (unit_id, at_id), per_sub in sorted(
        grouped.items(), key=lambda kv: (codes[kv[0][0]], codes[kv[0][1]])
    ):
        unit, at = units[unit_id], units[at_id]
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
                    "target": _money(sub.target) if sub else 0,
                    "satuan": sub.target_unit if sub else "",
                    "lokasi": sub.location if sub else "",
                    "kode_sumber_dana": FUNDING_CODES.get(sub.funding_source, "") if sub else "",
                    "nama_sumber_dana": sub.funding_source if sub else "",
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
                            "volume": _money(ln.volume),
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
                "kode_skpd": codes[unit_id],
                "nama_skpd": unit.name,
                "kode_sub_skpd": codes[at_id],
                "nama_sub_skpd": at.name,
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
