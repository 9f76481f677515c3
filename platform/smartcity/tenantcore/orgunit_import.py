"""Org-unit import: a CSV or XLSX of OPD and sub-units, checked, then upserted by code.

The same two steps as the roster: :func:`check` reads the file and reports every
problem (row, column, why) and what applying would do, writing nothing;
:func:`apply` writes a file without problems in one transaction, parents before
children. A unit is keyed by its code: a known code gets its name, kind and kode
wilayah updated (its parent never changes: staff and budgets hang on the tree),
so applying the same file twice changes nothing the second time.

The optional ``kode_sipd`` column sets SIPD's long code of the unit
(``tenantcore.sipd_codes``); an empty cell keeps the code the unit has (a code is
cleared on the unit's page or through the API). Codes are checked on the tree as it
would stand after the file: a sub-unit's against its parent's code, in the file or
already kept, and none twice in the regency.

:func:`standard_rows` is the perangkat daerah of a typical kabupaten
(Sekretariat Daerah, Sekretariat DPRD, Inspektorat, the dinas and badan, and one
kecamatan per kecamatan of the region in the shipped kode wilayah), for an
operator at provisioning or an admin to apply and then edit.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity import signals
from smartcity.errors import InvalidInput, Message, ServiceError
from smartcity.reference import region_rows
from smartcity.tenantcore import audit, sipd_codes
from smartcity.tenantcore.models import OrgUnit
from smartcity.tenantcore.orgunits import KINDS, TOP_KINDS, _validate
from smartcity.uploads import CellValue, Limits, TableReader, TooLarge

#: Fixed messages of this module (dynamic ones are patterns in ``smartcity.web``).
MESSAGES = (
    "type codes as text: a number cell drops zeros",
    "a unit's parent cannot change",
    "the org units cannot be imported",
)
MAX_BYTES = 2 * 1024 * 1024
#: A regency has a few hundred units; the reader refuses past these (see smartcity.uploads).
LIMITS = Limits(max_bytes=MAX_BYTES, max_rows=5_000, max_columns=20, max_cells=100_000)
#: (code, name, kind, sub-units) of a typical kabupaten's OPD.
STANDARD_OPD: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "4.01",
        "Sekretariat Daerah",
        "sekretariat_daerah",
        (
            "Bagian Pemerintahan",
            "Bagian Hukum",
            "Bagian Organisasi",
            "Bagian Umum",
            "Bagian Perekonomian",
            "Bagian Pengadaan Barang dan Jasa",
        ),
    ),
    ("4.02", "Sekretariat DPRD", "sekretariat_dprd", ("Bagian Persidangan", "Bagian Keuangan")),
    (
        "6.01",
        "Inspektorat Daerah",
        "inspektorat",
        ("Inspektur Pembantu I", "Inspektur Pembantu II"),
    ),
    (
        "1.01",
        "Dinas Pendidikan",
        "dinas",
        ("Bidang Pembinaan SD", "Bidang Pembinaan SMP", "Bidang PAUD dan PNF"),
    ),
    (
        "1.02",
        "Dinas Kesehatan",
        "dinas",
        ("Bidang Kesehatan Masyarakat", "Bidang Pelayanan Kesehatan", "Bidang Pencegahan Penyakit"),
    ),
    (
        "1.03",
        "Dinas Pekerjaan Umum dan Penataan Ruang",
        "dinas",
        ("Bidang Bina Marga", "Bidang Sumber Daya Air", "Bidang Tata Ruang"),
    ),
    ("1.04", "Dinas Perumahan dan Kawasan Permukiman", "dinas", ("Bidang Perumahan",)),
    ("1.05", "Satuan Polisi Pamong Praja", "satuan", ("Bidang Penegakan Perda",)),
    ("1.06", "Dinas Sosial", "dinas", ("Bidang Rehabilitasi Sosial", "Bidang Perlindungan Sosial")),
    ("2.07", "Dinas Tenaga Kerja", "dinas", ("Bidang Penempatan Tenaga Kerja",)),
    ("2.08", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "dinas", ()),
    ("2.09", "Dinas Ketahanan Pangan", "dinas", ("Bidang Distribusi Pangan",)),
    ("2.11", "Dinas Lingkungan Hidup", "dinas", ("Bidang Persampahan", "Bidang Pengendalian")),
    ("2.12", "Dinas Kependudukan dan Pencatatan Sipil", "dinas", ("Bidang Pelayanan Pendaftaran",)),
    ("2.13", "Dinas Pemberdayaan Masyarakat dan Desa", "dinas", ("Bidang Pemerintahan Desa",)),
    ("2.14", "Dinas Pengendalian Penduduk dan Keluarga Berencana", "dinas", ()),
    ("2.15", "Dinas Perhubungan", "dinas", ("Bidang Lalu Lintas",)),
    (
        "2.16",
        "Dinas Komunikasi dan Informatika",
        "dinas",
        ("Bidang Aplikasi Informatika", "Bidang Persandian dan Statistik"),
    ),
    ("2.17", "Dinas Koperasi dan Usaha Mikro", "dinas", ()),
    ("2.18", "Dinas Penanaman Modal dan PTSP", "dinas", ("Bidang Perizinan",)),
    ("2.19", "Dinas Kepemudaan dan Olahraga", "dinas", ()),
    ("2.23", "Dinas Perpustakaan dan Kearsipan", "dinas", ()),
    ("3.25", "Dinas Perikanan", "dinas", ()),
    ("3.26", "Dinas Kebudayaan dan Pariwisata", "dinas", ("Bidang Destinasi Wisata",)),
    ("3.27", "Dinas Pertanian", "dinas", ("Bidang Tanaman Pangan", "Bidang Penyuluhan")),
    ("3.30", "Dinas Perdagangan dan Perindustrian", "dinas", ("Bidang Perdagangan",)),
    (
        "5.01",
        "Badan Perencanaan Pembangunan Daerah",
        "badan",
        ("Bidang Perencanaan Ekonomi", "Bidang Perencanaan Infrastruktur"),
    ),
    (
        "5.02",
        "Badan Pengelolaan Keuangan dan Aset Daerah",
        "badan",
        ("Bidang Anggaran", "Bidang Perbendaharaan", "Bidang Aset"),
    ),
    ("5.03", "Badan Pendapatan Daerah", "badan", ("Bidang Pajak Daerah",)),
    (
        "5.04",
        "Badan Kepegawaian dan Pengembangan SDM",
        "badan",
        ("Bidang Mutasi", "Bidang Pengembangan Kompetensi"),
    ),
    ("5.05", "Badan Penanggulangan Bencana Daerah", "badan", ("Bidang Kedaruratan",)),
    ("8.01", "Badan Kesatuan Bangsa dan Politik", "badan", ()),
)

#: Column header (Indonesian first, English accepted) -> field.
HEADERS = {
    "kode": "code",
    "code": "code",
    "nama": "name",
    "name": "name",
    "jenis": "kind",
    "kind": "kind",
    "kode_induk": "parent_code",
    "parent_code": "parent_code",
    "kode_wilayah": "region_code",
    "region_code": "region_code",
    "kode_sipd": "sipd_code",
    "sipd_code": "sipd_code",
}
COLUMNS = ("kode", "nama", "jenis", "kode_induk", "kode_wilayah", "kode_sipd")
REQUIRED = ("code", "name", "kind")
#: "Dinas", "Sekretariat Daerah", "dinas" all name the kind ``dinas``.
KIND_NAMES = {**{k: k for k in KINDS}, **{v.lower(): k for k, v in KINDS.items()}}


@dataclass(frozen=True)
class Problem:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    message: str


@dataclass
class UnitPlan:
    """What applying would do, and every problem that prevents it."""

    rows: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    created: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    changed: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    unchanged: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    problems: list[Problem] = dataclasses.field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.changed),
            "unchanged": len(self.unchanged),
        }


@dataclass(frozen=True)
class _Parent:
    code: str
    sipd_code: str | None = None


def _text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # A code typed into a number cell ("4.1") has lost its zero ("4.10"): refuse it.
        return "\x00number"
    return str(value).strip()


def read_rows(filename: str, content: bytes) -> list[dict[str, Any]]:
    """The file's rows as dicts (with their spreadsheet row number); refuses a bad header."""
    if len(content) > MAX_BYTES:
        raise TooLarge(
            Message("files up to %(n)s MB", n=MAX_BYTES // (1024 * 1024)), {"file": "too large"}
        )
    rows = TableReader(filename, content, LIMITS).rows()
    header = next(rows, None)
    if header is None:
        raise InvalidInput("the file is empty", {"file": "empty"})
    columns = [HEADERS.get(_text(h).lower().replace(" ", "_")) for h in header.values]
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        names = {v: k for k, v in reversed(list(HEADERS.items()))}
        raise InvalidInput(
            Message("missing column(s): %(names)s", names=", ".join(names[m] for m in missing)),
            {"file": Message("expected columns: %(names)s", names=", ".join(COLUMNS))},
        )
    found = []
    for row in rows:
        if row.is_empty:
            continue
        record: dict[str, Any] = {"row": row.number}
        for field, value in zip(columns, row.values, strict=False):
            if field:
                record[field] = _text(value)
        found.append(record)
    return found


def standard_rows(regency_code: str) -> list[dict[str, Any]]:
    """A kabupaten's usual perangkat daerah, with its kecamatan, as import rows."""
    rows: list[dict[str, Any]] = []
    for code, name, kind, subs in STANDARD_OPD:
        rows.append({"code": code, "name": name, "kind": kind})
        rows += [
            {
                "code": f"{code}.{i:02d}",
                "name": sub,
                "kind": "bagian" if sub.startswith("Bagian") else "bidang",
                "parent_code": code,
            }
            for i, sub in enumerate(subs, start=1)
        ]
    kecamatan = [
        r for r in region_rows() if r.level == "kecamatan" and r.code.startswith(regency_code + ".")
    ]
    rows += [
        {
            "code": f"7.{i:02d}",
            "name": f"Kecamatan {r.name}",
            "kind": "kecamatan",
            "region_code": r.code,
        }
        for i, r in enumerate(kecamatan, start=1)
    ]
    return [{"row": number, **row} for number, row in enumerate(rows, start=2)]


@dataclass
class _Context:
    """What every row is checked against: the tree now, the region, the file so far."""

    session: Session
    regency_code: str
    existing: dict[str, OrgUnit]
    code_of: dict[int, str]
    kecamatan: set[str]
    in_file: dict[str, int] = dataclasses.field(default_factory=dict)


def check(session: Session, rows: list[dict[str, Any]], *, regency_code: str) -> UnitPlan:
    """Every problem of ``rows`` and what applying them would change; writes nothing."""
    existing = {u.code: u for u in session.scalars(select(OrgUnit))}
    ctx = _Context(
        session,
        regency_code,
        existing,
        {u.id: u.code for u in existing.values()},
        {
            r.code
            for r in region_rows()
            if r.level == "kecamatan" and r.code.startswith(regency_code + ".")
        },
    )
    plan = UnitPlan()
    targets = []
    for raw in rows:
        target, problems = _check_row(ctx, raw)
        targets.append(target)
        if problems:
            plan.problems += problems
            continue
        plan.rows.append(target)
        current = existing.get(target["code"])
        if current is None:
            plan.created.append(target)
        elif (current.name, current.kind, current.region_code, current.sipd_code) != (
            target["name"],
            target["kind"],
            target["region_code"],
            target["sipd_code"],
        ):
            plan.changed.append(target)
        else:
            plan.unchanged.append(target)
    plan.problems += _sipd_problems(ctx, targets)
    plan.problems.sort(key=lambda p: (p.row, p.column))
    return plan


def _sipd_problems(ctx: _Context, targets: list[dict[str, Any]]) -> list[Problem]:
    """SIPD codes on the tree as the file would leave it: each new code in its place
    (an OPD's ends in 0000, a sub-unit takes its parent's unit part), the sub-units
    kept under a parent whose code the file changes, and no code twice."""
    final = {code: unit.sipd_code for code, unit in ctx.existing.items()}
    parent_of = {code: ctx.code_of.get(unit.parent_id or 0) for code, unit in ctx.existing.items()}
    row_of: dict[str, int] = {}
    changed: set[str] = set()
    for target in targets:
        code = target["code"]
        row_of.setdefault(code, target["row"])
        parent_of.setdefault(code, target["parent_code"] or None)
        if target["sipd_code"] != final.get(code):
            changed.add(code)
        final[code] = target["sipd_code"]
    problems: list[Problem] = []
    for code, sipd in final.items():
        parent = parent_of.get(code)
        if sipd is None or (code not in changed and parent not in changed):
            continue
        wrong = sipd_codes.problem(
            sipd, parent_code=final.get(parent) if parent else None, is_sub_unit=bool(parent)
        )
        if wrong is None:
            continue
        if code in row_of:
            problems.append(Problem(row_of[code], "kode_sipd", wrong))
        elif parent is not None:
            problems.append(
                Problem(
                    row_of[parent],
                    "kode_sipd",
                    Message(
                        "sub-unit %(unit)s keeps SIPD code %(code)s, which would no longer "
                        "fit (%(why)s): give it its new code in the file too",
                        unit=code,
                        code=sipd,
                        why=wrong,
                    ),
                )
            )
    holders: dict[str, list[str]] = {}
    for code, sipd in final.items():
        if sipd is not None:
            holders.setdefault(sipd, []).append(code)
    for sipd, codes in holders.items():
        for code in codes:
            if len(codes) > 1 and code in changed:
                others = ", ".join(c for c in codes if c != code)
                problems.append(
                    Problem(
                        row_of[code],
                        "kode_sipd",
                        Message(
                            "SIPD code %(code)s is also that of unit %(units)s",
                            code=sipd,
                            units=others,
                        ),
                    )
                )
    return problems


def _check_row(ctx: _Context, raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    number, code = raw["row"], str(raw.get("code") or "")
    problems: list[Problem] = []
    kind = KIND_NAMES.get(str(raw.get("kind") or "").strip().lower(), "")
    region = str(raw.get("region_code") or "") or None
    if "\x00number" in (code, raw.get("parent_code"), region):
        problems.append(Problem(number, "kode", "type codes as text: a number cell drops zeros"))
    current = ctx.existing.get(code)
    # An empty kode_sipd (or none at all) keeps the unit's code.
    sipd = sipd_codes.clean(raw.get("sipd_code"))
    if sipd == "\x00number":
        problems.append(
            Problem(number, "kode_sipd", "type codes as text: a number cell drops zeros")
        )
        sipd = None
    if sipd is None:
        sipd = current.sipd_code if current is not None else None
    parent_code = str(raw.get("parent_code") or "")
    if not parent_code and "." in code and kind not in TOP_KINDS:
        parent_code = code.rsplit(".", 1)[0]
    if code in ctx.in_file:
        problems.append(Problem(number, "kode", f"code repeats row {ctx.in_file[code]}"))
    ctx.in_file.setdefault(code, number)
    if parent_code and parent_code not in ctx.existing and parent_code not in ctx.in_file:
        problems.append(
            Problem(number, "kode_induk", f"no unit with code {parent_code} above this row")
        )
    try:
        _validate(
            ctx.session,
            code=code,
            name=str(raw.get("name") or ""),
            kind=kind or str(raw.get("kind") or ""),
            parent=_Parent(parent_code) if parent_code else None,  # type: ignore[arg-type]
            region_code=region,
            regency_code=ctx.regency_code,
            exclude_id=current.id if current is not None else None,
        )
    except ServiceError as exc:
        problems += [Problem(number, _column(f), m) for f, m in exc.fields.items()]
    if kind == "kecamatan" and region and region not in ctx.kecamatan:
        problems.append(
            Problem(number, "kode_wilayah", f"{region} is not a kecamatan of {ctx.regency_code}")
        )
    if current is not None and ctx.code_of.get(current.parent_id or 0, "") != parent_code:
        problems.append(Problem(number, "kode_induk", "a unit's parent cannot change"))
    if any(p.column == "jenis" for p in problems):
        # Where a unit sits depends on its kind: say only what is wrong first.
        problems = [p for p in problems if p.column != "kode_induk"]
    target = {
        "code": code,
        "name": str(raw.get("name") or "").strip(),
        "kind": kind,
        "parent_code": parent_code,
        "region_code": region,
        "sipd_code": sipd,
        "row": number,
    }
    return target, problems


def _column(field: str) -> str:
    return {
        "code": "kode",
        "name": "nama",
        "kind": "jenis",
        "parent": "kode_induk",
        "region_code": "kode_wilayah",
        "sipd_code": "kode_sipd",
    }.get(field, field)


def apply(
    session: Session,
    rows: list[dict[str, Any]],
    *,
    regency_code: str,
    actor: str,
    source: str,
    only_missing: bool = False,
) -> dict[str, int]:
    """Create and update the units of a file without problems; idempotent.

    ``only_missing`` (the standard list) adds what is missing and never renames a
    unit the regency already has: its own edits win.
    """
    plan = check(session, rows, regency_code=regency_code)
    if only_missing:
        plan.unchanged += plan.changed
        plan.changed = []
    if plan.problems:
        raise InvalidInput(
            "the org units cannot be imported",
            {"file": Message("%(n)s problems now", n=len(plan.problems))},
        )
    ids = dict(session.execute(select(OrgUnit.code, OrgUnit.id)).all())
    touched: list[int] = []
    created: list[tuple[OrgUnit, str | None]] = []
    # Codes sort parents before children ("4.01" < "4.01.01").
    for target in sorted(plan.created, key=lambda t: [int(p) for p in t["code"].split(".")]):
        unit = OrgUnit(
            code=target["code"],
            name=target["name"],
            kind=target["kind"],
            parent_id=ids.get(target["parent_code"]) if target["parent_code"] else None,
            region_code=target["region_code"],
        )
        session.add(unit)
        session.flush()
        ids[unit.code] = unit.id
        touched.append(unit.id)
        created.append((unit, target["sipd_code"]))
    by_code = {
        u.code: u
        for u in session.scalars(
            select(OrgUnit).where(OrgUnit.code.in_([t["code"] for t in plan.changed]))
        )
    }
    moving = [
        (by_code[t["code"]], t["sipd_code"])
        for t in plan.changed
        if by_code[t["code"]].sipd_code != t["sipd_code"]
    ]
    for unit, _sipd in moving:  # two units may swap codes: let go of them all first
        unit.sipd_code = None
    session.flush()
    for target in plan.changed:
        unit = by_code[target["code"]]
        unit.name, unit.kind, unit.region_code = (
            target["name"],
            target["kind"],
            target["region_code"],
        )
        touched.append(unit.id)
    for unit, sipd in [*created, *moving]:
        unit.sipd_code = sipd
    session.flush()
    counts = plan.counts()
    if touched:
        audit.record(
            session,
            actor=actor,
            action="org_unit.import",
            entity="org_unit",
            entity_id=source,
            after={
                **counts,
                "created_codes": [t["code"] for t in plan.created],
                "updated_codes": [t["code"] for t in plan.changed],
            },
        )
        signals.org_unit_changed.send(
            session, session=session, org_unit_ids=tuple(touched), action="imported"
        )
    return counts
