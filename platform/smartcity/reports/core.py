"""The reports every regency has, whatever apps it chose.

- ``staff_by_unit_golongan``: how many pegawai each org unit has, by golongan.
- ``audit_log``: who changed what in a period.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy import and_, func, select

from smartcity.jobs.kinds import JobContext
from smartcity.reports.document import (
    Column,
    ReportDocument,
    ReportFormat,
    Section,
    SignatureBlock,
)
from smartcity.reports.registry import Report, ReportParams
from smartcity.tenantcore.models import AuditEntry, OrgUnit, Staff, TenantSettings
from smartcity.tenantcore.staff import GOLONGAN, GOLONGAN_PPPK

#: Who may read the audit log: the regency's administrators.
AUDIT_PERMISSION = "tenant.manage"
AUDIT_MAX_DAYS = 366
AUDIT_MAX_ROWS = 50_000
CHANGE_TEXT_LIMIT = 300
RANKS = ("I", "II", "III", "IV")
NO_GOLONGAN = "-"


def N_(message: str) -> str:  # noqa: N802 - the name pybabel extracts by default
    """Marks a report's title, description or parameter label for the core's catalogue;
    the report pages translate it where they show it (the document itself is Indonesian)."""
    return message


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()


def _tenant_zone(ctx: JobContext) -> ZoneInfo:
    settings = ctx.session.get(TenantSettings, 1)
    return ZoneInfo(settings.timezone if settings is not None else "Asia/Jakarta")


def _long_date(day: date) -> str:
    from babel.dates import format_date

    return format_date(day, "d MMMM yyyy", locale="id")


# --------------------------------------------------------------------------- staff


class StaffReportParams(ReportParams):
    include_inactive: bool = Field(False, title=N_("Include inactive staff"))
    signer_nip: str | None = Field(None, title=N_("Signer's NIP (PDF)"), max_length=21)
    signing_place: str | None = Field(
        None, title=N_("Place of signing"), max_length=100, validate_default=True
    )

    @field_validator("signer_nip")
    @classmethod
    def _eighteen_digits(cls, nip: str | None) -> str | None:
        digits = (nip or "").replace(" ", "")
        if not digits:
            return None
        if len(digits) != 18 or not digits.isdecimal():
            raise ValueError("a NIP has 18 digits")
        return digits

    @field_validator("signing_place")
    @classmethod
    def _signed_somewhere(cls, place: str | None, info: ValidationInfo) -> str | None:
        place = (place or "").strip() or None
        if info.data.get("signer_nip") and place is None:
            raise ValueError("required when a signer is named")
        return place


def _signature(ctx: JobContext, params: StaffReportParams) -> list[SignatureBlock]:
    """The signer the requester named, as that pegawai's position, name and NIP."""
    if not params.signer_nip:
        return []
    signer = ctx.session.scalar(
        select(Staff).where(Staff.nip == params.signer_nip, Staff.is_active.is_(True))
    )
    if signer is None:
        raise ValueError(f"tidak ada pegawai aktif dengan NIP {params.signer_nip}")
    return [
        SignatureBlock(
            position=signer.position,
            name=signer.name,
            nip=signer.nip,
            place=params.signing_place or "",
            day=datetime.now(_tenant_zone(ctx)).date(),
        )
    ]


def _golongan_order(status: str, golongan: str | None) -> tuple[int, int]:
    if golongan is None:
        return (2, 0)
    if status == "PPPK":
        return (1, GOLONGAN_PPPK.index(golongan) if golongan in GOLONGAN_PPPK else 99)
    return (0, GOLONGAN.index(golongan) if golongan in GOLONGAN else 99)


def _summary_column(status: str, golongan: str | None) -> str:
    """PNS and CPNS by golongan ruang (I-IV); PPPK on their own scale."""
    if golongan is None:
        return NO_GOLONGAN
    if status == "PPPK":
        return "PPPK"
    return golongan.split("/", maxsplit=1)[0]


