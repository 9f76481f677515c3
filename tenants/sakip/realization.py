"""Quarterly realization: figures with evidence and notes, a cutoff, the officer's verdict.

An OPD enters each quarter's figure for the indicators of its signed PK until
the quarter's cutoff (the quarter's last day plus the regency's
``cutoff_days``). The OPD's SAKIP officer then verifies it or returns it with a
note; whoever entered a figure does not verify it, and a verified figure is
locked. Achievement is always the :mod:`.capaian` engine's, with the regency's rules.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from smartcity.toolkit import Conflict, Forbidden, InvalidInput, NotFound, record_audit
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import agreements
from .access import REALIZE, SETTINGS, VERIFY, Actor
from .capaian import (
    Achievement,
    Aggregation,
    NegativeFormula,
    Polarity,
    Rules,
    achievement,
    aggregate,
    band,
    to_date,
    year_end,
)
from .messages import M
from .models import (
    Agreement,
    AgreementTarget,
    Evidence,
    Indicator,
    MonthlyRealization,
    Realization,
    SakipSettings,
)
from .planning import indicators_by_lineage

#: Evidence files: what a regency's officers upload (scans, photos, spreadsheets).
EVIDENCE_TYPES = {
    "application/pdf": b"%PDF",
    "image/png": b"\x89PNG",
    "image/jpeg": b"\xff\xd8\xff",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": b"PK",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": b"PK",
}
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024


def settings(session: Session) -> SakipSettings:
    found = session.get(SakipSettings, 1)
    if found is None:
        found = SakipSettings(
            id=1,
            negative_formula="2t_minus_r",
            cap_percent=Decimal(120),
            green_from=Decimal(90),
            amber_from=Decimal(70),
            cutoff_days=15,
            grade_bound_inclusive=True,
            monthly_realization=False,
        )
        session.add(found)
        session.flush()
    return found


def rules(found: SakipSettings) -> Rules:
    return Rules(NegativeFormula(found.negative_formula), found.cap_percent)


def update_settings(
    session: Session,
    actor: Actor,
    *,
    negative_formula: str,
    cap_percent: Decimal | None,
    green_from: Decimal,
    amber_from: Decimal,
    cutoff_days: int,
    grade_bound_inclusive: bool | None = None,
    monthly_realization: bool | None = None,
) -> SakipSettings:
    """Change the regency's rules; ``grade_bound_inclusive`` or ``monthly_realization``
    None keeps it as it is."""
    actor.require(SETTINGS)
    problems: dict[str, str] = {}
    if negative_formula not in set(NegativeFormula):
        problems["negative_formula"] = M("2t_minus_r or t_over_r")
    if cap_percent is not None and not Decimal(100) <= cap_percent <= Decimal(1000):
        problems["cap_percent"] = M("between 100 and 1000, or none")
    if not Decimal(0) <= amber_from <= green_from <= Decimal(1000):
        problems["amber_from"] = M("amber starts at or below green")
    if not 0 <= cutoff_days <= 120:
        problems["cutoff_days"] = M("between 0 and 120 days")
    if problems:
        raise InvalidInput(M("the settings have problems"), problems)
    found = settings(session)
    before = {"negative_formula": found.negative_formula, "cap_percent": str(found.cap_percent)}
    found.negative_formula = negative_formula
    found.cap_percent = cap_percent
    found.green_from = green_from
    found.amber_from = amber_from
    found.cutoff_days = cutoff_days
    if grade_bound_inclusive is not None:
        found.grade_bound_inclusive = grade_bound_inclusive
    if monthly_realization is not None:
        found.monthly_realization = monthly_realization
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="sakip.settings",
        entity="sakip_settings",
        entity_id=1,
        before=before,
        after={
            "negative_formula": negative_formula,
            "cap_percent": str(cap_percent),
            "monthly_realization": found.monthly_realization,
        },
    )
    return found


def closes_on(found: SakipSettings, year: int, quarter: int) -> date:
    """The last day a quarter's figures may be entered."""
    month = quarter * 3
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last + timedelta(days=found.cutoff_days)


