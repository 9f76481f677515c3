"""The planning chain: RPJMD -> Renstra -> Renja, their indicators, versions and the tree.

A plan is drafted, approved, and then never edited again: a change to an
approved plan is a new version (:func:`revise`) that copies every element and
indicator with its ``lineage``; approving it supersedes the old version, which
stays readable. The cascading tree (pohon kinerja) is built from
``serves_lineage`` links, so it survives new versions on either side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from smartcity.toolkit import Conflict, Forbidden, InvalidInput, NotFound, OrgUnit, record_audit
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .access import APPROVE, PLAN, REGENCY_PLAN, Actor
from .capaian import Aggregation, Polarity
from .messages import N_, M
from .models import Element, Indicator, IndicatorTarget, Plan

#: Which elements each plan holds, top down.
ELEMENT_KINDS = {
    "rpjmd": ("misi", "tujuan", "sasaran"),
    "renstra": ("tujuan", "sasaran", "program"),
    "renja": ("program", "kegiatan"),
}
#: A plan's kind as the regulations spell it, on pages and in messages.
PLAN_KIND_NAMES = {"rpjmd": "RPJMD", "renstra": "Renstra", "renja": "Renja"}
#: A plan's status in words: pages and messages never show the stored code.
PLAN_STATUS_LABELS = {
    "draft": N_("draft"),
    "approved": N_("approved"),
    "superseded": N_("superseded"),
}
#: The plan a plan's elements serve (cascading), by kind.
SERVES = {"renstra": "rpjmd", "renja": "renstra"}
MIN_REASON = 10


@dataclass(frozen=True)
class TargetIn:
    year: int
    value: Decimal
    upper: Decimal | None = None


@dataclass(frozen=True)
class IndicatorIn:
    name: str
    unit: str
    baseline: Decimal | None = None
    polarity: str = "positive"
    aggregation: str = "cumulative"
    data_source: str = ""
    formula_text: str = ""
    owner: str = ""
    iku_regency: bool = False
    iku_opd: bool = False
    targets: Sequence[TargetIn] = field(default_factory=tuple)


def _now() -> datetime:
    return datetime.now(UTC)


def get_plan(session: Session, actor: Actor, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None or (plan.org_unit_id is not None and not actor.sees_unit(plan.org_unit_id)):
        raise NotFound(M("no such plan"))
    return plan


def require_opd(session: Session, actor: Actor, org_unit_id: int) -> None:
    """The OPD must exist and the actor act for it: a regency-wide actor "acts for"
    every id, even one naming no OPD, which the database would refuse with a 500."""
    if session.get(OrgUnit, org_unit_id) is None:
        raise NotFound(
            M("no OPD %(org_unit_id)s", org_unit_id=org_unit_id), {"org_unit_id": M("unknown")}
        )
    actor.require_unit(org_unit_id)


def _require_author(actor: Actor, kind: str, org_unit_id: int | None) -> None:
    if kind == "rpjmd":
        actor.require(REGENCY_PLAN)
    else:
        actor.require(PLAN)
        actor.require_unit(org_unit_id)


def plan_years(plan: Plan) -> list[int]:
    """The years a plan's indicators carry targets for: five, or the Renja's one."""
    return [plan.year] if plan.kind == "renja" else list(range(plan.start_year, plan.end_year + 1))


def can_edit(actor: Actor, plan: Plan) -> bool:
    """Whether ``actor`` may change ``plan`` now (a page shows its forms then)."""
    try:
        require_editable(actor, plan)
    except (Conflict, Forbidden):
        return False
    return True


def require_editable(actor: Actor, plan: Plan) -> None:
    _require_author(actor, plan.kind, plan.org_unit_id)
    _require_draft(plan)


def _require_draft(plan: Plan) -> None:
    if plan.status != "draft":
        raise Conflict(
            M(
                "this plan is %(status)s: revise it to change it",
                status=M(PLAN_STATUS_LABELS.get(plan.status, plan.status)),
            ),
            {"plan": M("not a draft")},
        )


def create_plan(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    org_unit_id: int | None,
    start_year: int,
    title: str,
    year: int = 0,
    vision: str | None = None,
) -> Plan:
    """A first draft; RPJMD has no OPD, a Renstra and a Renja have one, a Renja a year."""
    if kind not in ELEMENT_KINDS:
        raise InvalidInput(M("unknown plan kind"), {"kind": M("rpjmd, renstra or renja")})
    if (kind == "rpjmd") != (org_unit_id is None):
        raise InvalidInput(
            M("an RPJMD belongs to the regency, a Renstra or Renja to one OPD"),
            {"org_unit_id": M("required for a Renstra or Renja, absent for the RPJMD")},
        )
    if org_unit_id is not None:
        require_opd(session, actor, org_unit_id)
    if kind == "renja" and not start_year <= year <= start_year + 4:
        raise InvalidInput(
            M("the Renja's year must fall in its period"), {"year": M("outside the period")}
        )
    if kind != "renja":
        year = 0
    if not title.strip():
        raise InvalidInput(M("a plan needs a title"), {"title": M("required")})
    _require_author(actor, kind, org_unit_id)
    existing = session.scalar(
        select(Plan.id).where(
            Plan.kind == kind,
            Plan.org_unit_id.is_(None) if org_unit_id is None else Plan.org_unit_id == org_unit_id,
            Plan.start_year == start_year,
            Plan.year == year,
        )
    )
    if existing is not None:
        raise Conflict(
            M("this plan already exists: revise it instead"), {"plan": M("already exists")}
        )
    plan = Plan(
        kind=kind,
        org_unit_id=org_unit_id,
        start_year=start_year,
        year=year,
        title=title.strip(),
        vision=vision,
        version=1,
        status="draft",
    )
    session.add(plan)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="sakip.plan.create",
        entity="sakip_plan",
        entity_id=plan.id,
        after={"kind": kind, "org_unit_id": org_unit_id, "start_year": start_year},
    )
    return plan


def _serves_ok(session: Session, plan: Plan, serves_lineage: int) -> bool:
    """Whether ``serves_lineage`` is an element of the plan above ``plan``."""
    above = SERVES[plan.kind]
    query = (
        select(Element.id)
        .join(Plan, Plan.id == Element.plan_id)
        .where(Element.lineage == serves_lineage, Plan.kind == above)
    )
    if above == "rpjmd":
        query = query.where(Plan.start_year == plan.start_year)
    else:
        query = query.where(
            Plan.org_unit_id == plan.org_unit_id, Plan.start_year == plan.start_year
        )
    return session.scalar(query.limit(1)) is not None


def add_element(
    session: Session,
    actor: Actor,
    plan: Plan,
    *,
    kind: str,
    statement: str,
    code: str = "",
    parent_id: int | None = None,
    serves_lineage: int | None = None,
) -> Element:
    _require_author(actor, plan.kind, plan.org_unit_id)
    _require_draft(plan)
    if kind not in ELEMENT_KINDS[plan.kind]:
        raise InvalidInput(
            M(
                "a %(plan)s holds %(kinds)s",
                plan=plan.kind,
                kinds=", ".join(ELEMENT_KINDS[plan.kind]),
            ),
            {"kind": M("not part of this plan")},
        )
    if not statement.strip():
        raise InvalidInput(M("the statement is empty"), {"statement": M("required")})
    if parent_id is not None:
        parent = session.get(Element, parent_id)
        if parent is None or parent.plan_id != plan.id:
            raise InvalidInput(
                M("the parent is not in this plan"), {"parent_id": M("not in this plan")}
            )
    if serves_lineage is not None and (
        plan.kind == "rpjmd" or not _serves_ok(session, plan, serves_lineage)
    ):
        raise InvalidInput(
            M("an element serves a target of the plan above it"),
            {"serves_lineage": M("not a target of the plan above")},
        )
    position = len(session.scalars(select(Element.id).where(Element.plan_id == plan.id)).all())
    element = Element(
        plan_id=plan.id,
        kind=kind,
        code=code.strip(),
        statement=statement.strip(),
        parent_id=parent_id,
        serves_lineage=serves_lineage,
        position=position,
    )
    session.add(element)
    session.flush()
    element.lineage = element.id
    record_audit(
        session,
        actor=actor.label,
        action="sakip.element.create",
        entity="sakip_element",
        entity_id=element.id,
        after={"plan_id": plan.id, "kind": kind},
    )
    return element


def _check_indicator(plan: Plan, actor: Actor, data: IndicatorIn) -> None:
    problems: dict[str, str] = {}
    if not data.name.strip():
        problems["name"] = M("required")
    if not data.unit.strip():
        problems["unit"] = M("required")
    if data.polarity not in set(Polarity):
        problems["polarity"] = M("positive, negative or range")
    if data.aggregation not in set(Aggregation):
        problems["aggregation"] = M("cumulative, average or last_value")
    if data.iku_regency and plan.kind != "rpjmd":
        problems["iku_regency"] = M("the regency's IKU are RPJMD indicators")
    if data.iku_opd and plan.kind != "renstra":
        problems["iku_opd"] = M("an OPD's IKU are Renstra indicators")
    years = [t.year for t in data.targets]
    allowed = (
        {plan.year} if plan.kind == "renja" else set(range(plan.start_year, plan.end_year + 1))
    )
    if len(set(years)) != len(years) or not set(years) <= allowed:
        problems["targets"] = M(
            "one target per year of the plan (%(first)s-%(last)s)",
            first=min(allowed),
            last=max(allowed),
        )
    for t in data.targets:
        if data.polarity == Polarity.RANGE and t.upper is None:
            problems["targets"] = M("a range indicator needs an upper bound every year")
        if t.upper is not None and t.upper < t.value:
            problems["targets"] = M("the upper bound is below the target")
    if problems:
        raise InvalidInput(M("the indicator has problems"), problems)
    if data.iku_regency:
        actor.require(REGENCY_PLAN)


def add_indicator(session: Session, actor: Actor, element: Element, data: IndicatorIn) -> Indicator:
    plan = session.get(Plan, element.plan_id)
    if plan is None:  # the element's foreign key keeps this from happening
        raise NotFound(M("no such plan"))
    _require_author(actor, plan.kind, plan.org_unit_id)
    _require_draft(plan)
    _check_indicator(plan, actor, data)
    position = len(
        session.scalars(select(Indicator.id).where(Indicator.element_id == element.id)).all()
    )
    indicator = Indicator(
        element_id=element.id,
        name=data.name.strip(),
        unit=data.unit.strip(),
        baseline=data.baseline,
        polarity=data.polarity,
        aggregation=data.aggregation,
        data_source=data.data_source,
        formula_text=data.formula_text,
        owner=data.owner,
        iku_regency=data.iku_regency,
        iku_opd=data.iku_opd,
        position=position,
    )
    session.add(indicator)
    session.flush()
    indicator.lineage = indicator.id
    for t in data.targets:
        session.add(
            IndicatorTarget(indicator_id=indicator.id, year=t.year, value=t.value, upper=t.upper)
        )
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="sakip.indicator.create",
        entity="sakip_indicator",
        entity_id=indicator.id,
        after={"element_id": element.id, "name": indicator.name},
    )
    return indicator


def _plan_of(session: Session, element: Element) -> Plan:
    plan = session.get(Plan, element.plan_id)
    if plan is None:  # the element's foreign key keeps this from happening
        raise NotFound(M("no such plan"))
    return plan


def get_element(session: Session, actor: Actor, element_id: int) -> tuple[Element, Plan]:
    """An element of a plan the actor sees (else NotFound)."""
    element = session.get(Element, element_id)
    if element is None:
        raise NotFound(M("no such element"))
    return element, get_plan(session, actor, element.plan_id)


def get_indicator(
    session: Session, actor: Actor, indicator_id: int
) -> tuple[Indicator, Element, Plan]:
    """An indicator of a plan the actor sees (else NotFound)."""
    indicator = session.get(Indicator, indicator_id)
    if indicator is None:
        raise NotFound(M("no such indicator"))
    element, plan = get_element(session, actor, indicator.element_id)
    return indicator, element, plan


def update_plan(
    session: Session, actor: Actor, plan: Plan, *, title: str, vision: str | None
) -> Plan:
    """A draft's title and (for the RPJMD) vision."""
    _require_author(actor, plan.kind, plan.org_unit_id)
    _require_draft(plan)
    if not title.strip():
        raise InvalidInput(M("a plan needs a title"), {"title": M("required")})
    before = {"title": plan.title}
    plan.title = title.strip()[:300]
    plan.vision = (vision or "").strip() or None
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="sakip.plan.update",
        entity="sakip_plan",
        entity_id=plan.id,
        before=before,
        after={"title": plan.title},
    )
    return plan