def build_staff_by_unit_golongan(ctx: JobContext, params: StaffReportParams) -> ReportDocument:
    staff_filter = Staff.unit_id == OrgUnit.id
    if not params.include_inactive:
        staff_filter = and_(staff_filter, Staff.is_active.is_(True))
    counts = ctx.session.execute(
        select(OrgUnit.code, OrgUnit.name, Staff.status, Staff.golongan, func.count(Staff.id))
        .outerjoin(Staff, staff_filter)
        .where(OrgUnit.is_active.is_(True))
        .group_by(OrgUnit.code, OrgUnit.name, Staff.status, Staff.golongan)
        .order_by(OrgUnit.code)
    ).all()
    ctx.progress(40)

    units: dict[str, str] = {}
    summary: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    details: list[tuple[str, str, str, str, int]] = []
    for code, name, status, golongan, count in counts:
        units[code] = name
        if status is None:  # a unit without staff (the outer join's empty side)
            continue
        summary[code][_summary_column(status, golongan)] += count
        details.append((code, name, status, golongan or NO_GOLONGAN, count))
    details.sort(
        key=lambda d: (d[0], d[2], _golongan_order(d[2], None if d[3] == NO_GOLONGAN else d[3]))
    )

    groups = [*RANKS, "PPPK"]
    if any(NO_GOLONGAN in per_unit for per_unit in summary.values()):
        groups.append(NO_GOLONGAN)
    summary_rows: list[list[Any]] = []
    totals = dict.fromkeys(groups, 0)
    for code, name in units.items():
        per_unit = summary.get(code, {})
        values = [per_unit.get(group, 0) for group in groups]
        for group, value in zip(groups, values, strict=True):
            totals[group] += value
        summary_rows.append([code, name, *values, sum(values)])
    labels = {"PPPK": "PPPK", NO_GOLONGAN: "Tanpa gol."}
    summary_columns = [
        Column("Kode", width=1.2),
        Column("Unit kerja", width=4, wrap=True),
        *(Column(labels.get(g, f"Gol. {g}"), kind="int", width=1) for g in groups),
        Column("Jumlah", kind="int", width=1.1),
    ]
    grand_total = sum(totals.values())
    return ReportDocument(
        title="Rekapitulasi Pegawai per Unit Kerja dan Golongan",
        parameters=[
            ("Per tanggal", _long_date(_today())),
            ("Pegawai", "aktif dan nonaktif" if params.include_inactive else "aktif saja"),
            ("Jumlah pegawai", f"{grand_total:,}".replace(",", ".")),
        ],
        sections=[
            Section(
                "Ringkasan per golongan ruang",
                summary_columns,
                summary_rows,
                total=["", "Jumlah", *(totals[g] for g in groups), grand_total],
            ),
            Section(
                "Rincian per golongan",
                [
                    Column("Kode", width=1.2),
                    Column("Unit kerja", width=4, wrap=True),
                    Column("Status", width=1),
                    Column("Golongan", width=1),
                    Column("Jumlah", kind="int", width=1),
                ],
                details,
                total=["", "Jumlah", "", "", grand_total],
            ),
        ],
        notes=[
            "Gol. I-IV: PNS dan CPNS menurut golongan ruang. PPPK memakai golongan I-XVII "
            "tersendiri dan dihitung pada kolom PPPK."
        ],
        signatures=_signature(ctx, params),
    )


staff_by_unit_golongan = Report(
    name="staff_by_unit_golongan",
    title=N_("Staff by org unit and golongan"),
    description=N_("How many staff each org unit has, by golongan."),
    params=StaffReportParams,
    build=build_staff_by_unit_golongan,
    filename="rekap-pegawai",
)


# --------------------------------------------------------------------------- audit log


def _first_of_previous_month() -> date:
    return (_today().replace(day=1) - timedelta(days=1)).replace(day=1)


def _last_of_previous_month() -> date:
    return _today().replace(day=1) - timedelta(days=1)


