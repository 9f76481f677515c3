"""e-Budgeting pages: overview per year, OPD plans, the RKA of a sub-activity, stage
differences, realization, the catalogue and who acts for which OPD.

Views parse the form, call a service and render or redirect; the request
boundary commits (status < 400). A refused change rolls back what the service
may have flushed, then shows why: a budget rule's message is translated from
its template, so an Indonesian page names the rule and the numbers in
Indonesian.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from smartcity.toolkit import (
    BIGINT_MAX,
    N_,
    YEAR_MAX,
    InvalidInput,
    OrgUnit,
    ServiceError,
    TenantPrincipal,
    access,
    current_tenant,
    number,
    parse_number,
    query_int,
    query_year,
    rupiah,
    submit_job,
    translate,
    translations,
    whole_number,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from . import (
    catalogue,
    ceilings,
    duties,
    members,
    realization,
    review,
    rka,
    sipd,
    stages,
    years,
)
from .access import (
    APPROVE_ITEM,
    CEILINGS,
    DRAFT,
    LOCK,
    MEMBERS,
    PAYMENTS,
    PROPOSE_ITEM,
    REVIEW,
    ROLE_DETAILS,
    SUBMIT,
    USERS_MANAGE,
    VIEW,
    Actor,
    actor_for,
)
from .models import Account, CatalogueItem, FiscalYear, Nomenclature, SubActivity
from .reference import KINDS
from .rka import FUNDING_SOURCES, coefficient_text, parse_coefficient
from .rules import RULES, RuleViolation
from .years import STAGE_TITLES, STAGES

P = ParamSpec("P")
JAKARTA = ZoneInfo("Asia/Jakarta")
R = TypeVar("R")
#: Messages in e-Budgeting's own catalogue (the manifest's ``translations``).
_ = translations("ebudgeting").gettext
STATUS = {
    "draft": ("secondary", N_("Draft")),
    "submitted": ("primary", N_("Submitted")),
    "returned": ("warning text-dark", N_("Returned")),
    "locked": ("success", N_("Locked")),
}
# Words services put into messages, listed so pybabel extracts them (see translations/).
SERVICE_WORDS = (N_("approved"), N_("rejected"), N_("proposed"))
REPORT_NAMES = ("ebudgeting_rka", "ebudgeting_program", "ebudgeting_realization")

blueprint = Blueprint("ebudgeting", __name__, template_folder="templates", static_folder="static")


def web() -> Blueprint:
    """The manifest's page factory: one module-level blueprint."""
    return blueprint


@blueprint.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "rupiah": rupiah,
        "qty": number,
        "coefficient": coefficient_text,
        "stage_title": lambda stage: STAGE_TITLES.get(stage or "", stage or "—"),
        "status_badge": lambda status: STATUS.get(status, ("light", status)),
        "STAGES": STAGES,
        "eb": g.get("eb_actor"),
    }


# --------------------------------------------------------------------------- access