def update_element(
    session: Session,
    actor: Actor,
    element: Element,
    *,
    statement: str,
    code: str = "",
    serves_lineage: int | None = None,
) -> Element:
    """Change a draft's element: its statement, code and the target above it serves."""
    plan = _plan_of(session, element)
    _require_author(actor, plan.kind, plan.org_unit_id)
    _require_draft(plan)
    if not statement.strip():
        raise InvalidInput(M("the statement is empty"), {"statement": M("required")})
    if serves_lineage is not None and (
        plan.kind == "rpjmd" or not _serves_ok(session, plan, serves_lineage)
    ):
        raise InvalidInput(
            M("an element serves a target of the plan above it"),
            {"serves_lineage": M("not a target of the plan above")},
        )
    before = {"statement": element.statement, "serves_lineage": element.serves_lineage}
    element.statement = statement.strip()
    element.code = code.strip()[:40]
    element.serves_lineage = serves_lineage
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="sakip.element.update",
        entity="sakip_element",
        entity_id=element.id,
        before=before,
        after={"statement": element.statement, "serves_lineage": serves_lineage},
    )
    return element


def delete_element(session: Session, actor: Actor, element: Element) -> None:
    """Remove a draft's element with its indicators; one with elements below it stays."""
    plan = _plan_of(session, element)
    _require_author(actor, plan.kind, plan.org_unit_id)
    _require_draft(plan)
    if session.scalar(select(Element.id).where(Element.parent_id == element.id).limit(1)):
        raise Conflict(
            M("remove the elements below it first"), {"element": M("has elements below it")}
        )
    record_audit(
        session,
        actor=actor.label,
        action="sakip.element.delete",
        entity="sakip_element",
        entity_id=element.id,
        before={"statement": element.statement, "plan_id": plan.id},
    )
    for indicator in session.scalars(select(Indicator).where(Indicator.element_id == element.id)):
        _drop_indicator(session, indicator)
    session.execute(delete(Element).where(Element.id == element.id))
    session.flush()


