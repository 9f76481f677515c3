"""Realistic demo content for a regency: its OPD tree, kecamatan and a staff roster.

Deterministic per regency (the random generator is seeded with the slug), so a
demo looks the same on every machine. Every NIP is valid by the rules of
``smartcity.tenantcore.nip``; names are common Indonesian names. Every OPD and
kecamatan carries its SIPD code, and the Sekretariat Daerah's bagian are its SIPD
sub-units (as regencies register them), all valid by ``tenantcore.sipd_codes``.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from smartcity.reference import region_rows
from smartcity.tenantcore import sipd_codes
from smartcity.tenantcore.models import OrgUnit, Staff
from smartcity.tenantcore.nip import parse_nip
from smartcity.tenantcore.orgunit_import import STANDARD_OPD
from smartcity.tenantcore.staff import GOLONGAN

#: (code, name, kind, sub-units) of a typical kabupaten's OPD: the standard list.
OPD = STANDARD_OPD
JAVA_PROVINCES = {"31", "32", "33", "34", "35", "36"}
#: The urusan/bidang pairs of a standard OPD's SIPD code where they are not its own code
#: alone: OPDs serving more than one bidang, and those filed under another bidang
#: (Bapenda under keuangan, BKPSDM under kepegawaian, BPBD under trantibum).
SIPD_BIDANG = {
    "1.04": ("1.04", "2.10"),
    "2.07": ("2.07", "3.32"),
    "2.16": ("2.16", "2.20", "2.21"),
    "2.23": ("2.23", "2.24"),
    "3.26": ("3.26", "2.22"),
    "3.30": ("3.30", "3.31"),
    "5.01": ("5.01", "5.05"),
    "5.03": ("5.02",),
    "5.04": ("5.03", "5.04"),
    "5.05": ("1.05",),
}
#: The OPD whose sub-units SIPD budgets apart in the demo: the Sekretariat Daerah's bagian.
SIPD_SUB_UNITS_OF = {"4.01"}
FIRST_NAMES = (
    "Agus",
    "Budi",
    "Dedi",
    "Eko",
    "Hendra",
    "Iwan",
    "Joko",
    "Rudi",
    "Slamet",
    "Wahyu",
    "Yudi",
    "Asep",
    "Dadang",
    "Ujang",
    "Andi",
    "Arif",
    "Bambang",
    "Fajar",
    "Hadi",
    "Rizki",
    "Siti",
    "Sri",
    "Dewi",
    "Ratna",
    "Rina",
    "Yuni",
    "Nur",
    "Endang",
    "Wati",
    "Lestari",
    "Fitri",
    "Ayu",
    "Indah",
    "Kartika",
    "Mega",
    "Novi",
    "Putri",
    "Rahmawati",
    "Suci",
    "Tuti",
)
LAST_NAMES = (
    "Santoso",
    "Wijaya",
    "Saputra",
    "Hidayat",
    "Kurniawan",
    "Setiawan",
    "Nugroho",
    "Pratama",
    "Gunawan",
    "Susanto",
    "Hermawan",
    "Rahman",
    "Firmansyah",
    "Syahputra",
    "Wibowo",
    "Lubis",
    "Siregar",
    "Harahap",
    "Nasution",
    "Sitompul",
    "Pane",
    "Rangkuti",
    "Maulana",
    "Permana",
)
POSITIONS = (
    ("Analis Kebijakan", 9),
    ("Pengelola Keuangan", 7),
    ("Pengadministrasi Umum", 5),
    ("Pranata Komputer", 8),
    ("Arsiparis", 7),
    ("Penyusun Program", 7),
    ("Bendahara", 7),
    ("Pengelola Data", 6),
    ("Perencana Ahli Muda", 9),
    ("Auditor Ahli Pertama", 8),
    ("Guru Ahli Pertama", 8),
    ("Perawat Terampil", 7),
    ("Bidan Terampil", 7),
)


def staff_size(region_code: str, rng: random.Random) -> int:
    """A few hundred (outside Java) to a few thousand (Java), per DOMAIN.md's proportions."""
    if region_code.split(".", maxsplit=1)[0] in JAVA_PROVINCES:
        return rng.randint(1800, 3000)
    return rng.randint(500, 1200)


def _nip(rng: random.Random, status: str, taken: set[str]) -> str:
    while True:
        birth = date(rng.randint(1966, 2000), rng.randint(1, 12), rng.randint(1, 28))
        if status == "CPNS":
            year, month = 2024, rng.choice((3, 6))
        else:
            year = min(2023, birth.year + rng.randint(21, 33))
            month = 21 if status == "PPPK" else rng.randint(1, 12)
        value = f"{birth:%Y%m%d}{year:04d}{month:02d}{rng.choice('12')}{rng.randint(1, 999):03d}"
        if value not in taken:
            parse_nip(value, status)  # the generator must never produce an invalid NIP
            taken.add(value)
            return value