def viewer(view: Callable[P, R]) -> Callable[P, R]:
    """Declare a page for holders of ``ebudgeting.view`` (checked by the core's gate before
    the view runs); the actor (with their OPDs) is in ``g.eb_actor``."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        principal: TenantPrincipal = current_user
        g.eb_actor = actor_for(g.db, principal)
        return view(*args, **kwargs)

    return access.requires(VIEW)(wrapper)


def me() -> Actor:
    actor: Actor = g.eb_actor
    return actor


def violation_texts(error: ServiceError) -> list[str]:
    """The refusal in the page's language: each rule's title and translated message."""
    if isinstance(error, RuleViolation):
        texts = [
            f"{translate(RULES.get(v.rule, v.rule))}: "
            + translate(v.template) % {k: translate(p) for k, p in v.params.items()}
            for v in error.violations
        ]
        if error.note:
            texts.append(translate(error.note))
        return texts
    details = [
        f"{k}: {translate(v)}" for k, v in error.fields.items() if translate(v) not in error.message
    ]
    return [translate(error.message), *details]


def refused(error: ServiceError) -> None:
    """Undo whatever the service flushed, and tell the user why on the next page."""
    g.db.rollback()
    for text in violation_texts(error):
        flash(text, "danger")


def back(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, **values), 303)


def _decimal(raw: str | None, field: str) -> Decimal:
    """A number or amount as typed in Indonesia (``1.250.000,50``; see smartcity.money)."""
    value = parse_number(raw, places=2, currency=True)
    if value is None:
        raise InvalidInput(f"{field}: {raw!r} is not a number", {field: "a number"})
    return value


def _optional_decimal(raw: str | None, field: str) -> Decimal | None:
    return None if not (raw or "").strip() else _decimal(raw, field)


def form_number(field: str, high: int = BIGINT_MAX) -> int:
    """A whole-number form field (an id, a year); empty is 0, which no row has.

    ``abc`` or a number beyond its column is a form error naming the field,
    not a ValueError or a database error.
    """
    return whole_number(request.form.get(field, "").strip() or "0", field, 0, high)


def _year(year: int) -> FiscalYear:
    try:
        return years.get_year(g.db, year)
    except ServiceError:
        abort(404)


def _unit(unit_id: int) -> OrgUnit:
    unit: OrgUnit | None = g.db.get(OrgUnit, unit_id)
    if unit is None or not me().sees_unit(unit_id):
        abort(404)
    return unit


# --------------------------------------------------------------------------- years


@blueprint.get("/")
@viewer
def index() -> str | Response:
    found = years.list_years(g.db)
    if found and request.args.get("all") is None:
        return redirect(url_for(".overview", year=found[0].year))
    today = datetime.now(JAKARTA).date()
    return render_template("ebudgeting/index.html", years=found, today=today)


@blueprint.post("/years")
@viewer
def create_year() -> Response:
    try:
        fiscal_year = years.create_fiscal_year(g.db, form_number("year", YEAR_MAX), actor=me())
    except (ServiceError, ValueError) as exc:
        refused(exc if isinstance(exc, ServiceError) else InvalidInput(str(exc)))
        return back(".index", all=1)
    flash(_("Fiscal year %(year)s is open.", year=fiscal_year.year), "success")
    return back(".overview", year=fiscal_year.year)


@blueprint.get("/<year:year>/")
@viewer
def overview(year: int) -> str:
    fiscal_year = _year(year)
    actor = me()
    totals = ceilings.opd_totals(g.db, fiscal_year, actor)
    statuses: dict[int, dict[str, int]] = {}
    for sub, _total, _count in rka.sub_activities(g.db, fiscal_year, actor):
        per_unit = statuses.setdefault(sub.org_unit_id, {})
        per_unit[sub.status] = per_unit.get(sub.status, 0) + 1
    return render_template(
        "ebudgeting/overview.html",
        fiscal_year=fiscal_year,
        all_years=years.list_years(g.db),
        totals=totals,
        statuses=statuses,
        stage_totals=(totals_by_stage := stages.stage_totals(g.db, fiscal_year, actor)),
        # One column, the newest stage taken: what the plans were frozen at.
        latest_stage=next((s for s in reversed(STAGES) if s in totals_by_stage), None),
        snapshots=stages.snapshots(g.db, fiscal_year),
        next_stage=years.next_stage(fiscal_year),
        drafting=years.drafting_open(fiscal_year),
        notes=review.open_notes(g.db, fiscal_year, actor),
        unit_names={row.unit.id: row.unit.name for row in totals},
        pending_items=len(catalogue.pending(g.db)) if actor.can(APPROVE_ITEM) else 0,
        can_ceilings=actor.can(CEILINGS),
        can_lock=actor.can(LOCK),
        may_override=actor.may_override,
        reports=REPORT_NAMES,
    )


@blueprint.post("/<year:year>/ceilings/<id:unit_id>")
@viewer
def set_ceiling(year: int, unit_id: int) -> Response:
    fiscal_year = _year(year)
    try:
        ceilings.set_ceiling(
            g.db,
            fiscal_year,
            unit_id,
            _decimal(request.form.get("amount"), "amount"),
            actor=me(),
            override_reason=request.form.get("override_reason") or None,
        )
    except ServiceError as exc:
        refused(exc)
    else:
        flash(_("The pagu was saved."), "success")
    return back(".overview", year=year)


@blueprint.post("/<year:year>/ceilings")
@viewer
def set_ceiling_override(year: int) -> Response:
    """The same service, with the OPD chosen in the form and TAPD's written reason."""
    try:
        unit_id = form_number("unit_id")
    except ServiceError as exc:
        refused(exc)
        return back(".overview", year=year)
    return set_ceiling(year, unit_id)