def _drop_indicator(session: Session, indicator: Indicator) -> None:
    session.execute(delete(IndicatorTarget).where(IndicatorTarget.indicator_id == indicator.id))
    session.execute(delete(Indicator).where(Indicator.id == indicator.id))


def update_indicator(
    session: Session, actor: Actor, indicator: Indicator, data: IndicatorIn
) -> Indicator:
    """Change a draft's indicator; its yearly targets are replaced by ``data.targets``."""
    element = session.get(Element, indicator.element_id)
    if element is None:  # the foreign key keeps this from happening
        raise NotFound(M("no such element"))
    plan = _plan_of(session, element)
    _require_author(actor, plan.kind, plan.org_unit_id)
    _require_draft(plan)
    _check_indicator(plan, actor, data)
    if indicator.iku_regency and not data.iku_regency:
        actor.require(REGENCY_PLAN)
    before = {"name": indicator.name, "unit": indicator.unit}
    indicator.name = data.name.strip()
    indicator.unit = data.unit.strip()[:40]
    indicator.baseline = data.baseline
    indicator.polarity = data.polarity
    indicator.aggregation = data.aggregation
    indicator.data_source = data.data_source.strip()
    indicator.formula_text = data.formula_text.strip()
    indicator.owner = data.owner.strip()[:200]
    indicator.iku_regency = data.iku_regency
    indicator.iku_opd = data.iku_opd
    session.execute(delete(IndicatorTarget).where(IndicatorTarget.indicator_id == indicator.id))
    session.flush()
    for t in data.targets:
        session.add(
            IndicatorTarget(indicator_id=indicator.id, year=t.year, value=t.value, upper=t.upper)
        )
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="sakip.indicator.update",
        entity="sakip_indicator",
        entity_id=indicator.id,
        before=before,
        after={"name": indicator.name, "unit": indicator.unit},
    )
    return indicator