def closes_on_month(found: SakipSettings, year: int, month: int) -> date:
    """The last day a month's figures may be entered (monthly reporting)."""
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last + timedelta(days=found.cutoff_days)


def _require_listed(session: Session, org_unit_id: int, indicator_lineage: int, year: int) -> None:
    signed = agreements.in_force(session, org_unit_id, year)
    listed = signed is not None and session.scalar(
        select(AgreementTarget.id).where(
            AgreementTarget.agreement_id == signed.id,
            AgreementTarget.indicator_lineage == indicator_lineage,
        )
    )
    if not listed:
        raise InvalidInput(
            M("the indicator is not in the OPD's signed agreement for %(year)s", year=year),
            {"indicator_lineage": M("not in the signed agreement")},
        )


def enter_month(
    session: Session,
    actor: Actor,
    *,
    org_unit_id: int,
    indicator_lineage: int,
    year: int,
    month: int,
    value: Decimal,
    note: str,
    today: date,
    source: dict[str, Any] | None = None,
) -> Realization:
    """Enter (or correct) a month's figure where the regency reports monthly.

    The month has its own cutoff (its last day plus ``cutoff_days``); its quarter's
    figure is then rolled up from the quarter's months by the capaian engine
    (:func:`~.capaian.aggregate` with the indicator's rule: a cumulative indicator
    sums its months, an average one takes their mean, a last-value one the latest
    month), and that quarter figure is what the officer verifies and what every
    achievement reads. A verified quarter locks its months.
    """
    actor.require(REALIZE)
    actor.require_unit(org_unit_id)
    if not 1 <= month <= 12:
        raise InvalidInput(M("a month is 1 to 12"), {"month": M("1 to 12")})
    found = settings(session)
    if not found.monthly_realization:
        raise Conflict(
            M("this regency reports quarterly: enter the quarter's figure"),
            {"month": M("quarterly reporting")},
        )
    _require_listed(session, org_unit_id, indicator_lineage, year)
    closing = closes_on_month(found, year, month)
    if today > closing:
        raise Conflict(
            M(
                "month %(month)s of %(year)s closed on %(day)s",
                month=month,
                year=year,
                day=closing.isoformat(),
            ),
            {"month": M("closed")},
        )
    if today < date(year, month, 1):
        raise InvalidInput(M("this month has not started"), {"month": M("not started")})
    quarter = (month - 1) // 3 + 1
    row = session.scalar(
        select(Realization).where(
            Realization.org_unit_id == org_unit_id,
            Realization.indicator_lineage == indicator_lineage,
            Realization.year == year,
            Realization.quarter == quarter,
        )
    )
    if row is not None and row.status == "verified":
        raise Conflict(M("a verified figure is locked"), {"value": M("verified")})
    monthly = session.scalar(
        select(MonthlyRealization).where(
            MonthlyRealization.org_unit_id == org_unit_id,
            MonthlyRealization.indicator_lineage == indicator_lineage,
            MonthlyRealization.year == year,
            MonthlyRealization.month == month,
        )
    )
    before = (
        None
        if monthly is None
        else {"value": str(monthly.value)} | ({"source": monthly.source} if monthly.source else {})
    )
    if monthly is None:
        monthly = MonthlyRealization(
            org_unit_id=org_unit_id, indicator_lineage=indicator_lineage, year=year, month=month
        )
        session.add(monthly)
    monthly.value = value
    monthly.note = note.strip()
    monthly.source = source
    monthly.entered_by = actor.user_id
    monthly.entered_at = datetime.now(UTC)
    session.flush()
    indicator = indicators_by_lineage(session, org_unit_id, [indicator_lineage]).get(
        indicator_lineage
    )
    aggregation = Aggregation(indicator.aggregation if indicator else "cumulative")
    figures = months_of(session, org_unit_id, year, [indicator_lineage])
    in_quarter = [
        figures[(indicator_lineage, m)].value if (indicator_lineage, m) in figures else None
        for m in range(quarter * 3 - 2, quarter * 3 + 1)
    ]
    rolled = aggregate(aggregation, in_quarter, 3)
    if row is None:
        row = Realization(
            org_unit_id=org_unit_id, indicator_lineage=indicator_lineage, year=year, quarter=quarter
        )
        session.add(row)
        row.note = ""
    row.value = rolled if rolled is not None else value
    row.source = None  # rolled up from its months, which keep their own sources
    row.status = "entered"
    row.entered_by = actor.user_id
    row.entered_at = datetime.now(UTC)
    row.review_note = None
    session.flush()
    after: dict[str, Any] = {
        "value": str(value),
        "month": month,
        "year": year,
        "quarter": str(row.value),
    }
    record_audit(
        session,
        actor=actor.label,
        action="sakip.realization.take" if source else "sakip.realization.month",
        entity="sakip_realization",
        entity_id=row.id,
        before=before,
        after=after | ({"source": source} if source else {}),
    )
    return row