class AuditReportParams(ReportParams):
    start: date = Field(default_factory=_first_of_previous_month, title=N_("From date"))
    end: date = Field(default_factory=_last_of_previous_month, title=N_("Until date"))

    @field_validator("end")
    @classmethod
    def _a_period(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("start")
        if isinstance(start, date):
            if end < start:
                raise ValueError("must not be before the start date")
            if (end - start).days >= AUDIT_MAX_DAYS:
                raise ValueError(f"the period may span at most {AUDIT_MAX_DAYS} days")
        return end


def _changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """What changed, briefly: ``field: old → new`` (or the new values of a creation)."""
    before, after = before or {}, after or {}
    parts = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key not in before:
            parts.append(f"{key}={new}")
        elif key not in after:
            parts.append(f"{key}: {old} → (dihapus)")
        else:
            parts.append(f"{key}: {old} → {new}")
    text = "; ".join(parts)
    return text if len(text) <= CHANGE_TEXT_LIMIT else text[: CHANGE_TEXT_LIMIT - 1] + "…"


def build_audit_log(ctx: JobContext, params: AuditReportParams) -> ReportDocument:
    zone = _tenant_zone(ctx)
    start = datetime.combine(params.start, time.min, tzinfo=zone)
    end = datetime.combine(params.end + timedelta(days=1), time.min, tzinfo=zone)
    query = (
        select(AuditEntry)
        .where(AuditEntry.at >= start, AuditEntry.at < end)
        .order_by(AuditEntry.at, AuditEntry.id)
        .limit(AUDIT_MAX_ROWS + 1)
        .execution_options(yield_per=2000)
    )
    rows: list[list[Any]] = []
    for number, entry in enumerate(ctx.session.scalars(query), start=1):
        if number > AUDIT_MAX_ROWS:
            break
        rows.append(
            [
                entry.at,
                entry.actor,
                entry.action,
                entry.entity,
                entry.entity_id or "",
                _changes(entry.before, entry.after),
            ]
        )
        if number % 5000 == 0:
            ctx.progress(min(70, 10 + number * 60 // AUDIT_MAX_ROWS))
    truncated = (
        len(rows) >= AUDIT_MAX_ROWS
        and (
            ctx.session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.at >= start, AuditEntry.at < end)
            )
            or 0
        )
        > AUDIT_MAX_ROWS
    )
    notes = [f"Waktu dalam zona {zone.key}."]
    if truncated:
        notes.append(
            f"Hanya {AUDIT_MAX_ROWS:,} entri pertama yang dimuat; persempit periodenya.".replace(
                ",", "."
            )
        )
    return ReportDocument(
        title="Log Audit",
        parameters=[
            ("Periode", f"{_long_date(params.start)} s.d. {_long_date(params.end)}"),
            ("Jumlah entri", f"{len(rows):,}".replace(",", ".")),
        ],
        sections=[
            Section(
                "Entri log audit",
                [
                    Column("Waktu", kind="datetime", width=1.6),
                    Column("Pelaku", width=2.2, wrap=True),
                    Column("Tindakan", width=1.6, wrap=True),
                    Column("Entitas", width=1.2),
                    Column("ID", width=0.8),
                    Column("Perubahan", width=5, wrap=True),
                ],
                rows,
                empty_text="Tidak ada entri pada periode ini.",
            )
        ],
        notes=notes,
    )


audit_log = Report(
    name="audit_log",
    title=N_("Audit log for a period"),
    description=N_("Who changed what, with the values before and after."),
    params=AuditReportParams,
    build=build_audit_log,
    permission=AUDIT_PERMISSION,
    formats=(ReportFormat.PDF, ReportFormat.XLSX, ReportFormat.CSV),
    filename="log-audit",
)

#: The reports every regency has; the job catalogue adds the enabled apps' own.
CORE_REPORTS: tuple[Report[Any], ...] = (staff_by_unit_golongan, audit_log)