def delete_indicator(session: Session, actor: Actor, indicator: Indicator) -> None:
    element = session.get(Element, indicator.element_id)
    if element is None:  # the foreign key keeps this from happening
        raise NotFound(M("no such element"))
    plan = _plan_of(session, element)
    _require_author(actor, plan.kind, plan.org_unit_id)
    _require_draft(plan)
    if indicator.iku_regency:
        actor.require(REGENCY_PLAN)
    record_audit(
        session,
        actor=actor.label,
        action="sakip.indicator.delete",
        entity="sakip_indicator",
        entity_id=indicator.id,
        before={"name": indicator.name, "element_id": element.id},
    )
    _drop_indicator(session, indicator)
    session.flush()


def serves_choices(session: Session, plan: Plan) -> list[Element]:
    """The targets of the plan above ``plan`` its elements may serve (the pohon kinerja)."""
    above = SERVES.get(plan.kind)
    if above is None:
        return []
    upper = current(
        session,
        above,
        None if above == "rpjmd" else plan.org_unit_id,
        plan.start_year,
    )
    return [] if upper is None else elements(session, upper)


def approve(session: Session, actor: Actor, plan: Plan) -> Plan:
    """Approve a draft; the version it revises becomes ``superseded`` (and stays)."""
    actor.require(APPROVE)
    _require_draft(plan)
    has_indicator = session.scalar(
        select(Indicator.id)
        .join(Element, Element.id == Indicator.element_id)
        .where(Element.plan_id == plan.id)
        .limit(1)
    )
    if has_indicator is None:
        raise InvalidInput(
            M("a plan without indicators cannot be approved"), {"plan": M("no indicators")}
        )
    for older in _versions(session, plan):
        if older.id != plan.id and older.status == "approved":
            older.status = "superseded"
    plan.status = "approved"
    plan.approved_at = _now()
    plan.approved_by = actor.user_id
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="sakip.plan.approve",
        entity="sakip_plan",
        entity_id=plan.id,
        after={"version": plan.version},
    )
    return plan