def months_of(
    session: Session, org_unit_id: int, year: int, lineages: list[int] | None = None
) -> dict[tuple[int, int], MonthlyRealization]:
    """(indicator lineage, month) -> the month's figure, for an OPD and year."""
    query = select(MonthlyRealization).where(
        MonthlyRealization.org_unit_id == org_unit_id, MonthlyRealization.year == year
    )
    if lineages is not None:
        query = query.where(MonthlyRealization.indicator_lineage.in_(lineages))
    return {(m.indicator_lineage, m.month): m for m in session.scalars(query)}


def _check_quarter(quarter: int) -> None:
    if not 1 <= quarter <= 4:
        raise InvalidInput(M("a quarter is 1 to 4"), {"quarter": M("1 to 4")})


def enter(
    session: Session,
    actor: Actor,
    *,
    org_unit_id: int,
    indicator_lineage: int,
    year: int,
    quarter: int,
    value: Decimal,
    note: str,
    today: date,
    source: dict[str, Any] | None = None,
) -> Realization:
    """Enter (or correct, until verified) a quarter's figure for an indicator of the signed PK.

    ``source``: where the figure was taken from (``sources.take``), kept with it and in
    the audit; None for a figure typed by hand, which clears an earlier source.
    """
    actor.require(REALIZE)
    actor.require_unit(org_unit_id)
    _check_quarter(quarter)
    # The indicator must be a target of the newest signed PK of the OPD and year.
    _require_listed(session, org_unit_id, indicator_lineage, year)
    found = settings(session)
    if found.monthly_realization:
        raise Conflict(
            M("this regency reports monthly: enter the month's figure"),
            {"quarter": M("monthly reporting")},
        )
    closing = closes_on(found, year, quarter)
    if today > closing:
        raise Conflict(
            M(
                "quarter %(quarter)s of %(year)s closed on %(day)s",
                quarter=quarter,
                year=year,
                day=closing.isoformat(),
            ),
            {"quarter": M("closed")},
        )
    if today < date(year, quarter * 3 - 2, 1):
        raise InvalidInput(M("this quarter has not started"), {"quarter": M("not started")})
    row = session.scalar(
        select(Realization).where(
            Realization.org_unit_id == org_unit_id,
            Realization.indicator_lineage == indicator_lineage,
            Realization.year == year,
            Realization.quarter == quarter,
        )
    )
    if row is not None and row.status == "verified":
        raise Conflict(M("a verified figure is locked"), {"value": M("verified")})
    if row is None:
        row = Realization(
            org_unit_id=org_unit_id, indicator_lineage=indicator_lineage, year=year, quarter=quarter
        )
        session.add(row)
    before = (
        None
        if row.value is None
        else {"value": str(row.value)} | ({"source": row.source} if row.source else {})
    )
    row.value = value
    row.note = note.strip()
    row.source = source
    row.status = "entered"
    row.entered_by = actor.user_id
    row.entered_at = datetime.now(UTC)
    row.review_note = None
    session.flush()
    after: dict[str, Any] = {"value": str(value), "quarter": quarter, "year": year}
    record_audit(
        session,
        actor=actor.label,
        action="sakip.realization.take" if source else "sakip.realization.enter",
        entity="sakip_realization",
        entity_id=row.id,
        before=before,
        after=after | ({"source": source} if source else {}),
    )
    return row