@blueprint.post("/<year:year>/stage")
@viewer
def take_stage(year: int) -> Response:
    fiscal_year = _year(year)
    stage = request.form.get("stage", "")
    try:
        snap = stages.take_snapshot(g.db, fiscal_year, stage, actor=me())
    except ServiceError as exc:
        refused(exc)
    else:
        flash(
            _(
                "The %(stage)s of %(year)s was taken: %(lines)s lines, %(total)s.",
                stage=STAGE_TITLES[snap.stage],
                year=year,
                lines=snap.line_count,
                total=rupiah(snap.total),
            ),
            "success",
        )
    return back(".overview", year=year)


@blueprint.post("/<year:year>/revision")
@viewer
def open_revision(year: int) -> Response:
    fiscal_year = _year(year)
    try:
        count = stages.open_revision(g.db, fiscal_year, actor=me())
    except ServiceError as exc:
        refused(exc)
    else:
        flash(
            _("The revision (RKA-P) is open: %(count)s plans are back in draft.", count=count),
            "success",
        )
    return back(".overview", year=year)


@blueprint.post("/<year:year>/reports")
@viewer
def request_report(year: int) -> Response:
    """Queue one of the app's reports as a job; the jobs page shows its progress."""
    name = request.form.get("report", "")
    if name not in REPORT_NAMES:
        abort(400)
    params: dict[str, Any] = {"year": year, "format": request.form.get("format", "pdf")}
    if request.form.get("org_unit_code"):
        params["org_unit_code"] = request.form["org_unit_code"]
    principal: TenantPrincipal = current_user
    try:
        submit_job(
            g.db,
            f"report:{name}",
            params,
            principal.label,
            tenant=current_tenant(),
            user_id=principal.user.id,
            permissions=principal.permissions,
        )
    except ServiceError as exc:
        refused(exc)
        return back(".overview", year=year)
    flash(_("Your report is being prepared; it appears below when it is ready."), "success")
    return back("tenant_web.job_list")


@blueprint.get("/<year:year>/sipd.json")
@viewer
def sipd_export(year: int) -> Response:
    from flask import jsonify

    tenant = current_tenant()
    try:
        data = sipd.approved_budget(
            g.db,
            _year(year),
            region_code=tenant.region_code,
            region_name=tenant.name,
            actor=me(),
        )
    except ServiceError as exc:
        refused(exc)
        return back(".overview", year=year)
    response = jsonify(data)
    response.headers["Content-Disposition"] = f'attachment; filename="sipd-apbd-{year}.json"'
    return response


# --------------------------------------------------------------------------- OPD


def _sub_kegiatan_choices() -> list[tuple[str, list[Nomenclature]]]:
    """Sub kegiatan grouped under their program, for the 'new sub-activity' form."""
    nodes = g.db.scalars(
        select(Nomenclature)
        .where(Nomenclature.is_active, Nomenclature.level.in_(("program", "sub_kegiatan")))
        .order_by(Nomenclature.code)
    ).all()
    groups: list[tuple[str, list[Nomenclature]]] = []
    for node in nodes:
        if node.level == "program":
            groups.append((f"{node.code} {node.name}", []))
        elif groups:
            groups[-1][1].append(node)
    return [group for group in groups if group[1]]


