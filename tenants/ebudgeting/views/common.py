"""What every e-Budgeting page shares: the blueprint, its access rule, form readers,
and how a refused action is shown.

Views parse the form, call a service and redirect; the request boundary commits
(status < 400) or rolls back. An action (a POST) runs in a savepoint of the
request's transaction, so a service's refusal leaves nothing it flushed behind
while the page is drawn; the refusal propagates to the blueprint's handler, which
draws the page the form was on (``@refusal_shows``) with why, in the reader's
language, and a 4xx status, so the boundary rolls the request back. No view
catches a service error to undo or report it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from smartcity.toolkit import (
    BIGINT_MAX,
    N_,
    InvalidInput,
    OrgUnit,
    ServiceError,
    TenantPrincipal,
    access,
    number,
    parse_number,
    rupiah,
    translate,
    translations,
    whole_number,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from tenants.ebudgeting import catalogue, planning, years
from tenants.ebudgeting.access import MEMBERS, USERS_MANAGE, VIEW, Actor, actor_for
from tenants.ebudgeting.coefficients import coefficient_text
from tenants.ebudgeting.execution import ImportRejected
from tenants.ebudgeting.messages import _m
from tenants.ebudgeting.models import Account, CatalogueItem, FiscalYear, SubActivity
from tenants.ebudgeting.reference import KINDS
from tenants.ebudgeting.rules import RuleViolation
from tenants.ebudgeting.years import STAGE_TITLES, STAGES

P = ParamSpec("P")
R = TypeVar("R")
JAKARTA = ZoneInfo("Asia/Jakarta")
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

blueprint = Blueprint(
    "ebudgeting",
    "tenants.ebudgeting",
    template_folder="templates",
    static_folder="static",
)


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
        "refusal": g.get("eb_refusal", []),
    }


# --------------------------------------------------------------------------- access


def _acting(view: Callable[P, R]) -> Callable[P, R]:
    """Load the actor (with their OPDs) into ``g.eb_actor``; run an action (any method
    but GET and HEAD) in a savepoint, which a refusal leaves undone."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        principal: TenantPrincipal = current_user
        g.eb_actor = actor_for(g.db, principal)
        if request.method in ("GET", "HEAD"):
            return view(*args, **kwargs)
        with g.db.begin_nested():
            return view(*args, **kwargs)

    return wrapper


def viewer(view: Callable[P, R]) -> Callable[P, R]:
    """Declare a page for holders of ``ebudgeting.view`` (checked by the core's gate
    before the view runs)."""
    return access.requires(VIEW)(_acting(view))


def member_manager(view: Callable[P, R]) -> Callable[P, R]:
    """The regency's admin or the TAPD chair, even without ``ebudgeting.view``."""
    return access.requires(USERS_MANAGE, MEMBERS)(_acting(view))


def me() -> Actor:
    actor: Actor = g.eb_actor
    return actor


# --------------------------------------------------------------------------- refusals


@dataclass(frozen=True)
class _RefusalPage:
    draw: Callable[..., str]
    beside_form: bool


#: endpoint -> the page its form is on, drawn with the refusal
_REFUSAL_PAGES: dict[str, _RefusalPage] = {}


def refusal_shows(
    page: Callable[..., str], *, beside_form: bool = False
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare the page a refused action draws: ``page`` takes the action's view
    arguments (and ignores those it does not need) and returns the page's HTML.

    The refusal is a flashed message at the top of the page, or, ``beside_form``,
    the template's ``refusal`` list shown next to the form that was sent (which
    keeps what was typed).
    """

    def declare(view: Callable[P, R]) -> Callable[P, R]:
        _REFUSAL_PAGES[f"{blueprint.name}.{view.__name__}"] = _RefusalPage(page, beside_form)
        return view

    return declare


def violation_texts(error: ServiceError) -> list[str]:
    """The refusal in the page's language: each broken rule's message, or the
    error's message with the fields it does not already name."""
    if isinstance(error, RuleViolation):
        return error.localized_texts()
    if isinstance(error, ImportRejected):  # the page lists every row's problem
        return [
            _(
                "%(file)s was not imported: %(count)s problem(s). Nothing was written; fix the "
                "rows below and upload the file again.",
                file=error.filename,
                count=len(error.problems),
            )
        ]
    message = translate(error.message)
    details = [
        f"{k}: {translate(v)}" for k, v in error.fields.items() if translate(v) not in message
    ]
    return [message, *details]


@blueprint.errorhandler(ServiceError)
def _refused(error: ServiceError) -> tuple[str, int]:
    """A refused action: the page its form is on, with why, and the error's status."""
    page = _REFUSAL_PAGES.get(request.endpoint or "")
    # Refused before the view ran (a NUL byte, say): no actor, so no page of the app.
    if page is None or "eb_actor" not in g:
        return render_template(
            "error.html", status=error.status, code=error.code, message=error.message
        ), error.status
    texts = violation_texts(error)
    if page.beside_form:
        g.eb_refusal = texts
    else:
        for text in texts:
            flash(text, "danger")
    return page.draw(**(request.view_args or {})), error.status


def back(endpoint: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, **values), 303)


# --------------------------------------------------------------------------- form readers


def form_amount(raw: str | None, field: str) -> Decimal:
    """A number or amount as typed in Indonesia (``1.250.000,50``; see smartcity.money)."""
    value = parse_number(raw, places=2, currency=True)
    if value is None:
        raise InvalidInput(
            _m("%(field)s: %(value)s is not a number", field=field, value=raw or ""),
            {field: _m("a number")},
        )
    return value


def optional_amount(raw: str | None, field: str) -> Decimal | None:
    return None if not (raw or "").strip() else form_amount(raw, field)


def form_number(field: str, high: int = BIGINT_MAX) -> int:
    """A whole-number form field (an id, a year); empty is 0, which no row has.

    ``abc`` or a number beyond its column is a form error naming the field,
    not a ValueError or a database error.
    """
    return whole_number(request.form.get(field, "").strip() or "0", field, 0, high)


# --------------------------------------------------------------------------- lookups


def year_or_404(year: int) -> FiscalYear:
    try:
        return years.get_year(g.db, year)
    except ServiceError:
        abort(404)


def unit_or_404(unit_id: int) -> OrgUnit:
    unit: OrgUnit | None = g.db.get(OrgUnit, unit_id)
    if unit is None or not me().sees_unit(unit_id):
        abort(404)
    return unit


def sub_or_404(sub_id: int) -> SubActivity:
    try:
        return planning.get_sub_activity(g.db, sub_id, me())
    except ServiceError:
        abort(404)


def catalogue_for(year: int) -> list[tuple[str, list[CatalogueItem]]]:
    items = catalogue.search(g.db, year, limit=5000)
    grouped: dict[str, list[CatalogueItem]] = {}
    for item in items:
        grouped.setdefault(item.kind, []).append(item)
    return [(f"{kind} — {KINDS[kind]}", grouped[kind]) for kind in KINDS if kind in grouped]


def level6_accounts() -> list[Account]:
    return list(
        g.db.scalars(
            select(Account).where(Account.level == 6, Account.is_active).order_by(Account.code)
        )
    )