def _versions(session: Session, plan: Plan) -> list[Plan]:
    return list(
        session.scalars(
            select(Plan)
            .where(
                Plan.kind == plan.kind,
                Plan.org_unit_id.is_(None)
                if plan.org_unit_id is None
                else Plan.org_unit_id == plan.org_unit_id,
                Plan.start_year == plan.start_year,
                Plan.year == plan.year,
            )
            .order_by(Plan.version)
        )
    )


def versions(session: Session, plan: Plan) -> list[Plan]:
    """Every version of ``plan``'s document, oldest first."""
    return _versions(session, plan)


def revise(session: Session, actor: Actor, plan: Plan, reason: str) -> Plan:
    """A new draft version of an approved plan, copying its elements and indicators."""
    _require_author(actor, plan.kind, plan.org_unit_id)
    if plan.status != "approved":
        raise Conflict(M("only an approved plan is revised"), {"plan": M("not approved")})
    if any(v.status == "draft" for v in _versions(session, plan)):
        raise Conflict(
            M("a revision of this plan is already being drafted"), {"plan": M("draft exists")}
        )
    if len(reason.strip()) < MIN_REASON:
        raise InvalidInput(
            M("say why the plan changes (at least %(count)s characters)", count=MIN_REASON),
            {"reason": M("too short")},
        )
    new = Plan(
        kind=plan.kind,
        org_unit_id=plan.org_unit_id,
        start_year=plan.start_year,
        year=plan.year,
        title=plan.title,
        vision=plan.vision,
        version=max(v.version for v in _versions(session, plan)) + 1,
        status="draft",
        change_reason=reason.strip(),
    )
    session.add(new)
    session.flush()
    copied: dict[int, int] = {}
    for old in session.scalars(
        select(Element).where(Element.plan_id == plan.id).order_by(Element.id)
    ):
        element = Element(
            plan_id=new.id,
            lineage=old.lineage,
            kind=old.kind,
            code=old.code,
            statement=old.statement,
            serves_lineage=old.serves_lineage,
            position=old.position,
            parent_id=copied.get(old.parent_id) if old.parent_id else None,
        )
        session.add(element)
        session.flush()
        copied[old.id] = element.id
        for ind in session.scalars(select(Indicator).where(Indicator.element_id == old.id)):
            twin = Indicator(
                element_id=element.id,
                lineage=ind.lineage,
                name=ind.name,
                unit=ind.unit,
                baseline=ind.baseline,
                polarity=ind.polarity,
                aggregation=ind.aggregation,
                data_source=ind.data_source,
                formula_text=ind.formula_text,
                owner=ind.owner,
                iku_regency=ind.iku_regency,
                iku_opd=ind.iku_opd,
                position=ind.position,
            )
            session.add(twin)
            session.flush()
            for t in session.scalars(
                select(IndicatorTarget).where(IndicatorTarget.indicator_id == ind.id)
            ):
                session.add(
                    IndicatorTarget(indicator_id=twin.id, year=t.year, value=t.value, upper=t.upper)
                )
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="sakip.plan.revise",
        entity="sakip_plan",
        entity_id=new.id,
        after={"revises": plan.id, "version": new.version, "reason": new.change_reason},
    )
    return new