def get(session: Session, actor: Actor, realization_id: int) -> Realization:
    row = session.get(Realization, realization_id)
    if row is None or not actor.sees_unit(row.org_unit_id):
        raise NotFound(M("no such realization"))
    return row


def add_evidence(
    session: Session,
    actor: Actor,
    row: Realization,
    *,
    filename: str,
    content_type: str,
    data: bytes,
) -> Evidence:
    actor.require(REALIZE)
    actor.require_unit(row.org_unit_id)
    if row.status == "verified":
        raise Conflict(M("a verified figure is locked"), {"file": M("verified")})
    magic = EVIDENCE_TYPES.get(content_type)
    if magic is None or not data.startswith(magic):
        raise InvalidInput(
            M("evidence is a PDF, PNG, JPEG, XLSX or DOCX file"), {"file": M("unsupported type")}
        )
    if len(data) > MAX_EVIDENCE_BYTES:
        raise InvalidInput(
            M("evidence files are at most %(count)s MB", count=MAX_EVIDENCE_BYTES // (1024 * 1024)),
            {"file": M("too large")},
        )
    name = filename.replace("/", "_").replace("\\", "_").strip()[:200] or "bukti"
    evidence = Evidence(
        realization_id=row.id,
        filename=name,
        content_type=content_type,
        size=len(data),
        data=data,
        uploaded_by=actor.user_id,
    )
    session.add(evidence)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="sakip.evidence.add",
        entity="sakip_realization",
        entity_id=row.id,
        after={"file": name, "size": len(data)},
    )
    return evidence


def evidence_of(session: Session, realization_ids: list[int]) -> dict[int, list[Evidence]]:
    out: dict[int, list[Evidence]] = {}
    if realization_ids:
        for e in session.scalars(
            select(Evidence)
            .where(Evidence.realization_id.in_(realization_ids))
            .order_by(Evidence.id)
        ):
            out.setdefault(e.realization_id, []).append(e)
    return out


def review(
    session: Session, actor: Actor, row: Realization, *, accept: bool, note: str
) -> Realization:
    """The officer verifies a figure (locking it) or returns it with a note."""
    actor.require(VERIFY)
    actor.require_unit(row.org_unit_id)
    if row.status != "entered":
        raise Conflict(M("only an entered figure is reviewed"), {"status": M("not entered")})
    if actor.user_id is not None and row.entered_by == actor.user_id:
        raise Forbidden(
            M("whoever entered a figure does not verify it"), {"realization": M("your own entry")}
        )
    if not accept and not note.strip():
        raise InvalidInput(M("say why the figure is returned"), {"note": M("required")})
    row.status = "verified" if accept else "returned"
    row.verified_by = actor.user_id
    row.verified_at = datetime.now(UTC)
    row.review_note = note.strip() or None
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action=f"sakip.realization.{row.status}",
        entity="sakip_realization",
        entity_id=row.id,
        after={"note": row.review_note},
    )
    return row


@dataclass
class Score:
    """One PK target's figures and achievement, as pages, the API and reports show it."""

    target: AgreementTarget
    indicator: Indicator | None
    realizations: list[Realization | None]
    to_date: Achievement
    year: Achievement
    band: str

    @property
    def values(self) -> list[Decimal | None]:
        return [r.value if r is not None else None for r in self.realizations]


