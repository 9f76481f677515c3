"""e-Kinerja's blueprint and the supervisor's queue (the other pages: ``pages``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple

from babel.dates import format_date
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from smartcity.toolkit import (
    N_,
    InvalidInput,
    ServiceError,
    Staff,
    TenantPrincipal,
    access,
    month_name,
    number,
    translate,
)
from werkzeug.wrappers import Response

from . import attendance, photos, worklogs
from .access import APPROVE, Actor, actor_for
from .messages import M, _
from .models import Duty, WorkLog
from .periods import cutoff
from .settings import load as load_settings

blueprint = Blueprint("ekinerja", __name__, template_folder="templates", static_folder="static")


#: What a punch's or check-in's flag means, for whoever reviews it.
FLAG_LABELS = {
    "outside_geofence": N_("outside the geofence"),
    "mock_location": N_("mock location"),
    "impossible_jump": N_("impossible jump"),
    "low_accuracy": N_("low accuracy"),
    "clock_skew": N_("device clock off"),
    "no_geofence": N_("no geofence"),
    "offline": N_("sent later (offline)"),
    "other_device": N_("another phone than the account's"),
    "no_device_id": N_("no phone id sent"),
    "shared_device": N_("one phone for several people"),
}


def flag_label(flag: str) -> str:
    return translate(FLAG_LABELS[flag]) if flag in FLAG_LABELS else flag


def web() -> Blueprint:
    return blueprint


def refusal_fields(error: ServiceError) -> dict[str, str]:
    """A refusal for a form: its fields in the reader's language, its sentence under ``_``."""
    shown = {key: translate(value) for key, value in error.fields.items()}
    shown["_"] = translate(error.message)
    return shown


def refusal_status(error: ServiceError) -> int:
    """The page's status for a refusal: the service's own 4xx, else 422."""
    return error.status if 400 <= error.status < 500 else 422


def _actor() -> Actor:
    """The signed-in user as an actor (the gate has checked the page's rule)."""
    principal: TenantPrincipal = current_user
    return actor_for(g.db, principal)


class QueueGroup(NamedTuple):
    """One person's waiting logs on the queue page, oldest first, and their minutes."""

    person: Staff
    logs: list[tuple[WorkLog, Duty]]
    minutes: int


def _by_person(rows: Sequence[tuple[WorkLog, Staff, Duty]]) -> list[QueueGroup]:
    """The queue by person, in name order: a supervisor reads one person's days together
    and approves them at once, rather than hunting a name through a list of hundreds."""
    people: dict[int, Staff] = {}
    logs: dict[int, list[tuple[WorkLog, Duty]]] = defaultdict(list)
    for log, person, duty in rows:
        people[person.id] = person
        logs[person.id].append((log, duty))
    return [
        QueueGroup(person, logs[pid], sum(log.minutes for log, _d in logs[pid]))
        for pid, person in sorted(people.items(), key=lambda item: (item[1].name, item[0]))
    ]


@blueprint.get("/queue")
@access.requires(APPROVE)
def queue() -> str:
    """The supervisor's queue: work logs to approve or return, flagged punches to review.
    A unit admin's also holds the logs of their units' people the roster gives no
    supervisor, or one who has left (``worklogs.may_decide``).

    Each month's cutoff is shown: after it (or once the month's TPP is locked) a
    log can no longer be decided.
    """
    actor = _actor()
    rows = worklogs.queue(g.db, actor)
    punches = attendance.pending_punches(g.db, actor.staff_id) if actor.staff_id is not None else []
    cutoff_day = load_settings(g.db).cutoff_day
    months = sorted({(log.day.year, log.day.month) for log, _p, _d in rows})
    return render_template(
        "ekinerja/queue.html",
        actor=actor,
        rows=rows,
        groups=_by_person(rows),
        limit=worklogs.QUEUE_LIMIT,
        punches=punches,
        tz=attendance.zone(g.db),
        photo_ids=photos.with_photo(g.db, [punch.id for punch, _person in punches]),
        flag_label=flag_label,
        companions=attendance.phone_companions(g.db, [punch for punch, _person in punches]),
        cutoffs={(y, m): cutoff(y, m, cutoff_day) for y, m in months},
        today=datetime.now(attendance.zone(g.db)).date(),
        fmt_day=lambda day: format_date(day, "EEE d MMM y", locale=str(get_locale() or "id")),
        number=number,
        fmt_month=lambda year, month: month_name(date(year, month, 1)),
    )


@blueprint.post("/queue")
@access.requires(APPROVE)
def decide() -> Response:
    """Bulk approve, or return with a note, the ticked logs."""
    actor = _actor()
    ticked = request.form.getlist("log_id")
    ids = [int(v) for v in ticked if v.isascii() and v.isdecimal() and len(v) < 19]
    approve = request.form.get("action") == "approve"
    try:
        if len(ids) != len(ticked):
            # A list with something else in it is refused whole, as the API refuses it.
            raise InvalidInput(M("choose work logs by their numbers"), {"log_ids": "ids"})
        done = worklogs.decide(
            g.db,
            actor,
            ids,
            approve=approve,
            note=request.form.get("note", "")[:4000],  # past 2000: refused, not cut
            today=datetime.now(attendance.zone(g.db)).date(),
        )
    except ServiceError as error:
        g.db.rollback()
        flash(translate(error.message), "danger")
    else:
        flash(_("%(count)s work logs decided.", count=len(done)), "success")
    return redirect(url_for(".queue"), 303)


@blueprint.post("/queue/punches")
@access.requires(APPROVE)
def review_punches() -> Response:
    """Accept or reject the ticked flagged punches (all of them or none)."""
    actor = _actor()
    ids = [
        int(v)
        for v in request.form.getlist("punch_id")
        if v.isascii() and v.isdecimal() and len(v) < 19
    ]
    try:
        if not ids:
            raise InvalidInput(M("choose the punches to review"), {"punch_id": "required"})
        done = attendance.review_punches(
            g.db, actor, ids, accept=request.form.get("action") == "accept"
        )
    except ServiceError as error:
        g.db.rollback()
        flash(translate(error.message), "danger")
    else:
        flash(_("%(count)s punches reviewed.", count=len(done)), "success")
    return redirect(url_for(".queue"), 303)