@blueprint.get("/<year:year>/opd/<id:unit_id>")
@viewer
def opd(year: int, unit_id: int) -> str:
    fiscal_year = _year(year)
    unit = _unit(unit_id)
    actor = me()
    subs = rka.sub_activities(g.db, fiscal_year, actor, unit.id)
    ceiling = ceilings.ceiling_of(g.db, fiscal_year, unit.id)
    notes = [
        (s, e) for s, e in review.open_notes(g.db, fiscal_year, actor) if s.org_unit_id == unit.id
    ]
    return render_template(
        "ebudgeting/opd.html",
        fiscal_year=fiscal_year,
        unit=unit,
        subs=subs,
        pagu=ceiling.amount if ceiling else None,
        allocated=sum((s.ceiling for s, _t, _c in subs), Decimal(0)),
        planned=sum((t for _s, t, _c in subs), Decimal(0)),
        notes=notes,
        drafting=years.drafting_open(fiscal_year),
        can_draft=actor.can(DRAFT),
        can_submit=actor.can(SUBMIT),
        can_lock=actor.can(LOCK),
        may_override=actor.may_override,
        choices=_sub_kegiatan_choices() if actor.can(DRAFT) else [],
        funding_sources=FUNDING_SOURCES,
    )


@blueprint.post("/<year:year>/opd/<id:unit_id>/sub-activities")
@viewer
def create_sub_activity(year: int, unit_id: int) -> Response:
    fiscal_year = _year(year)
    form = request.form
    try:
        sub = rka.create_sub_activity(
            g.db,
            fiscal_year,
            org_unit_id=unit_id,
            sub_kegiatan_code=form.get("sub_kegiatan_code", ""),
            output_indicator=form.get("output_indicator") or None,
            target=_decimal(form.get("target"), "target"),
            target_unit=form.get("target_unit") or None,
            location=form.get("location", ""),
            funding_source=form.get("funding_source", ""),
            ceiling=_decimal(form.get("ceiling"), "ceiling"),
            actor=me(),
            override_reason=form.get("override_reason") or None,
        )
    except ServiceError as exc:
        refused(exc)
        return back(".opd", year=year, unit_id=unit_id)
    flash(_("Sub-activity %(code)s was added.", code=sub.sub_kegiatan_code), "success")
    return back(".sub_activity", sub_id=sub.id)


@blueprint.post("/<year:year>/opd/<id:unit_id>/review")
@viewer
def review_opd(year: int, unit_id: int) -> Response:
    fiscal_year = _year(year)
    action = request.form.get("action", "")
    try:
        done = review.transition_opd(
            g.db, fiscal_year, unit_id, action, note=request.form.get("note"), actor=me()
        )
    except ServiceError as exc:
        refused(exc)
    else:
        flash(_("%(count)s sub-activities were updated.", count=len(done)), "success")
    return back(".opd", year=year, unit_id=unit_id)


# --------------------------------------------------------------------------- RKA of a sub-activity


def _catalogue_for(year: int) -> list[tuple[str, list[CatalogueItem]]]:
    items = catalogue.search(g.db, year, limit=5000)
    grouped: dict[str, list[CatalogueItem]] = {}
    for item in items:
        grouped.setdefault(item.kind, []).append(item)
    return [(f"{kind} — {KINDS[kind]}", grouped[kind]) for kind in KINDS if kind in grouped]


def _accounts() -> list[Account]:
    return list(
        g.db.scalars(
            select(Account).where(Account.level == 6, Account.is_active).order_by(Account.code)
        )
    )


def _sub_or_404(sub_id: int) -> SubActivity:
    try:
        return rka.get_sub_activity(g.db, sub_id, me())
    except ServiceError:
        abort(404)


@blueprint.get("/sub/<id:sub_id>")
@viewer
def sub_activity(sub_id: int) -> str:
    sub = _sub_or_404(sub_id)
    return _render_sub(sub)


