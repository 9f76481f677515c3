"""Demo data for a demo regency: a year in execution and the next one being drafted.

Sizes follow DOMAIN.md: a Java regency's APBD is Rp 1.5-2.5 T, others Rp
0.6-1.1 T, about 45% of it staff costs. Everything goes through the services,
so the demo obeys the same rules users do:

- the current year (2026) went RKA -> APBD (the legislature cut one plan) ->
  DPA, has a cash plan and SP2D payments up to November;
- the next year (2027) is being drafted: some plans locked, some returned with
  TAPD's notes, some submitted, some still drafts.

Idempotent: a regency that already has a fiscal year is left alone.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from smartcity.toolkit import OrgUnit, User
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import (
    ceilings,
    execution,
    kua_ppas,
    members,
    planning,
    review,
    stages,
    tapd,
    years,
)
from .access import ROLE_NAMES, Actor, system_actor
from .budget_documents import head_of
from .codes import program_code
from .coefficients import Factor
from .models import CatalogueItem, FiscalYear, Nomenclature, SubActivity
from .unit_codes import bidang_of

CURRENT, NEXT = 2026, 2027
PAID_THROUGH = 11  # November: the demo's "today" is late November
#: paid every month: staff costs, health insurance, utility bills
MONTHLY_ACCOUNTS = ("5.1.01", "5.1.02.02.02", "5.1.02.02.01.006")
JAVA = {"31", "32", "33", "34", "35", "36"}
STAFF_SHARE = Decimal("0.45")
#: OPD code -> the bidang its support programme is budgeted under when it has no SIPD
#: code (the demo's codes follow the bidang except where the nomenclature files them
#: elsewhere); with one, the first bidang the code names.
BIDANG_OF = {"5.04": "5.03", "5.05": "1.05"}
WEIGHTS = {
    "1.01": 30, "1.02": 14, "1.03": 12, "4.01": 5, "5.02": 4, "4.02": 3, "1.04": 2,
    "2.16": 1.5, "5.01": 1.5, "6.01": 1, "3.27": 1.5, "2.12": 1, "2.15": 1,
}  # fmt: skip
DEFAULT_WEIGHT = 0.8
#: The sub-unit that budgets an OPD's office running costs and supplies, where SIPD
#: knows one by that name (the Setda's bagian are its sub-units in the demo).
GENERAL_AFFAIRS = "Bagian Umum"
KECAMATAN_WEIGHT = 0.25
#: sub kegiatan of each OPD's own programmes: (code suffix, share of its non-staff
#: budget, [(item code, account, per-unit factors)])
PROGRAMMES: dict[str, list[tuple[str, float, list[tuple[str, str, list[str]]]]]] = {
    "1.01": [
        ("02.2.01.0002", 0.35, [("HSPK.1.1.1.10", "5.2.03.01.01.0012", ["lokal", "72 m2"])]),
        ("02.2.01.0009", 0.25, [("HSPK.1.1.1.12", "5.2.03.01.01.0012", ["lokal", "63 m2"])]),
        ("02.2.01.0017", 0.1, [("1.3.2.05.02.01.021", "5.2.02.05.02.0001", ["set"])]),
        (
            "02.2.01.0027",
            0.05,
            [
                ("SBU.02.04.001", "5.1.02.04.01.0004", ["orang", "2 hari"]),
                ("SBU.01.01.002", "5.1.02.02.01.0003", ["orang", "4 jam"]),
            ],
        ),
    ],
    "1.02": [
        ("02.2.01.0017", 0.3, [("1.1.7.03.01.01.004", "5.1.02.01.01.0036", ["paket"])]),
        ("02.2.01.0014", 0.1, [("1.3.2.07.01.01.011", "5.2.02.07.01.0001", ["unit"])]),
        ("02.2.01.0012", 0.2, [("HSPK.1.1.3.01", "5.1.02.03.03.0001", ["puskesmas", "400 m2"])]),
        (
            "02.2.02.0001",
            0.1,
            [
                ("1.1.7.02.01.01.002", "5.1.02.01.01.0052", ["orang", "4 kali"]),
                ("SBU.01.01.002", "5.1.02.02.01.0003", ["orang", "2 jam"]),
            ],
        ),
        ("02.2.02.0004", 0.05, [("1.1.7.02.01.01.002", "5.1.02.01.01.0052", ["balita", "2 kali"])]),
    ],
    "1.03": [
        (
            "10.2.01.0015",
            0.35,
            [("HSPK.2.2.1.01", "5.2.04.01.01.0003", ["ruas", "3500 m2"])],
        ),
        (
            "10.2.01.0012",
            0.3,
            [
                ("HSPK.2.2.1.05", "5.2.04.01.01.0003", ["ruas", "900 m3"]),
                ("HSPK.2.2.1.01", "5.2.04.01.01.0003", ["ruas", "6000 m2"]),
            ],
        ),
        ("02.2.02.0003", 0.2, [("HSPK.3.1.2.04", "5.2.04.02.01.0004", ["saluran", "120 m3"])]),
    ],
    "2.16": [
        ("03.2.02.0005", 0.4, [("1.3.2.10.02.04.005", "5.2.02.10.02.0004", ["unit"])]),
        (
            "03.2.02.0006",
            0.3,
            [
                ("SBU.01.02.002", "5.1.02.02.01.0004", ["orang", "12 bulan"]),
                ("1.3.2.10.01.02.004", "5.2.02.10.01.0002", ["unit"]),
            ],
        ),
    ],
    "5.01": [
        (
            "02.2.01.0002",
            0.5,
            [
                ("ASB.01.001", "5.1.02.01.01.0024", ["dokumen"]),
                ("SBU.02.04.001", "5.1.02.04.01.0004", ["orang", "3 hari"]),
            ],
        )
    ],
    "5.02": [
        (
            "02.2.01.0002",
            0.4,
            [
                ("SBU.02.04.001", "5.1.02.04.01.0004", ["orang", "5 hari"]),
                ("1.1.7.01.03.01.001", "5.1.02.01.01.0025", ["rim"]),
            ],
        )
    ],
    "6.01": [
        (
            "02.2.01.0002",
            0.5,
            [
                ("SBU.02.01.001", "5.1.02.04.01.0001", ["auditor", "5 hari"]),
                ("SBU.02.02.001", "5.1.02.04.01.0001", ["auditor", "4 malam"]),
            ],
        )
    ],
    "3.27": [("03.2.01.0005", 0.6, [("HSPK.2.2.3.02", "5.2.04.01.01.0012", ["ruas", "60 m3"])])],
}
RETURN_NOTES = (
    "Volume ATK melebihi kebutuhan; sesuaikan dengan jumlah pegawai.",
    "Lengkapi target keluaran dan lokasi sesuai Renja.",
    "Honor narasumber: lampirkan surat tugas; kurangi jam pelajaran.",
    "Harga satuan konstruksi agar mengikuti HSPK terbaru.",
)


@dataclass
class PlannedLine:
    item: str
    account: str
    factors: list[Factor]


@dataclass
class PlannedSub:
    code: str
    location: str
    funding: str
    target: Decimal
    lines: list[PlannedLine] = field(default_factory=list)
    #: The name of the OPD's sub-unit (with a SIPD code) that carries it, if it has one.
    sub_unit: str | None = None


@dataclass
class _Context:
    """What planning one year needs besides the OPD: prices, codes, dice, growth."""

    prices: dict[str, Decimal]
    known: set[str]
    rng: random.Random
    growth: Decimal
    actor: Actor


@dataclass
class _Drafted:
    fiscal_year: FiscalYear
    created: dict[int, list[SubActivity]]


def _factors(spec: list[str], count: int) -> list[Factor]:
    """``["orang", "2 hari"]`` with ``count`` for the first factor."""
    result = [Factor(Decimal(max(count, 1)), spec[0])]
    for extra in spec[1:]:
        quantity, _, unit = extra.partition(" ")
        result.append(Factor(Decimal(quantity), unit))
    return result


def _product(factors: list[Factor]) -> Decimal:
    total = Decimal(1)
    for factor in factors[1:]:
        total *= factor.quantity
    return total


def _bidang(unit: OrgUnit) -> str:
    if unit.sipd_code and (served := bidang_of(unit.sipd_code)):
        return served[0]
    if unit.kind == "kecamatan":
        return "7.01"
    return BIDANG_OF.get(unit.code, unit.code)


def _plan_opd(unit: OrgUnit, budget: Decimal, ctx: _Context) -> list[PlannedSub]:
    """What an OPD budgets: staff, office running costs, and its own programmes."""
    prices, known, rng, growth = ctx.prices, ctx.known, ctx.rng, ctx.growth
    bidang = _bidang(unit)
    staff_cost = prices["SBU.06.01.001"] + prices["SBU.06.01.002"] + prices["SBU.06.01.003"]
    people = int(budget * STAFF_SHARE / (staff_cost * 12)) or 1
    location = unit.name.removeprefix("Kecamatan ") if unit.kind == "kecamatan" else "Kabupaten"
    subs = [
        PlannedSub(
            f"{bidang}.01.2.02.0001",
            location,
            "DAU",
            Decimal(people),
            [
                PlannedLine(item, account, _factors(["orang", "12 bulan"], people))
                for item, account in (
                    ("SBU.06.01.001", "5.1.01.01.01.0001"),
                    ("SBU.06.01.002", "5.1.01.02.01.0001"),
                    ("SBU.06.01.003", "5.1.02.02.02.0001"),
                )
            ],
        )
    ]
    running = budget * Decimal("0.08")
    office = PlannedSub(f"{bidang}.01.2.08.0002", location, "PAD", Decimal(12))
    for item, account, share in (
        ("SBU.04.01.002", "5.1.02.02.01.0061", Decimal("0.5")),
        ("SBU.04.01.001", "5.1.02.02.01.0063", Decimal("0.2")),
        ("SBU.04.01.003", "5.1.02.02.01.0060", Decimal("0.1")),
    ):
        monthly = (running * share / 12).quantize(Decimal(1))
        price = min(prices[item], max(monthly, Decimal(100000)))
        office.lines.append(
            PlannedLine(item, account, [Factor(Decimal(12), "bulan")])
            if price == prices[item]
            else PlannedLine(f"{item}@{price}", account, [Factor(Decimal(12), "bulan")])
        )
    if unit.kind == "kecamatan":
        # A kecamatan's own service programme carries its bills and supplies too:
        # fewer, larger plans, as small units draft them.
        office.code = "7.01.02.2.02.0001"
        office.lines = [
            *office.lines[:1],
            PlannedLine("1.1.7.01.03.01.001", "5.1.02.01.01.0025", [Factor(Decimal(40), "rim")]),
            PlannedLine(
                "1.1.7.02.01.01.002",
                "5.1.02.01.01.0052",
                [Factor(Decimal(30), "orang"), Factor(Decimal(12), "kali")],
            ),
        ]
        return [*subs, office]
    subs.append(office)
    supplies = PlannedSub(f"{bidang}.01.2.06.0004", location, "PAD", Decimal(1))
    # Where an OPD's general affairs are a sub-unit SIPD knows (the Setda's Bagian Umum),
    # the office's running costs and supplies are budgeted there.
    office.sub_unit = supplies.sub_unit = GENERAL_AFFAIRS
    for item, account, per_person, unit_name in (
        ("1.1.7.01.03.01.001", "5.1.02.01.01.0025", Decimal("0.5"), "rim"),
        ("1.1.7.01.01.02.001", "5.1.02.01.01.0024", Decimal(2), "buah"),
        ("1.1.7.01.03.04.010", "5.1.02.01.01.0029", Decimal("0.05"), "buah"),
    ):
        count = int(people * per_person * growth * Decimal(rng.uniform(0.8, 1.2))) or 1
        supplies.lines.append(PlannedLine(item, account, [Factor(Decimal(count), unit_name)]))
    subs.append(supplies)
    own = [
        (f"{unit.code}.{suffix}", share, lines)
        for suffix, share, lines in PROGRAMMES.get(unit.code, [])
    ]
    rest = budget * (1 - STAFF_SHARE) - running
    for code, portion, lines in own:
        if code not in known:
            continue
        planned = PlannedSub(code, location, rng.choice(("PAD", "DAU", "DAK Fisik")), Decimal(1))
        target = rest * Decimal(str(portion)) / len(lines)
        for item, account, spec in lines:
            unit_cost = prices[item] * _product(_factors(spec, 1))
            count = int(target * growth / unit_cost) or 1
            planned.lines.append(PlannedLine(item, account, _factors(spec, count)))
            planned.target = Decimal(count)
        subs.append(planned)
    return subs


def _line_total(line: PlannedLine, prices: dict[str, Decimal]) -> Decimal:
    price = _price_of(line, prices)
    volume = Decimal(1)
    for factor in line.factors:
        volume *= factor.quantity
    return (volume * price).quantize(Decimal("0.01"))


def _price_of(line: PlannedLine, prices: dict[str, Decimal]) -> Decimal:
    code, _, price = line.item.partition("@")
    return Decimal(price) if price else prices[code]


def _round_up(amount: Decimal, step: int) -> Decimal:
    return (amount / step).to_integral_value(rounding=ROUND_CEILING) * step


def _draft_year(
    session: Session, year: int, plans: dict[int, list[PlannedSub]], ctx: _Context
) -> _Drafted:
    prices, actor = ctx.prices, ctx.actor
    fiscal_year = years.create_fiscal_year(session, year, actor=actor)
    items = dict(
        session.execute(
            select(CatalogueItem.code, CatalogueItem.id).where(CatalogueItem.year == year)
        ).all()
    )
    created: dict[int, list[SubActivity]] = {}
    for unit_id, subs in plans.items():
        sub_units = {u.name: u.id for u in planning.sub_units_of(session, unit_id)}
        totals = [sum((_line_total(ln, prices) for ln in s.lines), Decimal(0)) for s in subs]
        pagu = _round_up(sum(totals, Decimal(0)) * Decimal("1.02"), 1_000_000)
        ceilings.set_ceiling(session, fiscal_year, unit_id, pagu, actor=actor)
        for planned, total in zip(subs, totals, strict=True):
            sub = planning.create_sub_activity(
                session,
                fiscal_year,
                org_unit_id=unit_id,
                sub_kegiatan_code=planned.code,
                output_indicator=None,
                target=planned.target,
                target_unit=None,
                location=planned.location,
                funding_source=planned.funding,
                ceiling=_round_up(total * Decimal("1.01"), 1000),
                actor=actor,
                sub_unit_id=sub_units.get(planned.sub_unit or ""),
            )
            batch = []
            for line in planned.lines:
                code, _, price = line.item.partition("@")
                batch.append(
                    planning.LineInput(
                        items[code], line.account, line.factors, Decimal(price) if price else None
                    )
                )
            planning.add_lines(session, sub.id, batch, actor=actor)
            created.setdefault(unit_id, []).append(sub)
        # The PPAS ceiling of each program: what its sub-activities were given.
        programs: dict[str, Decimal] = {}
        for sub in created.get(unit_id, []):
            code = program_code(sub.sub_kegiatan_code)
            programs[code] = programs.get(code, Decimal(0)) + sub.ceiling
        for code, amount in sorted(programs.items()):
            kua_ppas.set_program_ceiling(session, fiscal_year, unit_id, code, amount, actor=actor)
    # The KUA-PPAS is agreed on these ceilings before the RKA is taken.
    kua_ppas.agree(
        session,
        fiscal_year,
        f"900/{year - 1}/KUA-PPAS",
        date(year - 1, 7, 31),
        actor=actor,
    )
    return _Drafted(fiscal_year, created)


def _lock(session: Session, fiscal_year: FiscalYear, unit_ids: list[int], actor: Actor) -> None:
    for unit_id in unit_ids:
        review.transition_opd(session, fiscal_year, unit_id, "submit", note=None, actor=actor)
        review.transition_opd(session, fiscal_year, unit_id, "lock", note=None, actor=actor)


def _even(amount: Decimal, parts: int) -> list[Decimal]:
    share = (amount / parts).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    values = [share] * parts
    values[-1] += amount - share * parts
    return values


def _payment_files(
    session: Session, fiscal_year: FiscalYear, rng: random.Random
) -> Iterator[tuple[str, bytes]]:
    """One CSV per month: staff costs every month, the rest as work progresses."""
    snap = stages.execution_snapshot(session, fiscal_year)
    assert snap is not None  # noqa: S101 - called after the DPA
    lines = list(execution.line_realization(session, fiscal_year, system_actor("demo")))
    schedule: dict[int, list[str]] = {}
    for line in lines:
        if line.account_code.startswith(MONTHLY_ACCOUNTS):
            monthly = _even(line.budget, 12)[:PAID_THROUGH]
            plan = list(enumerate(monthly, start=1))
        else:
            done = Decimal(rng.choice((0.35, 0.6, 0.8, 1.0)))
            months = sorted(rng.sample(range(3, PAID_THROUGH + 1), 2))
            parts = _even((line.budget * done).quantize(Decimal("0.01")), 2)
            plan = list(zip(months, parts, strict=True))
        for month, amount in plan:
            if amount <= 0:
                continue
            number = f"{len(schedule.get(month, [])) + 1:05d}/SP2D/{month:02d}/{fiscal_year.year}"
            schedule.setdefault(month, []).append(
                f"{number},{fiscal_year.year}-{month:02d}-{rng.randint(5, 25):02d},"
                f"{line.opd_code},{line.sub_kegiatan_code},{line.account_code},{amount},"
                f"pembayaran {line.account_name[:40].replace(',', ' ')}"
            )
    header = "nomor_sp2d,tanggal,kode_opd,kode_sub_kegiatan,kode_rekening,nilai,uraian"
    for month in sorted(schedule):
        body = "\n".join([header, *schedule[month]]) + "\n"
        yield f"sp2d-{fiscal_year.year}-{month:02d}.csv", body.encode()


#: The TAPD as regencies form it: the Sekda chairs, the head of the BPKAD (the PPKD)
#: is its secretary, the heads of Bappeda and Bapenda sit on it.
TAPD = (("4.01", "chair", False), ("5.02", "secretary", True), ("5.01", "member", False))
TAPD_MEMBERS = (("5.03", "member", False),)


def _seed_tapd(session: Session, opds: list[OrgUnit], actor: Actor) -> None:
    by_code = {unit.code: unit for unit in opds}
    for code, role, is_ppkd in (*TAPD, *TAPD_MEMBERS):
        unit = by_code.get(code)
        head = head_of(session, unit) if unit is not None else None
        if head is not None:
            tapd.set_member(session, head.id, role, is_ppkd=is_ppkd, actor=actor)


def seed(session: Session, region_code: str) -> dict[str, int]:
    """Fill a demo regency; returns what was created (empty when it already had data)."""
    if session.scalar(select(FiscalYear.id).limit(1)) is not None:
        return {}
    rng = random.Random(f"ebudgeting:{region_code}")  # noqa: S311 - demo content
    province = region_code.split(".", maxsplit=1)[0]
    low, high = (1500, 2500) if province in JAVA else (600, 1100)
    apbd = Decimal(rng.randrange(low, high)) * 1_000_000_000
    actor = system_actor("demo")
    opds = ceilings.list_opds(session)
    if not opds:
        return {}
    known = set(
        session.scalars(select(Nomenclature.code).where(Nomenclature.level == "sub_kegiatan"))
    )

    _seed_tapd(session, opds, actor)
    # Each OPD's share of the APBD, with a regency's own variation around the typical one.
    shares = {
        unit.id: (
            KECAMATAN_WEIGHT if unit.kind == "kecamatan" else WEIGHTS.get(unit.code, DEFAULT_WEIGHT)
        )
        * rng.uniform(0.7, 1.3)
        for unit in opds
    }

    def weight(unit: OrgUnit) -> float:
        return shares[unit.id]

    total_weight = sum(weight(u) for u in opds)
    counts = {"lines": 0, "payments": 0}
    for year, growth in ((CURRENT, Decimal(1)), (NEXT, Decimal("1.05"))):
        prices = dict(
            session.execute(
                select(CatalogueItem.code, CatalogueItem.max_price).where(
                    CatalogueItem.year == year, CatalogueItem.source == "central"
                )
            ).all()
        )
        ctx = _Context(prices, known, rng, growth, actor)
        plans = {
            unit.id: _plan_opd(unit, apbd * growth * Decimal(str(weight(unit) / total_weight)), ctx)
            for unit in opds
        }
        counts["lines"] += sum(len(s.lines) for subs in plans.values() for s in subs)
        drafted = _draft_year(session, year, plans, ctx)
        if year == CURRENT:
            counts["payments"] += _execute(session, drafted, ctx)
        else:
            _drafting(session, drafted, ctx)
    _assign_demo_users(session, opds)
    return counts


def _execute(session: Session, drafted: _Drafted, ctx: _Context) -> int:
    """RKA, the legislature's cut, APBD, DPA, cash plans and payments; returns how many."""
    fiscal_year, created, actor = drafted.fiscal_year, drafted.created, ctx.actor
    _lock(session, fiscal_year, list(created), actor)
    stages.take_snapshot(
        session,
        fiscal_year,
        "rka",
        document=stages.document_for("rka", fiscal_year.year, date(fiscal_year.year - 1, 8, 14)),
        actor=actor,
    )
    # The legislature trims one programme plan of the first OPD with one.
    cut = next((subs[-1] for subs in created.values() if len(subs) > 3), None)
    if cut is not None:
        review.transition(
            session,
            cut.id,
            "reopen",
            note="Rasionalisasi hasil pembahasan Banggar DPRD",
            actor=actor,
        )
        line = planning.lines_of(session, cut)[0]
        factors = [Factor(Decimal(f["quantity"]), f["unit"]) for f in line.factors]
        factors[0] = Factor(
            max(Decimal(1), (factors[0].quantity * Decimal("0.8")).to_integral_value()),
            factors[0].unit,
        )
        planning.update_line(session, line, factors=factors, actor=actor)
        review.transition(session, cut.id, "submit", note=None, actor=actor)
        review.transition(session, cut.id, "lock", note=None, actor=actor)
    stages.take_snapshot(
        session,
        fiscal_year,
        "apbd",
        document=stages.document_for("apbd", fiscal_year.year, date(fiscal_year.year - 1, 11, 28)),
        actor=actor,
    )
    dpa = stages.take_snapshot(
        session,
        fiscal_year,
        "dpa",
        document=stages.document_for("dpa", fiscal_year.year, date(fiscal_year.year, 1, 2)),
        actor=actor,
    )
    for subs in created.values():
        for sub in subs:
            amount = execution.snapshot_amount(session, dpa, sub.id)
            execution.set_cash_plan(session, sub.id, _even(amount, 12), actor=actor)
    return sum(
        execution.import_payments(session, fiscal_year, name, data, actor=actor).rows
        for name, data in _payment_files(session, fiscal_year, ctx.rng)
    )


def _drafting(session: Session, drafted: _Drafted, ctx: _Context) -> None:
    """Next year's plans at every step of the review."""
    fiscal_year, created, actor, rng = drafted.fiscal_year, drafted.created, ctx.actor, ctx.rng
    for index, unit_id in enumerate(created):
        step = index % 5
        if step == 4:
            continue  # still drafting
        review.transition_opd(session, fiscal_year, unit_id, "submit", note=None, actor=actor)
        if step in (0, 1):
            review.transition_opd(session, fiscal_year, unit_id, "lock", note=None, actor=actor)
        elif step == 2:
            sub = created[unit_id][-1]
            review.transition(session, sub.id, "return", note=rng.choice(RETURN_NOTES), actor=actor)


def _assign_demo_users(session: Session, opds: list[OrgUnit]) -> None:
    """The demo's OPD users (``opd-operator@``, ``opd-head@``) act for Dinas Kesehatan."""
    health = next((u for u in opds if u.code == "1.02"), opds[0])
    opd_roles = [name for key, name in ROLE_NAMES.items() if key.startswith("opd_")]
    for user in session.scalars(select(User).where(User.roles.overlap(opd_roles))):
        members.set_units(session, user.id, [health.id], actor=system_actor("demo"))
