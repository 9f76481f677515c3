"""Stage snapshots (RKA -> APBD -> DPA, revision RKA-P -> DPPA) and their differences.

A snapshot copies every budget line of the year as it stands, in one
``INSERT ... SELECT``, once every sub-activity is locked. Lines keep their id
across stages, so two snapshots compare line by line: what was added, removed
or changed, and by how much per sub-activity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from smartcity.toolkit import Conflict, InvalidInput, NotFound, OrgUnit, record_audit
from sqlalchemy import func, insert, literal, or_, select
from sqlalchemy.orm import Session, aliased

from tenants.ebudgeting.messages import _m

from .access import LOCK, Actor
from .coefficients import coefficient_text
from .kua_ppas import require_within_ceilings
from .models import (
    BudgetLine,
    FiscalYear,
    Nomenclature,
    Snapshot,
    SnapshotLine,
    SubActivity,
)
from .review import record_event
from .years import STAGE_TITLES, STAGES, next_stage

EXECUTION_STAGES = ("dppa", "dpa")  # the document in force, newest first
CASH_PLAN_STAGES = ("dppa", "dpa", "apbd")
ZERO = Decimal(0)


def snapshot_of(session: Session, fiscal_year: FiscalYear, stage: str) -> Snapshot | None:
    return session.scalar(
        select(Snapshot).where(Snapshot.fiscal_year_id == fiscal_year.id, Snapshot.stage == stage)
    )


def snapshots(session: Session, fiscal_year: FiscalYear) -> list[Snapshot]:
    rows = session.scalars(select(Snapshot).where(Snapshot.fiscal_year_id == fiscal_year.id))
    return sorted(rows, key=lambda s: STAGES.index(s.stage))


def latest_snapshot(
    session: Session, fiscal_year: FiscalYear, stages: tuple[str, ...]
) -> Snapshot | None:
    """The first of ``stages`` (newest first) that this year has."""
    for stage in stages:
        if (found := snapshot_of(session, fiscal_year, stage)) is not None:
            return found
    return None


def execution_snapshot(session: Session, fiscal_year: FiscalYear) -> Snapshot | None:
    """The DPPA once issued, else the DPA: what payments are charged against."""
    return latest_snapshot(session, fiscal_year, EXECUTION_STAGES)


def _unlocked(session: Session, fiscal_year: FiscalYear) -> list[tuple[str, str]]:
    return [
        (code, name)
        for code, name in session.execute(
            select(SubActivity.sub_kegiatan_code, OrgUnit.name)
            .join(OrgUnit, OrgUnit.id == SubActivity.org_unit_id)
            .where(SubActivity.fiscal_year_id == fiscal_year.id, SubActivity.status != "locked")
            .order_by(OrgUnit.code, SubActivity.sub_kegiatan_code)
        ).all()
    ]


#: The document each stage is taken on (printed on the RKA/DPA and asked for by the page).
LEGAL_BASIS = {
    "rka": "Surat Edaran Kepala Daerah tentang Pedoman Penyusunan RKA-SKPD",
    "apbd": "Peraturan Daerah tentang APBD",
    "dpa": "Nomor DPA",
    "rka_p": "Nota Kesepakatan Perubahan KUA-PPAS",
    "dppa": "Nomor DPPA",
}
#: The Perkada on the APBD's elaboration (penjabaran) comes with the Perda.
ELABORATION = "Peraturan Kepala Daerah tentang Penjabaran APBD"
DOCUMENT_NUMBER_MAX = 100


@dataclass(frozen=True)
class StageDocument:
    """The number and date of the document a stage is taken on; for the APBD also
    the Perkada on its elaboration."""

    number: str
    day: date | None
    elaboration_number: str | None = None


def document_for(stage: str, year: int, day: date) -> StageDocument:
    """A plausible document for ``stage`` of ``year``, numbered the way regencies do:
    for the demo and the benchmarks, which take every stage without a person asking."""
    numbers = {
        "rka": f"900/{year - 1}/SE-RKA",
        "apbd": f"Perda Nomor 1 Tahun {year}",
        "dpa": f"DPA/{year}/001",
        "rka_p": f"900/{year}/KUPA-PPAS",
        "dppa": f"DPPA/{year}/001",
    }
    elaboration = f"Perbup Nomor 1 Tahun {year}" if stage == "apbd" else None
    return StageDocument(numbers[stage], day, elaboration)


def _check_document(fiscal_year: FiscalYear, stage: str, document: StageDocument) -> None:
    """Every stage names its document and date, within the budget year or the one before."""
    problems: dict[str, str] = {}
    if not document.number.strip() or len(document.number) > DOCUMENT_NUMBER_MAX:
        problems["document_number"] = _m(
            "required, at most %(count)s characters", count=DOCUMENT_NUMBER_MAX
        )
    if document.day is None or not (fiscal_year.year - 1 <= document.day.year <= fiscal_year.year):
        problems["document_date"] = _m(
            "a date in %(before)s or %(year)s", before=fiscal_year.year - 1, year=fiscal_year.year
        )
    elaboration = (document.elaboration_number or "").strip()
    if stage == "apbd" and (not elaboration or len(elaboration) > DOCUMENT_NUMBER_MAX):
        problems["elaboration_number"] = _m(
            "required, at most %(count)s characters", count=DOCUMENT_NUMBER_MAX
        )
    if problems:
        raise InvalidInput(
            _m(
                "the %(stage)s needs its document: %(basis)s, number and date",
                stage=STAGE_TITLES[stage],
                basis=LEGAL_BASIS[stage],
            ),
            problems,
        )


@dataclass(frozen=True)
class YearSteps:
    """What the actor may do to a year's stages now: the overview's buttons."""

    snapshot: str | None  # the stage whose snapshot may be taken next
    open_revision: bool


def available_steps(fiscal_year: FiscalYear, actor: Actor) -> YearSteps:
    """The stage steps ``take_snapshot`` and ``open_revision`` would consider.

    Whether every plan is locked is checked when the step is taken (the page says
    a snapshot needs it); the order of the stages and the revision are decided here.
    """
    if not actor.can(LOCK):
        return YearSteps(None, open_revision=False)
    stage = next_stage(fiscal_year)
    if stage == "rka_p" and not fiscal_year.revision_open:
        stage = None
    return YearSteps(
        stage, open_revision=fiscal_year.stage == "dpa" and not fiscal_year.revision_open
    )


def take_snapshot(
    session: Session,
    fiscal_year: FiscalYear,
    stage: str,
    *,
    document: StageDocument,
    actor: Actor,
) -> Snapshot:
    """Freeze the year's lines as ``stage`` on ``document``; only the next stage, once
    all is locked. Irreversible: the page asks for a confirmation first."""
    actor.require(LOCK)
    session.refresh(fiscal_year, with_for_update=True)
    expected = next_stage(fiscal_year)
    if stage != expected:
        raise Conflict(
            _m(
                "the next stage of %(year)s is %(expected)s, not %(stage)s",
                year=fiscal_year.year,
                expected=STAGE_TITLES[expected] if expected else _m("none (the DPPA is issued)"),
                stage=STAGE_TITLES.get(stage, stage),
            ),
            {"stage": _m("expected %(stage)s", stage=expected or "-")},
        )
    if stage == "rka_p" and not fiscal_year.revision_open:
        raise Conflict(
            _m("open the revision of %(year)s before taking the RKA-P", year=fiscal_year.year),
            {"stage": _m("revision not open")},
        )
    count = session.scalar(
        select(func.count())
        .select_from(SubActivity)
        .where(SubActivity.fiscal_year_id == fiscal_year.id)
    )
    if not count:
        raise Conflict(
            _m("%(year)s has no sub-activities yet", year=fiscal_year.year), {"stage": _m("empty")}
        )
    if unlocked := _unlocked(session, fiscal_year):
        examples = "; ".join(f"{code} ({opd})" for code, opd in unlocked[:3])
        raise Conflict(
            _m(
                "%(count)s sub-activities are not locked by TAPD yet, e.g. %(examples)s",
                count=len(unlocked),
                examples=examples,
            ),
            {"stage": _m("%(count)s not locked", count=len(unlocked))},
        )
    if stage == "rka":  # on an agreed KUA-PPAS, within its ceilings
        require_within_ceilings(session, fiscal_year, actor)
    _check_document(fiscal_year, stage, document)
    snap = Snapshot(
        fiscal_year_id=fiscal_year.id,
        stage=stage,
        total=ZERO,
        line_count=0,
        taken_by=actor.label,
        document_number=document.number.strip(),
        document_date=document.day,
        elaboration_number=(document.elaboration_number or "").strip() or None,
    )
    session.add(snap)
    session.flush()
    columns = [
        "snapshot_id",
        "line_id",
        "sub_activity_id",
        "org_unit_id",
        "sub_unit_id",
        "sub_kegiatan_code",
        "account_code",
        "catalogue_item_id",
        "description",
        "factors",
        "volume",
        "unit",
        "unit_price",
        "amount",
    ]
    source = (
        select(
            literal(snap.id),
            BudgetLine.id,
            SubActivity.id,
            SubActivity.org_unit_id,
            SubActivity.sub_unit_id,
            SubActivity.sub_kegiatan_code,
            BudgetLine.account_code,
            BudgetLine.catalogue_item_id,
            BudgetLine.description,
            BudgetLine.factors,
            BudgetLine.volume,
            BudgetLine.unit,
            BudgetLine.unit_price,
            BudgetLine.amount,
        )
        .join(SubActivity, SubActivity.id == BudgetLine.sub_activity_id)
        .where(SubActivity.fiscal_year_id == fiscal_year.id)
    )
    session.execute(insert(SnapshotLine).from_select(columns, source))
    total, lines = session.execute(
        select(func.coalesce(func.sum(SnapshotLine.amount), 0), func.count()).where(
            SnapshotLine.snapshot_id == snap.id
        )
    ).one()
    snap.total, snap.line_count = Decimal(total), int(lines)
    fiscal_year.stage = stage
    if stage == "dppa":
        fiscal_year.revision_open = False
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.stage.snapshot",
        entity="eb_fiscal_year",
        entity_id=fiscal_year.id,
        after={
            "year": fiscal_year.year,
            "stage": stage,
            "total": str(snap.total),
            "lines": lines,
            "document_number": snap.document_number,
            "document_date": str(snap.document_date),
            "elaboration_number": snap.elaboration_number,
        },
    )
    return snap


def open_revision(session: Session, fiscal_year: FiscalYear, *, actor: Actor) -> int:
    """Start the mid-year revision (RKA-P): every plan goes back to draft; returns how many."""
    actor.require(LOCK)
    session.refresh(fiscal_year, with_for_update=True)
    if fiscal_year.stage != "dpa" or fiscal_year.revision_open:
        raise Conflict(
            _m(
                "the revision of %(year)s opens once, after the DPA is issued",
                year=fiscal_year.year,
            ),
            {"stage": _m("not after the DPA")},
        )
    fiscal_year.revision_open = True
    subs = list(
        session.scalars(
            select(SubActivity)
            .where(SubActivity.fiscal_year_id == fiscal_year.id, SubActivity.status == "locked")
            .with_for_update(of=SubActivity)
        )
    )
    for sub in subs:
        record_event(
            session,
            sub,
            action="revise",
            target="draft",
            note="mid-year revision (RKA-P) opened",
            actor=actor,
        )
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ebudgeting.stage.open_revision",
        entity="eb_fiscal_year",
        entity_id=fiscal_year.id,
        after={"year": fiscal_year.year, "reopened": len(subs)},
    )
    return len(subs)


# --------------------------------------------------------------------------- differences


@dataclass(frozen=True)
class LineValues:
    account_code: str
    description: str
    coefficient: str
    volume: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class LineChange:
    """One line that differs between two stages (``before``/``after`` None: added/removed)."""

    line_id: int
    sub_activity_id: int
    org_unit_id: int
    sub_kegiatan_code: str
    before: LineValues | None
    after: LineValues | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        return "removed" if self.after is None else "changed"

    @property
    def delta(self) -> Decimal:
        return (self.after.amount if self.after else ZERO) - (
            self.before.amount if self.before else ZERO
        )


@dataclass(frozen=True)
class SubActivityChange:
    sub_activity_id: int
    org_unit_id: int
    org_unit_name: str
    sub_kegiatan_code: str
    name: str
    before: Decimal
    after: Decimal

    @property
    def delta(self) -> Decimal:
        return self.after - self.before


@dataclass(frozen=True)
class StageDiff:
    from_stage: str
    to_stage: str
    total_before: Decimal
    total_after: Decimal
    sub_activities: list[SubActivityChange]
    lines: list[LineChange]
    lines_truncated: bool

    @property
    def delta(self) -> Decimal:
        return self.total_after - self.total_before


def _required(session: Session, fiscal_year: FiscalYear, stage: str) -> Snapshot:
    snap = snapshot_of(session, fiscal_year, stage)
    if snap is None:
        raise NotFound(
            _m(
                "%(year)s has no %(stage)s snapshot",
                year=fiscal_year.year,
                stage=STAGE_TITLES.get(stage, stage),
            ),
            {"stage": _m("not taken")},
        )
    return snap


def _per_sub(
    session: Session, snap: Snapshot, unit_ids: frozenset[int] | None
) -> dict[int, tuple[int, str, Decimal]]:
    query = (
        select(
            SnapshotLine.sub_activity_id,
            SnapshotLine.org_unit_id,
            SnapshotLine.sub_kegiatan_code,
            func.sum(SnapshotLine.amount),
        )
        .where(SnapshotLine.snapshot_id == snap.id)
        .group_by(
            SnapshotLine.sub_activity_id, SnapshotLine.org_unit_id, SnapshotLine.sub_kegiatan_code
        )
    )
    if unit_ids is not None:
        query = query.where(SnapshotLine.org_unit_id.in_(unit_ids))
    return {sid: (uid, code, Decimal(total)) for sid, uid, code, total in session.execute(query)}


def _values(row: SnapshotLine | None) -> LineValues | None:
    if row is None:
        return None
    return LineValues(
        row.account_code,
        row.description,
        coefficient_text(row.factors),
        row.volume,
        row.unit,
        row.unit_price,
        row.amount,
    )


def diff(
    session: Session,
    fiscal_year: FiscalYear,
    from_stage: str,
    to_stage: str,
    *,
    actor: Actor,
    org_unit_id: int | None = None,
    max_lines: int = 2000,
) -> StageDiff:
    """What changed from one snapshot to another, for the OPDs the actor sees."""
    before, after = (_required(session, fiscal_year, s) for s in (from_stage, to_stage))
    unit_ids = actor.unit_ids
    if org_unit_id is not None:
        actor.require_unit(org_unit_id)
        unit_ids = frozenset({org_unit_id})
    old, new = _per_sub(session, before, unit_ids), _per_sub(session, after, unit_ids)
    names = dict(
        session.execute(
            select(Nomenclature.code, Nomenclature.name).where(
                Nomenclature.code.in_({v[1] for v in (*old.values(), *new.values())})
            )
        ).all()
    )
    units = dict(session.execute(select(OrgUnit.id, OrgUnit.name)).all())
    subs = []
    for sid in sorted(set(old) | set(new), key=lambda s: (old.get(s) or new[s])[1]):
        uid, code, _ = old.get(sid) or new[sid]
        subs.append(
            SubActivityChange(
                sid,
                uid,
                units.get(uid, "?"),
                code,
                names.get(code, ""),
                old[sid][2] if sid in old else ZERO,
                new[sid][2] if sid in new else ZERO,
            )
        )
    # The full join must see only the two snapshots: filter each side before joining.
    a_rows = select(SnapshotLine).where(SnapshotLine.snapshot_id == before.id)
    b_rows = select(SnapshotLine).where(SnapshotLine.snapshot_id == after.id)
    if unit_ids is not None:
        a_rows = a_rows.where(SnapshotLine.org_unit_id.in_(unit_ids))
        b_rows = b_rows.where(SnapshotLine.org_unit_id.in_(unit_ids))
    a = aliased(SnapshotLine, a_rows.subquery())
    b = aliased(SnapshotLine, b_rows.subquery())
    joined = (
        select(a, b)
        .select_from(a)
        .join(b, a.line_id == b.line_id, full=True)
        .where(
            or_(
                a.id.is_(None),
                b.id.is_(None),
                a.amount != b.amount,
                a.volume != b.volume,
                a.unit_price != b.unit_price,
                a.account_code != b.account_code,
                a.description != b.description,
            )
        )
        .order_by(
            func.coalesce(a.sub_kegiatan_code, b.sub_kegiatan_code),
            func.coalesce(a.line_id, b.line_id),
        )
        .limit(max_lines + 1)
    )
    rows = session.execute(joined).all()
    changes = []
    for old_line, new_line in rows[:max_lines]:
        ref = old_line or new_line
        changes.append(
            LineChange(
                ref.line_id,
                ref.sub_activity_id,
                ref.org_unit_id,
                ref.sub_kegiatan_code,
                _values(old_line),
                _values(new_line),
            )
        )
    return StageDiff(
        from_stage,
        to_stage,
        sum((s.before for s in subs), ZERO),
        sum((s.after for s in subs), ZERO),
        subs,
        changes,
        len(rows) > max_lines,
    )


def stage_totals(
    session: Session, fiscal_year: FiscalYear, actor: Actor
) -> dict[str, dict[int, Decimal]]:
    """Per stage taken, each OPD's total: the stage columns of the overview."""
    query = (
        select(Snapshot.stage, SnapshotLine.org_unit_id, func.sum(SnapshotLine.amount))
        .join(SnapshotLine, SnapshotLine.snapshot_id == Snapshot.id)
        .where(Snapshot.fiscal_year_id == fiscal_year.id)
        .group_by(Snapshot.stage, SnapshotLine.org_unit_id)
    )
    if actor.unit_ids is not None:
        query = query.where(SnapshotLine.org_unit_id.in_(actor.unit_ids))
    result: dict[str, dict[int, Decimal]] = {}
    for stage, unit_id, total in session.execute(query):
        result.setdefault(stage, {})[unit_id] = Decimal(total)
    return result