def _render_sub(sub: SubActivity, form: dict[str, str] | None = None) -> str:
    actor = me()
    fiscal_year = g.db.get(FiscalYear, sub.fiscal_year_id)
    lines = rka.lines_of(g.db, sub)
    total = sum((ln.amount for ln in lines), Decimal(0))
    editable = (
        years.drafting_open(fiscal_year)
        and actor.can(DRAFT)
        and (
            sub.status in ("draft", "returned") or (sub.status == "submitted" and actor.can(REVIEW))
        )
    )
    basis = realization.cash_plan_basis(g.db, fiscal_year)
    return render_template(
        "ebudgeting/sub_activity.html",
        sub=sub,
        unit=g.db.get(OrgUnit, sub.org_unit_id),
        fiscal_year=fiscal_year,
        lines=lines,
        total=total,
        accounts=rka.account_names(g.db, {ln.account_code for ln in lines}),
        history=review.history(g.db, sub),
        editable=editable,
        catalogue_groups=_catalogue_for(fiscal_year.year) if editable else [],
        all_accounts=_accounts() if editable else [],
        can_submit=actor.can(SUBMIT) and sub.status in ("draft", "returned"),
        can_return=actor.can(REVIEW) and sub.status == "submitted",
        can_lock=actor.can(LOCK) and sub.status == "submitted",
        can_reopen=actor.can(LOCK) and sub.status == "locked" and years.drafting_open(fiscal_year),
        may_override=actor.may_override,
        funding_sources=FUNDING_SOURCES,
        basis=basis,
        basis_amount=realization.snapshot_amount(g.db, basis, sub.id) if basis else None,
        cash_plan=realization.cash_plan_of(g.db, sub.id),
        can_plan_cash=basis is not None and actor.can(DRAFT),
        form=form or {},
    )


@blueprint.post("/sub/<id:sub_id>")
@viewer
def update_sub_activity(sub_id: int) -> Response:
    sub = _sub_or_404(sub_id)
    form = request.form
    try:
        rka.update_sub_activity(
            g.db,
            sub,
            actor=me(),
            output_indicator=form.get("output_indicator"),
            target=_optional_decimal(form.get("target"), "target"),
            target_unit=form.get("target_unit"),
            location=form.get("location"),
            funding_source=form.get("funding_source"),
            ceiling=_optional_decimal(form.get("ceiling"), "ceiling"),
            override_reason=form.get("override_reason") or None,
        )
    except ServiceError as exc:
        refused(exc)
    else:
        flash(_("The sub-activity was saved."), "success")
    return back(".sub_activity", sub_id=sub_id)


@blueprint.post("/sub/<id:sub_id>/delete")
@viewer
def delete_sub_activity(sub_id: int) -> Response:
    sub = _sub_or_404(sub_id)
    year = g.db.get(FiscalYear, sub.fiscal_year_id).year
    unit_id = sub.org_unit_id
    try:
        rka.delete_sub_activity(g.db, sub, actor=me())
    except ServiceError as exc:
        refused(exc)
        return back(".sub_activity", sub_id=sub_id)
    flash(_("The sub-activity was deleted."), "success")
    return back(".opd", year=year, unit_id=unit_id)


@blueprint.post("/sub/<id:sub_id>/lines")
@viewer
def add_line(sub_id: int) -> Response | tuple[str, int]:
    sub = _sub_or_404(sub_id)
    form = request.form
    try:
        item_id = form_number("catalogue_item_id")
        rka.add_line(
            g.db,
            sub.id,
            catalogue_item_id=item_id,
            account_code=form.get("account_code", ""),
            factors=parse_coefficient(form.get("coefficient", "")),
            unit_price=_optional_decimal(form.get("unit_price"), "unit_price"),
            description=form.get("description", ""),
            actor=me(),
            override_reason=form.get("override_reason") or None,
        )
    except (ServiceError, ValueError) as exc:
        error = exc if isinstance(exc, ServiceError) else InvalidInput(str(exc))
        g.db.rollback()
        sub = _sub_or_404(sub_id)
        page = _render_sub(sub, {**form.to_dict(), "errors": "\n".join(violation_texts(error))})
        return page, error.status
    flash(_("The line was added."), "success")
    return back(".sub_activity", sub_id=sub_id, _anchor="lines")