def seed_regency(session: Session, region_code: str, slug: str) -> dict[str, int]:
    """Org units and staff for a freshly provisioned regency (tenant session)."""
    rng = random.Random(slug)  # noqa: S311 - demo content, not secrets
    rows: list[dict[str, Any]] = []
    for code, name, kind, subs in OPD:
        rows.append({"code": code, "name": name, "kind": kind, "parent": None})
        rows += [
            {
                "code": f"{code}.{i:02d}",
                "name": sub,
                "kind": "bagian" if sub.startswith("Bagian") else "bidang",
                "parent": code,
            }
            for i, sub in enumerate(subs, start=1)
        ]
    kecamatan = [
        r for r in region_rows() if r.level == "kecamatan" and r.code.startswith(region_code + ".")
    ]
    rows += [
        {
            "code": f"7.{i:02d}",
            "name": f"Kecamatan {r.name}",
            "kind": "kecamatan",
            "parent": None,
            "region_code": r.code,
        }
        for i, r in enumerate(kecamatan, start=1)
    ]
    ids: dict[str, int] = {}
    for row in rows:  # parents come first in the list
        unit = OrgUnit(
            code=row["code"],
            name=row["name"],
            kind=row["kind"],
            parent_id=ids.get(row["parent"] or ""),
            region_code=row.get("region_code"),
        )
        session.add(unit)
        session.flush()
        ids[row["code"]] = unit.id
    _give_sipd_codes(session, rows, ids)
    staff = _roster(rng, list(ids.values()), staff_size(region_code, rng))
    session.execute(insert(Staff), staff)
    _link_heads(session)
    return {"units": len(ids), "staff": len(staff)}


def sipd_code_of(code: str, kind: str, numbers: dict[str, int]) -> str:
    """A standard OPD's SIPD code: its bidang pairs, numbered within the first bidang
    in the order met (``numbers`` counts them)."""
    pairs = ("7.01",) if kind == "kecamatan" else SIPD_BIDANG.get(code, (code,))
    numbers[pairs[0]] = numbers.get(pairs[0], 0) + 1
    filled = [*pairs, *[sipd_codes.NO_BIDANG] * (3 - len(pairs))]
    return f"{'.'.join(filled)}.{numbers[pairs[0]]:02d}.{sipd_codes.SKPD_ITSELF}"


def _give_sipd_codes(session: Session, rows: list[dict[str, Any]], ids: dict[str, int]) -> None:
    numbers: dict[str, int] = {}
    given: dict[str, str] = {}
    sub_numbers: dict[str, int] = {}
    for row in rows:  # parents first
        parent = row.get("parent")
        if parent is None:
            code = sipd_code_of(row["code"], row["kind"], numbers)
        elif parent in SIPD_SUB_UNITS_OF and parent in given:
            sub_numbers[parent] = sub_numbers.get(parent, 0) + 1
            code = f"{given[parent][:-5]}.{sub_numbers[parent]:04d}"
        else:
            continue
        # The generator must never produce a code the service would refuse.
        wrong = sipd_codes.problem(
            code, parent_code=given.get(parent or ""), is_sub_unit=parent is not None
        )
        if wrong is not None:
            raise ValueError(f"demo SIPD code {code}: {wrong}")
        given[row["code"]] = code
    for code, sipd in given.items():
        session.execute(update(OrgUnit).where(OrgUnit.id == ids[code]).values(sipd_code=sipd))


def _roster(rng: random.Random, unit_ids: list[int], size: int) -> list[dict[str, Any]]:
    taken: set[str] = set()
    staff = []
    for i in range(size):
        status = rng.choices(("PNS", "CPNS", "PPPK"), weights=(80, 5, 15))[0]
        nip = _nip(rng, status, taken)
        parsed = parse_nip(nip, status)
        head = i < len(unit_ids)  # the first staff of each unit leads it
        position, position_class = rng.choice(POSITIONS)
        golongan: str | None = rng.choice(GOLONGAN[4:15])
        if status == "CPNS":
            golongan = rng.choice(("II/a", "III/a"))
        elif status == "PPPK":
            golongan = rng.choice(("V", "VII", "IX"))
        staff.append(
            {
                "nip": nip,
                "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "status": status,
                "golongan": "IV/b" if head and status == "PNS" else golongan,
                "position": "Kepala Unit" if head else position,
                "position_class": 12 if head else position_class,
                "echelon": "III.a" if head else None,
                "unit_id": unit_ids[i % len(unit_ids)] if head else rng.choice(unit_ids),
                "supervisor_id": None,
                "sex": parsed.sex,
                "birth_date": parsed.birth_date,
                "is_active": True,
            }
        )
    return staff


def _link_heads(session: Session) -> None:
    """Everyone without an echelon reports to the head of their unit."""
    heads = dict(
        session.execute(select(Staff.unit_id, Staff.id).where(Staff.echelon.is_not(None))).all()
    )
    for unit_id, head_id in heads.items():
        session.execute(
            update(Staff)
            .where(Staff.unit_id == unit_id, Staff.echelon.is_(None))
            .values(supervisor_id=head_id)
            .execution_options(synchronize_session=False)
        )