def current(
    session: Session, kind: str, org_unit_id: int | None, start_year: int, year: int = 0
) -> Plan | None:
    """The approved version of a plan, else its newest draft; None if none exists."""
    probe = Plan(kind=kind, org_unit_id=org_unit_id, start_year=start_year, year=year)
    found = _versions(session, probe)
    approved = [p for p in found if p.status == "approved"]
    if approved:
        return approved[-1]
    return found[-1] if found else None


def elements(session: Session, plan: Plan) -> list[Element]:
    return list(
        session.scalars(
            select(Element).where(Element.plan_id == plan.id).order_by(Element.position)
        )
    )


def indicators_of(session: Session, plan: Plan) -> list[Indicator]:
    return list(
        session.scalars(
            select(Indicator)
            .join(Element, Element.id == Indicator.element_id)
            .where(Element.plan_id == plan.id)
            .order_by(Element.position, Indicator.position)
        )
    )


def targets_of(
    session: Session, indicator_ids: Sequence[int]
) -> dict[int, dict[int, IndicatorTarget]]:
    """indicator id -> year -> target."""
    out: dict[int, dict[int, IndicatorTarget]] = {}
    if not indicator_ids:
        return out
    for t in session.scalars(
        select(IndicatorTarget).where(IndicatorTarget.indicator_id.in_(indicator_ids))
    ):
        out.setdefault(t.indicator_id, {})[t.year] = t
    return out