def scores(session: Session, agreement: Agreement, through: int) -> list[Score]:
    """Each target of ``agreement`` with its quarters and achievement through ``through``."""
    found = settings(session)
    engine_rules = rules(found)
    pk_targets = agreements.targets(session, agreement)
    figures: dict[tuple[int, int], Realization] = {
        (r.indicator_lineage, r.quarter): r
        for r in session.scalars(
            select(Realization).where(
                Realization.org_unit_id == agreement.org_unit_id, Realization.year == agreement.year
            )
        )
    }
    found_indicators = indicators_by_lineage(
        session, agreement.org_unit_id, [t.indicator_lineage for t in pk_targets]
    )
    out = []
    for t in pk_targets:
        indicator = found_indicators.get(t.indicator_lineage)
        polarity = Polarity(indicator.polarity if indicator else "positive")
        aggregation = Aggregation(indicator.aggregation if indicator else "cumulative")
        rows = [figures.get((t.indicator_lineage, q)) for q in range(1, 5)]
        # Returned figures are not counted until they are entered again.
        counted = [r.value if r is not None and r.status != "returned" else None for r in rows]
        quarter_targets = [q if q is not None else None for q in t.quarters]
        if all(q is None for q in quarter_targets):
            quarter_targets = [t.year_target] * 4
        progress = to_date(
            polarity,
            aggregation,
            targets=quarter_targets,
            realizations=counted,
            through=through,
            rules=engine_rules,
            upper=t.upper,
        )
        yearly = year_end(
            polarity,
            aggregation,
            year_target=t.year_target,
            realizations=counted[:through],
            rules=engine_rules,
            upper=t.upper,
        )
        out.append(
            Score(
                t,
                indicator,
                rows,
                progress,
                yearly,
                band(yearly.percent, found.green_from, found.amber_from),
            )
        )
    return out


def is_iku(score: Score) -> bool:
    return score.indicator is not None and (score.indicator.iku_opd or score.indicator.iku_regency)


@dataclass
class EarlyWarning:
    """An indicator whose figures so far project a year-end achievement in the amber
    or red band: the year's target at the pace of the quarters reported."""

    score: Score
    quarters: int  # how many quarters were reported
    projected: Decimal  # the year-end figure at this pace
    achievement: Achievement  # the engine's verdict on the projection
    band: str  # amber | red


def early_warnings(session: Session, agreement: Agreement, through: int) -> list[EarlyWarning]:
    """The PK's targets heading below target by the end of the year.

    A cumulative indicator is projected at its pace against the quarterly targets
    (reported so far / their targets x the year's target; quarters without targets
    count evenly); an average or last-value one is its current level. The projection
    then goes through the one engine against the year's target and the regency's
    bands: amber and red are warnings, most behind first.
    """
    found = settings(session)
    engine_rules = rules(found)
    out: list[EarlyWarning] = []
    for s in scores(session, agreement, through):
        t = s.target
        reported = [
            (q, r.value)
            for q, r in enumerate(s.realizations[:through])
            if r is not None and r.status != "returned"
        ]
        if not reported:
            continue
        aggregation = Aggregation(s.indicator.aggregation if s.indicator else "cumulative")
        polarity = Polarity(s.indicator.polarity if s.indicator else "positive")
        figure = aggregate(aggregation, [v for _, v in reported], len(reported))
        if figure is None:  # pragma: no cover - reported is not empty
            continue
        if aggregation is Aggregation.CUMULATIVE:
            planned = [t.quarters[q] for q, _ in reported]
            planned_sum = sum((p for p in planned if p is not None), Decimal(0))
            if None not in planned and planned_sum > 0 and t.year_target > 0:
                share = planned_sum / t.year_target
            else:
                share = Decimal(len(reported)) / 4
            projected = figure / share
        else:
            projected = figure
        verdict = achievement(polarity, t.year_target, projected, engine_rules, t.upper)
        colour = band(verdict.percent, found.green_from, found.amber_from)
        if colour in ("amber", "red"):
            out.append(
                EarlyWarning(s, len(reported), projected.quantize(Decimal("0.01")), verdict, colour)
            )
    out.sort(key=lambda w: (w.achievement.percent or Decimal(0), w.score.target.position))
    return out