@blueprint.route("/line/<id:line_id>", methods=["GET", "POST"])
@viewer
def edit_line(line_id: int) -> str | Response | tuple[str, int]:
    try:
        line = rka.get_line(g.db, line_id, me())
    except ServiceError:
        abort(404)
    sub = _sub_or_404(line.sub_activity_id)
    fiscal_year = g.db.get(FiscalYear, sub.fiscal_year_id)
    errors: list[str] = []
    form = (
        request.form.to_dict()
        if request.method == "POST"
        else {
            "catalogue_item_id": str(line.catalogue_item_id),
            "account_code": line.account_code,
            "coefficient": coefficient_text(line.factors),
            "unit_price": f"{line.unit_price:f}",
            "description": line.description,
        }
    )
    if request.method == "POST":
        try:
            rka.update_line(
                g.db,
                line,
                actor=me(),
                catalogue_item_id=form_number("catalogue_item_id"),
                account_code=form.get("account_code", ""),
                factors=parse_coefficient(form.get("coefficient", "")),
                unit_price=_optional_decimal(form.get("unit_price"), "unit_price"),
                description=form.get("description", ""),
                override_reason=form.get("override_reason") or None,
            )
        except (ServiceError, ValueError) as exc:
            error = exc if isinstance(exc, ServiceError) else InvalidInput(str(exc))
            g.db.rollback()
            errors = violation_texts(error)
        else:
            flash(_("The line was saved."), "success")
            return back(".sub_activity", sub_id=sub.id, _anchor="lines")
    page = render_template(
        "ebudgeting/line_edit.html",
        line=line,
        sub=sub,
        fiscal_year=fiscal_year,
        form=form,
        errors=errors,
        catalogue_groups=_catalogue_for(fiscal_year.year),
        all_accounts=_accounts(),
        may_override=me().may_override,
    )
    return page, 422 if errors else 200


@blueprint.post("/line/<id:line_id>/delete")
@viewer
def delete_line(line_id: int) -> Response:
    try:
        line = rka.get_line(g.db, line_id, me())
    except ServiceError:
        abort(404)
    sub_id = line.sub_activity_id
    try:
        rka.delete_line(g.db, line, actor=me())
    except ServiceError as exc:
        refused(exc)
    else:
        flash(_("The line was deleted."), "success")
    return back(".sub_activity", sub_id=sub_id, _anchor="lines")


@blueprint.post("/sub/<id:sub_id>/review")
@viewer
def review_sub(sub_id: int) -> Response:
    _sub_or_404(sub_id)
    action = request.form.get("action", "")
    try:
        sub = review.transition(g.db, sub_id, action, note=request.form.get("note"), actor=me())
    except ServiceError as exc:
        refused(exc)
    else:
        label = translate(STATUS[sub.status][1])
        flash(_("The plan is now: %(status)s.", status=label), "success")
    return back(".sub_activity", sub_id=sub_id)


@blueprint.post("/sub/<id:sub_id>/cash-plan")
@viewer
def cash_plan(sub_id: int) -> Response:
    _sub_or_404(sub_id)
    try:
        amounts = [_decimal(request.form.get(f"m{m}") or "0", f"m{m}") for m in range(1, 13)]
        realization.set_cash_plan(g.db, sub_id, amounts, actor=me())
    except ServiceError as exc:
        refused(exc)
    else:
        flash(_("The cash plan was saved."), "success")
    return back(".sub_activity", sub_id=sub_id, _anchor="cash-plan")


# --------------------------------------------------------------------------- stage differences


@blueprint.get("/<year:year>/changes")
@viewer
def changes(year: int) -> str:
    fiscal_year = _year(year)
    taken = [s.stage for s in stages.snapshots(g.db, fiscal_year)]
    # What people compare: the legislature's changes (RKA -> APBD), then the revision
    # (DPA -> RKA-P, DPA -> DPPA once issued).
    default_from, default_to = (taken[-2], taken[-1]) if len(taken) > 1 else (None, None)
    for before, after in (("dpa", "dppa"), ("dpa", "rka_p"), ("rka", "apbd")):
        if before in taken and after in taken:
            default_from, default_to = before, after
            break
    from_stage = request.args.get("from") or default_from
    to_stage = request.args.get("to") or default_to
    unit_id = query_int("opd")
    result = None
    if from_stage in taken and to_stage in taken:
        try:
            result = stages.diff(
                g.db, fiscal_year, from_stage, to_stage, actor=me(), org_unit_id=unit_id
            )
        except ServiceError:
            abort(404)
    return render_template(
        "ebudgeting/changes.html",
        fiscal_year=fiscal_year,
        taken=taken,
        from_stage=from_stage,
        to_stage=to_stage,
        unit_id=unit_id,
        opds=[u for u in ceilings.list_opds(g.db) if me().sees_unit(u.id)],
        result=result,
        accounts=dict(g.db.execute(select(Account.code, Account.name)).all()) if result else {},
    )