@dataclass
class TreeNode:
    """A node of the pohon kinerja: an element and the OPD elements that serve it."""

    element: Element
    org_unit_id: int | None
    indicators: list[Indicator]
    children: list[TreeNode] = field(default_factory=list)

    @property
    def serving_units(self) -> set[int]:
        return {c.org_unit_id for c in self.children if c.org_unit_id is not None}

    @property
    def crosscutting(self) -> bool:
        """A target several OPDs serve together."""
        return len(self.serving_units) > 1


def tree(session: Session, start_year: int) -> list[TreeNode]:
    """The regency's sasaran (current RPJMD) with the current Renstra elements serving them."""
    rpjmd = current(session, "rpjmd", None, start_year)
    if rpjmd is None:
        return []
    renstras = [
        p
        for p in session.scalars(
            select(Plan).where(Plan.kind == "renstra", Plan.start_year == start_year)
        )
        if p.id == (current(session, "renstra", p.org_unit_id, start_year) or p).id
    ]
    serving: dict[int, list[Element]] = {}
    unit_of: dict[int, int | None] = {}
    for plan in renstras:
        for element in elements(session, plan):
            unit_of[element.id] = plan.org_unit_id
            if element.serves_lineage is not None:
                serving.setdefault(element.serves_lineage, []).append(element)
    all_elements = elements(session, rpjmd) + [e for v in serving.values() for e in v]
    by_element: dict[int, list[Indicator]] = {}
    ids = [e.id for e in all_elements]
    if ids:
        for ind in session.scalars(
            select(Indicator).where(Indicator.element_id.in_(ids)).order_by(Indicator.position)
        ):
            by_element.setdefault(ind.element_id, []).append(ind)
    return [
        TreeNode(
            element=e,
            org_unit_id=None,
            indicators=by_element.get(e.id, []),
            children=[
                TreeNode(c, unit_of.get(c.id), by_element.get(c.id, []))
                for c in serving.get(e.lineage or e.id, [])
            ],
        )
        for e in elements(session, rpjmd)
        if e.kind in ("tujuan", "sasaran")
    ]


def indicator_by_lineage(session: Session, org_unit_id: int, lineage: int) -> Indicator | None:
    """The indicator of an OPD's current Renstra or Renja with this lineage."""
    query = (
        select(Indicator, Plan)
        .join(Element, Element.id == Indicator.element_id)
        .join(Plan, Plan.id == Element.plan_id)
        .where(
            Indicator.lineage == lineage,
            Plan.org_unit_id == org_unit_id,
            Plan.status != "superseded",
        )
        .order_by((Plan.status == "approved").desc(), Plan.version.desc())
    )
    row = session.execute(query.limit(1)).first()
    return None if row is None else row[0]


def indicators_by_lineage(
    session: Session, org_unit_id: int, lineages: Sequence[int]
) -> dict[int, Indicator]:
    """:func:`indicator_by_lineage` for many lineages in one query (reports, scores)."""
    if not lineages:
        return {}
    rows = session.execute(
        select(Indicator, Plan.status, Plan.version)
        .join(Element, Element.id == Indicator.element_id)
        .join(Plan, Plan.id == Element.plan_id)
        .where(
            Indicator.lineage.in_(lineages),
            Plan.org_unit_id == org_unit_id,
            Plan.status != "superseded",
        )
    ).all()
    best: dict[int, tuple[tuple[bool, int], Indicator]] = {}
    for indicator, status, version in rows:
        rank = (status == "approved", version)
        lineage = indicator.lineage or indicator.id
        if lineage not in best or rank > best[lineage][0]:
            best[lineage] = (rank, indicator)
    return {lineage: indicator for lineage, (_, indicator) in best.items()}
