"""The sanctions page: BKPSDM records disciplinary sanctions and the other per-person
deductions (LHKPN, TPTGR) from their decree and annuls them with a reason; a unit's
admin and a viewer read them (their units', every one), changing nothing.

Routes on the app's one blueprint; the manifest imports this module. The page
hands what was typed to ``sanctions.record`` and ``sanctions.annul`` (the API's
functions) and shows a refusal beside its field with what was typed, never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from smartcity.toolkit import (
    InvalidInput,
    NotFound,
    OrgUnit,
    ServiceError,
    Staff,
    access,
    month_name,
    number,
    query_int,
    rupiah,
    translate,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from . import sanctions
from .access import REGENCY, SELF, UNIT, VIEW_ALL
from .api import file_response
from .attendance import zone
from .blueprint import _actor, blueprint, refusal_fields, refusal_status
from .messages import M, _
from .pages import uploaded_evidence
from .periods import parse_month
from .rules import (
    SANCTION_KINDS,
    SANCTION_LABELS,
    SANCTION_LEVEL_LABELS,
    SANCTION_LEVELS,
    TppRules,
)
from .runs import rule_set_for

#: The fields of the record form, as the service names them.
FIELDS = ("nip", "kind", "decree_number", "decree_date", "first_month", "months", "note")


def _today() -> date:
    return datetime.now(zone(g.db)).date()


def _filters() -> dict[str, Any]:
    """The list's filters from the query string; a value that is not a choice is ignored."""
    args = request.args
    kind = args.get("kind", "")
    status = args.get("status", "running")
    raw_month = args.get("month", "")[:10]
    return {
        "unit": query_int("unit"),
        "kind": kind if kind in SANCTION_KINDS else "",
        "status": status if status in (*sanctions.STATUSES, "all") else "running",
        "month": raw_month if parse_month(raw_month) else "",
        "q": args.get("q", "")[:100],
    }


def _page(
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    annulling: int | None = None,
    status: int = 200,
) -> tuple[str, int]:
    actor = _actor()
    sanctions.require_reader(actor)
    chosen = _filters()
    rows = sanctions.listing(
        g.db,
        actor,
        org_unit_id=chosen["unit"],
        kind=chosen["kind"] or None,
        status=None if chosen["status"] == "all" else chosen["status"],
        month=parse_month(chosen["month"]) if chosen["month"] else None,
        search=chosen["q"],
    )
    units_q = select(OrgUnit).order_by(OrgUnit.code, OrgUnit.id)
    if actor.unit_ids is not None and not actor.can(VIEW_ALL):
        units_q = units_q.where(OrgUnit.id.in_(sorted(actor.unit_ids or ())))
    today = _today()
    try:
        percents = TppRules.model_validate(rule_set_for(g.db, today.replace(day=1)).rules)
    except ServiceError:
        percents = None
    readers_of_many = actor.can(UNIT) or actor.can(VIEW_ALL)
    shown = {k: number(v) for k, v in percents.sanction_percent.items()} if percents else {}
    page = render_template(
        "ekinerja/sanctions.html",
        rows=rows,
        units=list(g.db.scalars(units_q.limit(2000))) if readers_of_many else [],
        chosen=chosen,
        manage=actor.can(REGENCY),
        kinds=SANCTION_KINDS,
        kind_labels={k: translate(v) for k, v in SANCTION_LABELS.items()},
        level_of=lambda k: translate(SANCTION_LEVEL_LABELS[SANCTION_LEVELS.get(k, "other")]),
        percent_of=shown.get,
        span=sanctions.span,
        month_label=month_name,
        fmt_day=lambda day: format_date(day, "d MMMM y", locale=str(get_locale() or "id")),
        errors=errors or {},
        values=values or {"months": "1", "first_month": f"{today.year:04d}-{today.month:02d}"},
        annulling=annulling,
        rupiah=rupiah,
        today=today,
    )
    return page, status


@blueprint.get("/sanctions")
@access.requires(SELF, UNIT, VIEW_ALL)
def sanctions_page() -> tuple[str, int]:
    """Sanctions and other deductions: filters, the list, and BKPSDM's record form."""
    return _page()


@blueprint.post("/sanctions")
@access.requires(REGENCY)
def sanction_record() -> Response | tuple[str, int]:
    form = request.form
    typed = {k: form.get(k, "")[: 2000 if k == "note" else 120] for k in FIELDS}
    try:
        nip = typed["nip"].strip()
        person = (
            g.db.scalar(select(Staff).where(Staff.nip == nip))
            if nip.isdecimal() and len(nip) <= 30
            else None
        )
        if person is None:
            raise InvalidInput(
                M("the sanction cannot be recorded"),
                {"nip": M("no staff member has this NIP")},
            )
        sanction = sanctions.record(
            g.db,
            _actor(),
            staff_id=person.id,
            kind=typed["kind"],
            decree_number=typed["decree_number"],
            decree_date=typed["decree_date"],
            first_month=typed["first_month"],
            months=typed["months"],
            note=typed["note"],
            evidence=uploaded_evidence(),
            today=_today(),
        )
    except ServiceError as error:
        g.db.rollback()
        errors = refusal_fields(error)
        if "staff_id" in errors:
            errors["nip"] = errors.pop("staff_id")
        return _page(errors=errors, values=typed, status=refusal_status(error))
    flash(
        _(
            "The sanction no. %(id)s of %(name)s is recorded.",
            id=sanction.id,
            name=person.name,
        ),
        "success",
    )
    return redirect(url_for(".sanctions_page"), 303)


@blueprint.post("/sanctions/<id:sanction_id>/annulment")
@access.requires(REGENCY)
def sanction_annul(sanction_id: int) -> Response | tuple[str, int]:
    try:
        if request.form.get("confirm") != "yes":
            raise InvalidInput(
                M("confirm the annulment"), {"confirm": M("tick to confirm the annulment")}
            )
        sanction = sanctions.annul(
            g.db, _actor(), sanction_id, reason=request.form.get("reason", "")[:4000]
        )
    except NotFound:
        raise
    except ServiceError as error:
        g.db.rollback()
        return _page(
            errors=refusal_fields(error), annulling=sanction_id, status=refusal_status(error)
        )
    assert sanction.annulled_from is not None  # noqa: S101 - annul sets it
    flash(
        _(
            "The sanction no. %(id)s is annulled from %(month)s.",
            id=sanction.id,
            month=month_name(sanction.annulled_from),
        ),
        "success",
    )
    return redirect(url_for(".sanctions_page"), 303)


@blueprint.get("/sanctions/<id:sanction_id>/evidence")
@access.requires(SELF, UNIT, VIEW_ALL)
def sanction_evidence(sanction_id: int) -> Response:
    """The decree's scan, to whoever may read the sanction."""
    sanction = sanctions.evidence_of(g.db, _actor(), sanction_id)
    return file_response(sanction.evidence or b"", sanction.evidence_type, sanction.evidence_name)