# --------------------------------------------------------------------------- realization


@blueprint.get("/<year:year>/realization")
@viewer
def realization_page(year: int) -> str:
    return _render_realization(_year(year))


def _render_realization(
    fiscal_year: FiscalYear, problems: list[dict[str, Any]] | None = None
) -> str:
    actor = me()
    unit_id = query_int("opd")
    if unit_id is not None and not actor.sees_unit(unit_id):
        abort(404)
    months = realization.by_month(g.db, fiscal_year, actor, unit_id)
    # The paid line stops at the last month with a payment, not flat into the future.
    last_paid = max((m.month for m in months if m.realized), default=0)
    chart = {
        "labels": [translate(m) for m in MONTH_NAMES],
        "planned": [float(m.planned_cumulative) for m in months],
        "realized": [
            float(m.realized_cumulative) if m.month <= last_paid else None for m in months
        ],
        "text": {"planned": _("Cash plan (cumulative)"), "realized": _("Paid (cumulative)")},
    }
    execution = stages.execution_snapshot(g.db, fiscal_year)
    subs = rka.sub_activities(g.db, fiscal_year, actor) if actor.can(PAYMENTS) and execution else []
    return render_template(
        "ebudgeting/realization.html",
        fiscal_year=fiscal_year,
        unit_id=unit_id,
        opds=[u for u in ceilings.list_opds(g.db) if actor.sees_unit(u.id)],
        execution=execution,
        per_opd=realization.by_opd(g.db, fiscal_year, actor),
        per_program=realization.by_program(g.db, fiscal_year, actor, unit_id),
        months=months,
        month_names=MONTH_NAMES,
        chart=chart,
        payments=realization.payments(g.db, fiscal_year, actor, limit=50),
        can_pay=actor.can(PAYMENTS) and execution is not None,
        subs=subs,
        accounts=_accounts() if subs else [],
        problems=problems or [],
    )


MONTH_NAMES = (
    N_("Jan"),
    N_("Feb"),
    N_("Mar"),
    N_("Apr"),
    N_("May"),
    N_("Jun"),
    N_("Jul"),
    N_("Aug"),
    N_("Sep"),
    N_("Oct"),
    N_("Nov"),
    N_("Dec"),
)


@blueprint.post("/<year:year>/payments")
@viewer
def record_payment(year: int) -> Response:
    fiscal_year = _year(year)
    form = request.form
    try:
        paid_on = realization.parse_day(form.get("paid_on"))
        if paid_on is None:
            raise InvalidInput("the SP2D date is not a date", {"paid_on": "a date"})
        realization.record_payment(
            g.db,
            fiscal_year,
            sp2d_number=form.get("sp2d_number", ""),
            paid_on=paid_on,
            sub_activity_id=form_number("sub_activity_id"),
            account_code=form.get("account_code", ""),
            amount=_decimal(form.get("amount"), "amount"),
            description=form.get("description", ""),
            actor=me(),
        )
    except ServiceError as exc:
        refused(exc)
    else:
        flash(_("The payment was recorded."), "success")
    return back(".realization_page", year=year)


@blueprint.post("/<year:year>/payments/import")
@viewer
def import_payments(year: int) -> Response | tuple[str, int]:
    fiscal_year = _year(year)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a CSV or XLSX file."), "danger")
        return back(".realization_page", year=year)
    try:
        result = realization.import_payments(
            g.db, fiscal_year, upload.filename, upload.read(), actor=me()
        )
    except realization.ImportRejected as exc:
        g.db.rollback()
        flash(
            _(
                "%(file)s was not imported: %(count)s problem(s). Nothing was written; fix the "
                "rows below and upload the file again.",
                file=upload.filename,
                count=len(exc.problems),
            ),
            "danger",
        )
        page = _render_realization(fiscal_year, [p.as_dict() for p in exc.problems])
        return page, 422
    except ServiceError as exc:
        # A file refused whole (too large, unreadable): the page with why, and a 4xx.
        refused(exc)
        return _render_realization(fiscal_year), exc.status
    flash(
        _(
            "%(rows)s payments imported, %(total)s in all.",
            rows=result.rows,
            total=rupiah(result.total),
        ),
        "success",
    )
    return back(".realization_page", year=year)


