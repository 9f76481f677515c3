"""SAKIP's documents: the Perjanjian Kinerja as a signed PDF (core letterhead and signatures).

The PK prints its targets with yearly and quarterly figures and the budget behind
each, closed by two signature blocks: the superior (*pihak kedua*, e.g. the
Bupati, who has no NIP) and the official (*pihak pertama*). A signed PK is
locked, so printing it again gives the same document. Labels are Indonesian:
this is the regency's official document.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field
from smartcity.toolkit import (
    Column,
    Job,
    JobContext,
    NotFound,
    OrgUnit,
    Report,
    ReportDocument,
    ReportFormat,
    ReportParams,
    Section,
    SignatureBlock,
    User,
    member_units,
    number,
    permissions_for,
    rupiah,
)

from . import agreements, planning
from .access import APP, VIEW, VIEW_ALL, Actor
from .messages import M

LEVEL_TITLES = {"head": "Kepala OPD", "eselon3": "Eselon III", "eselon4": "Eselon IV"}


class AgreementParams(ReportParams):
    agreement_id: int = Field(ge=1, le=2**63 - 1, title="Perjanjian Kinerja")


def _actor(ctx: JobContext) -> Actor:
    job = ctx.session.get(Job, ctx.job_id)
    user = (
        ctx.session.get(User, job.requested_by_user_id)
        if job is not None and job.requested_by_user_id is not None
        else None
    )
    if user is None:
        return Actor(ctx.requested_by, frozenset({VIEW, VIEW_ALL}), None)
    perms = permissions_for(user.roles, ctx.tenant.apps)
    units = None if VIEW_ALL in perms else member_units(ctx.session, user.id, APP)
    return Actor(user.email, frozenset(perms), units, user.id)


def _figure(value: object) -> str:
    return "" if value is None else number(value)  # type: ignore[arg-type]


def build_agreement(ctx: JobContext, params: AgreementParams) -> ReportDocument:
    session = ctx.session
    agreement = agreements.get(session, _actor(ctx), params.agreement_id)
    unit = session.get(OrgUnit, agreement.org_unit_id)
    if unit is None:  # pragma: no cover - the foreign key keeps this from happening
        raise NotFound(M("no such performance agreement"))
    rows = agreements.targets(session, agreement)
    money = agreements.budgets(session, [t.id for t in rows])
    table = []
    total = Decimal(0)
    for index, t in enumerate(rows, start=1):
        indicator = planning.indicator_by_lineage(
            session, agreement.org_unit_id, t.indicator_lineage
        )
        funds = money.get(t.id, [])
        amount = sum((b.amount for b in funds), Decimal(0))
        total += amount
        table.append(
            (
                index,
                indicator.name if indicator else "-",
                indicator.unit if indicator else "",
                _figure(t.year_target),
                " / ".join(_figure(q) or "-" for q in t.quarters),
                "; ".join(f"{b.code} {b.name}" for b in funds) or "-",
                rupiah(amount),
            )
        )
    status = {"draft": "RANCANGAN (belum ditandatangani)", "signed": "", "superseded": "Diganti"}
    title = "Perjanjian Kinerja" + (" Perubahan" if agreement.revision else "")
    day = agreement.signed_on or date.today()  # noqa: DTZ011 - a draft's print date, unsigned
    return ReportDocument(
        title=f"{title} Tahun {agreement.year}",
        parameters=[
            ("Perangkat Daerah", unit.name),
            ("Tingkat", LEVEL_TITLES.get(agreement.level, agreement.level)),
            ("Revisi", str(agreement.revision)),
            *([("Status", status[agreement.status])] if status.get(agreement.status) else []),
            *([("Alasan perubahan", agreement.reason)] if agreement.reason else []),
        ],
        sections=[
            Section(
                "Sasaran, indikator, target dan anggaran",
                [
                    Column("No", kind="int", width=0.4),
                    Column("Indikator kinerja", width=3, wrap=True),
                    Column("Satuan", width=0.8),
                    Column("Target", width=0.9),
                    Column("TW I / II / III / IV", width=1.6),
                    Column("Sub kegiatan", width=2.6, wrap=True),
                    Column("Anggaran", width=1.4),
                ],
                table,
                total=("", "Jumlah", "", "", "", "", rupiah(total)),
            )
        ],
        signatures=[
            SignatureBlock(
                position=agreement.superior_position,
                name=agreement.superior_name,
                place=agreement.place,
                day=day,
                nip=agreement.superior_nip,
                caption="Pihak Kedua,",
            ),
            SignatureBlock(
                position=agreement.official_position,
                name=agreement.official_name,
                place=agreement.place,
                day=day,
                nip=agreement.official_nip,
                caption="Pihak Pertama,",
            ),
        ],
    )


agreement_report = Report(
    name="sakip_pk",
    title="Perjanjian Kinerja",
    params=AgreementParams,
    build=build_agreement,
    formats=(ReportFormat.PDF,),
    permission=VIEW,
    app=APP,
    filename="perjanjian-kinerja",
)
REPORTS = (agreement_report,)