# --------------------------------------------------------------------------- catalogue


@blueprint.get("/catalogue")
@viewer
def catalogue_page() -> str:
    actor = me()
    found = years.list_years(g.db)
    default = found[0].year if found else datetime.now(JAKARTA).year
    year = query_year(default=default) or default
    q = request.args.get("q", "").strip()[:100]
    kind = request.args.get("kind") or None
    items = catalogue.search(g.db, year, q=q, kind=kind if kind in KINDS else None, limit=300)
    return render_template(
        "ebudgeting/catalogue.html",
        year=year,
        years=sorted({y.year for y in found} | {year}),
        q=q,
        kind=kind,
        kinds=KINDS,
        items=items,
        pending=catalogue.pending(g.db),
        can_propose=actor.can(PROPOSE_ITEM),
        can_decide=actor.can(APPROVE_ITEM),
        accounts=_accounts() if actor.can(PROPOSE_ITEM) else [],
    )


@blueprint.post("/catalogue")
@viewer
def propose_item() -> Response:
    form = request.form
    year: int | None = None
    try:
        year = form_number("year", YEAR_MAX)
        item = catalogue.propose_item(
            g.db,
            year=year,
            kind=form.get("kind", ""),
            name=form.get("name", ""),
            specification=form.get("specification", ""),
            unit=form.get("unit", ""),
            max_price=_decimal(form.get("max_price"), "max_price"),
            account_codes=form.getlist("account_codes"),
            actor=me(),
        )
    except ServiceError as exc:
        refused(exc)
    else:
        flash(_("%(code)s was proposed; TAPD decides on it.", code=item.code), "success")
    return back(".catalogue_page", year=year)


@blueprint.post("/catalogue/<id:item_id>/decision")
@viewer
def decide_item(item_id: int) -> Response:
    try:
        item = catalogue.decide_item(
            g.db,
            catalogue.get_item(g.db, item_id),
            approve=request.form.get("decision") == "approve",
            note=request.form.get("note"),
            actor=me(),
        )
    except ServiceError as exc:
        refused(exc)
        return back(".catalogue_page")
    flash(
        _("%(code)s is now %(status)s.", code=item.code, status=translate(item.status)), "success"
    )
    return back(".catalogue_page", year=item.year)


# --------------------------------------------------------------------------- members


def _member_manager(view: Callable[P, R]) -> Callable[P, R]:
    """The regency's admin or the TAPD chair, even without ``ebudgeting.view``."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        principal: TenantPrincipal = current_user
        g.eb_actor = actor_for(g.db, principal)
        return view(*args, **kwargs)

    return access.requires(USERS_MANAGE, MEMBERS)(wrapper)


@blueprint.get("/members")
@_member_manager
def members_page() -> str:
    return render_template(
        "ebudgeting/members.html",
        members=members.members(g.db),
        role_info=ROLE_DETAILS,
        opds=ceilings.list_opds(g.db),
        submitter_may_not_lock=duties.submitter_may_not_lock(g.db),
        may_change_duties=me().can(duties.MANAGE),
    )


@blueprint.post("/members/duties")
@_member_manager
def set_duties() -> Response:
    """The regency's setting: whoever submitted a plan may not lock it."""
    try:
        enabled = request.form.get("submitter_may_not_lock") == "1"
        duties.set_submitter_may_not_lock(g.db, enabled, actor=me())
    except ServiceError as exc:
        refused(exc)
    else:
        flash(_("The setting was saved."), "success")
    return back(".members_page")


@blueprint.post("/members/<id:user_id>")
@_member_manager
def set_member(user_id: int) -> Response:
    try:
        units = [whole_number(v, "org_unit_ids") for v in request.form.getlist("org_unit_ids")]
        members.set_units(g.db, user_id, units, actor=me())
    except (ServiceError, ValueError) as exc:
        refused(exc if isinstance(exc, ServiceError) else InvalidInput(str(exc)))
    else:
        flash(_("The assignment was saved."), "success")
    return back(".members_page")
