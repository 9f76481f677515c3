"""e-Kinerja's pages for people: my attendance, my TPP, absences, work logs, the unit's
recap and the regency's discipline dashboard. Phone-first: every page is a list or a
narrow table that fits 390 px.

Who sees whom: a person their own; a supervisor the people the roster says they
supervise; a unit admin the people of their units; BKPSDM admin and viewers everyone.
Another person's id in the URL is checked against exactly that, on every page.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from babel.dates import format_date
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from smartcity.toolkit import (
    N_,
    Conflict,
    Forbidden,
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

from . import absences, attendance, discipline, runs, worklogs
from .access import APPROVE, SELF, UNIT, VIEW_ALL, Actor
from .api import file_response
from .blueprint import _actor, blueprint, flag_label, web
from .evidence import MAX_BYTES, MAX_IMAGE_BYTES, MB, Evidence
from .messages import NOT_YOURS, M, _
from .models import Absence, Duty, WorkLog
from .people import is_supervisor_of, staff_or_404
from .periods import FIRST_YEAR, LAST_YEAR, cutoff, is_locked, month_end, parse_day
from .rules import ABSENCE_KINDS, COMPONENT_LABELS, EVENT_LABELS
from .settings import load as load_settings

__all__ = ["web"]  # the manifest's blueprint: this module's routes are on it

KIND_LABELS = {
    "annual": N_("Annual leave"),
    "sick": N_("Sick leave"),
    "maternity": N_("Maternity leave"),
    "important": N_("Leave for important reasons"),
    "big": N_("Long leave"),
    "travel": N_("Official travel"),
    "field_duty": N_("Field duty"),
}


def _kind(kind: str) -> str:
    return translate(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def _day(value: date, pattern: str = "EEE d MMM") -> str:
    """A date the reader's way (Indonesian by default): ``Sen 3 Nov``."""
    return format_date(value, pattern, locale=str(get_locale() or "id"))


def _helpers() -> dict[str, Any]:
    tz = attendance.zone(g.db)
    return {
        "rupiah": rupiah,
        "number": number,
        "fmt_day": _day,
        "tz": tz,
        "hm": lambda moment: moment.astimezone(tz).strftime("%H.%M") if moment else "-",
        "kind_label": _kind,
        "flag_label": flag_label,
        "event_label": lambda kind: translate(EVENT_LABELS.get(kind, kind)),
    }


def _today() -> date:
    return datetime.now(attendance.zone(g.db)).date()


def _month() -> tuple[int, int]:
    today = _today()
    # Years the rules and the calendar can hold (the API's bounds): anything else is a 422.
    year = query_int("year", today.year, low=2000, high=2100) or today.year
    month = query_int("month", today.month, low=1, high=12) or today.month
    return year, month


def uploaded_evidence() -> Evidence | None:
    """The form's ``evidence`` file, read up to one byte over the largest accepted (so the
    service can say it is too big without the page reading a huge upload)."""
    upload = request.files.get("evidence")
    if upload is None or not upload.filename:
        return None
    return Evidence(upload.filename, upload.read(MAX_IMAGE_BYTES + 1))


def _refused(error: ServiceError) -> None:
    g.db.rollback()
    flash(translate(error.message), "danger")
    for key, value in error.fields.items():
        if translate(value) not in translate(error.message):
            flash(f"{key}: {translate(value)}", "danger")


def can_see(actor: Actor, person: Staff) -> bool:
    """Self, their supervisor, an admin of their unit, or a regency-wide reader."""
    return (
        actor.staff_id == person.id
        or is_supervisor_of(actor, person)
        or actor.manages(person.unit_id)
        or VIEW_ALL in actor.permissions
    )


def _person(actor: Actor, staff_id: int | None) -> Staff | None:
    if staff_id is None:
        return None
    person = staff_or_404(g.db, staff_id)
    if not can_see(actor, person):
        raise Forbidden(M("you do not supervise this person"), {"staff_id": NOT_YOURS})
    return person


def _month_nav(endpoint: str, year: int, month: int, **kw: Any) -> dict[str, str]:
    prev = discipline.months_back(year, month, 2)[0]
    nxt = (year + 1, 1) if month == 12 else (year, month + 1)
    return {
        "label": month_name(date(year, month, 1)),
        "prev": url_for(endpoint, year=prev[0], month=prev[1], **kw),
        "next": url_for(endpoint, year=nxt[0], month=nxt[1], **kw),
    }


# --------------------------------------------------------------------------- attendance


def _attendance(staff_id: int | None) -> str:
    actor = _actor()
    person = _person(actor, staff_id if staff_id is not None else actor.staff_id)
    year, month = _month()
    rows = (
        discipline.person_month(g.db, person.id, year, month, _today())
        if person is not None
        else []
    )
    endpoint = "ekinerja.index" if staff_id is None else "ekinerja.person_attendance"
    kw = {} if staff_id is None else {"staff_id": staff_id}
    return render_template(
        "ekinerja/attendance.html",
        actor=actor,
        person=person,
        own=staff_id is None,
        year=year,
        month=month,
        rows=rows,
        tally=discipline.tally(rows),
        nav=_month_nav(endpoint, year, month, **kw),
        tpp_url=url_for("ekinerja.my_tpp", year=year, month=month)
        if staff_id is None
        else url_for("ekinerja.person_tpp", staff_id=staff_id, year=year, month=month),
        phone=attendance.tied_phone(g.db, person.id) if person is not None else None,
        binding=load_settings(g.db).device_binding,
        may_release=person is not None and attendance.may_release_phone(actor, person),
        **_helpers(),
    )


@blueprint.post("/people/<id:staff_id>/phone/release")
@access.requires(UNIT)
def release_phone(staff_id: int) -> Response:
    """An admin of the person's unit unties their account from its phone. Someone
    else's person, their own phone, or nobody is the 403 or 404 page; nothing to
    release is said on the person's page."""
    try:
        attendance.release_phone(g.db, _actor(), staff_id)
    except Conflict as error:
        _refused(error)
    else:
        flash(_("The phone is released: the next check-in from a phone ties it."), "success")
    return redirect(url_for(".person_attendance", staff_id=staff_id), 303)


@blueprint.get("/")
@access.requires(SELF)
def index() -> str:
    """My attendance: each day's expected hours, punches, lateness and what excused it."""
    return _attendance(None)


@blueprint.get("/people/<id:staff_id>/attendance")
@access.requires(APPROVE, VIEW_ALL)
def person_attendance(staff_id: int) -> str:
    return _attendance(staff_id)


def _record_label(record: str | None) -> str:
    if not record:
        return ""
    kind, _sep, ident = record.partition(":")
    if kind == "attendance_day":
        return _("attendance record #%(id)s", id=ident)
    if kind == "absence":
        return _("absence #%(id)s", id=ident)
    if kind == "sanction":
        return _("sanction decree #%(id)s", id=ident)
    if kind == "event_absence":
        return _("roll mark #%(id)s", id=ident)
    return record


def _tpp(staff_id: int | None) -> str:
    actor = _actor()
    person = _person(actor, staff_id if staff_id is not None else actor.staff_id)
    latest = runs.latest_statement_month(g.db, person.id) if person is not None else None
    if latest is not None and "year" not in request.args and "month" not in request.args:
        year, month = latest  # the page opens on the statement last paid
    else:
        year, month = _month()
    found = runs.statement_of(g.db, person.id, year, month) if person is not None else None
    endpoint = "ekinerja.my_tpp" if staff_id is None else "ekinerja.person_tpp"
    kw: dict[str, Any] = {} if staff_id is None else {"staff_id": staff_id}
    latest_url = (
        url_for(endpoint, year=latest[0], month=latest[1], **kw)
        if latest is not None and found is None
        else None
    )
    return render_template(
        "ekinerja/tpp.html",
        actor=actor,
        person=person,
        own=staff_id is None,
        year=year,
        month=month,
        found=found,
        nav=_month_nav(endpoint, year, month, **kw),
        labels={k: translate(v) for k, v in COMPONENT_LABELS.items()},
        record_label=_record_label,
        latest=date(*latest, 1) if latest is not None else None,
        latest_url=latest_url,
        **_helpers(),
    )


@blueprint.get("/tpp")
@access.requires(SELF)
def my_tpp() -> str:
    """My TPP: the statement, each cut naming its day, its record and its rule version."""
    return _tpp(None)


@blueprint.get("/people/<id:staff_id>/tpp")
@access.requires(APPROVE, VIEW_ALL)
def person_tpp(staff_id: int) -> str:
    return _tpp(staff_id)


# --------------------------------------------------------------------------- absences

ABSENCE_REFUSED = M("the absence cannot be recorded")


def _parse_day(raw: str | None, field: str, refusal: str) -> date:
    """A typed ``YYYY-MM-DD`` of a year the calendar holds (the API's days): a week date,
    a compact form or the year 1 is refused by its field, and the page it would
    redirect to (``?year=1``) is never asked for."""
    day = parse_day(raw)
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidInput(refusal, {field: "YYYY-MM-DD"})
    return day


@blueprint.get("/absences")
@access.requires(SELF)
def absences_page() -> str:
    actor = _actor()
    mine = (
        g.db.scalars(
            select(Absence)
            .where(Absence.staff_id == actor.staff_id)
            .order_by(Absence.start_day.desc())
            .limit(100)
        ).all()
        if actor.staff_id is not None
        else []
    )
    return render_template(
        "ekinerja/absences.html",
        actor=actor,
        mine=mine,
        kinds=ABSENCE_KINDS,
        today=_today(),
        **_helpers(),
    )


@blueprint.post("/absences")
@access.requires(SELF)
def absence_submit() -> Response:
    actor = _actor()
    try:
        absences.submit(
            g.db,
            actor,
            kind=request.form.get("kind", ""),
            start_day=_parse_day(request.form.get("start_day"), "start_day", ABSENCE_REFUSED),
            end_day=_parse_day(request.form.get("end_day"), "end_day", ABSENCE_REFUSED),
            reason=request.form.get("reason", "")[:4000],
            evidence=uploaded_evidence(),
            today=_today(),
        )
    except ServiceError as error:
        _refused(error)
    else:
        flash(_("Your request is sent to your supervisor."), "success")
    return redirect(url_for(".absences_page"), 303)


@blueprint.post("/absences/<id:absence_id>/withdrawal")
@access.requires(SELF)
def absence_withdraw(absence_id: int) -> Response:
    """Withdraw one's own request while it waits; someone else's is the 404 page."""
    try:
        absences.withdraw(g.db, _actor(), absence_id)
    except Conflict as error:
        _refused(error)
    else:
        flash(_("Your request is withdrawn."), "success")
    return redirect(url_for(".absences_page"), 303)


@blueprint.get("/absences/<id:absence_id>/evidence")
@access.requires(SELF, APPROVE, VIEW_ALL)
def absence_evidence(absence_id: int) -> Response:
    """The evidence file: to its owner, their supervisor, their unit's admin or a
    regency-wide reader; the 404 page to anyone else (``absences.evidence_of``)."""
    absence = absences.evidence_of(g.db, _actor(), absence_id)
    return file_response(
        absence.evidence or b"",
        absence.evidence_type,
        absence.evidence_name or f"bukti-{absence_id}",
    )


@blueprint.get("/absences/decide")
@access.requires(APPROVE)
def absence_requests() -> str:
    """The requests this approver may decide, the earliest days first; past
    ``absences.WAITING_LIMIT`` the page says the rest wait behind them."""
    actor = _actor()
    waiting = absences.waiting_for(g.db, actor)
    return render_template(
        "ekinerja/absence_requests.html",
        actor=actor,
        rows=waiting.rows,
        more=waiting.more,
        limit=absences.WAITING_LIMIT,
        **_helpers(),
    )


@blueprint.post("/absences/<id:absence_id>/decision")
@access.requires(APPROVE)
def absence_decision(absence_id: int) -> Response:
    actor = _actor()
    try:
        absences.decide(
            g.db,
            actor,
            absence_id,
            approve=request.form.get("action") == "approve",
            note=request.form.get("note", "")[:4000],  # past 2000: refused, not cut
            today=_today(),
        )
    except ServiceError as error:
        _refused(error)
    else:
        flash(_("The request is decided."), "success")
    return redirect(url_for(".absence_requests"), 303)


# --------------------------------------------------------------------------- work logs


def _parse_time(raw: str | None, field: str) -> time:
    try:
        return time.fromisoformat((raw or "").strip())
    except ValueError:
        raise InvalidInput(M("the work log cannot be recorded"), {field: "HH:MM"}) from None


def _parse_int(raw: str | None, field: str, high: int) -> int:
    text = (raw or "").strip()
    if not (text.isascii() and text.isdecimal()) or len(text) > 9 or int(text) > high:
        raise InvalidInput(M("the work log cannot be recorded"), {field: f"1 to {high}"})
    return int(text)


@blueprint.get("/worklogs")
@access.requires(SELF)
def worklogs_page() -> str:
    actor = _actor()
    year, month = _month()
    person = g.db.get(Staff, actor.staff_id) if actor.staff_id is not None else None
    duties = (
        g.db.scalars(
            select(Duty)
            .where(Duty.org_unit_id == person.unit_id, Duty.is_active.is_(True))
            .order_by(Duty.name)
        ).all()
        if person is not None
        else []
    )
    logs = (
        g.db.execute(
            select(WorkLog, Duty)
            .join(Duty, Duty.id == WorkLog.duty_id)
            .where(
                WorkLog.staff_id == person.id,
                WorkLog.day.between(date(year, month, 1), month_end(year, month)),
            )
            .order_by(WorkLog.day.desc(), WorkLog.start_time.desc())
        ).all()
        if person is not None
        else []
    )
    closes = cutoff(year, month, load_settings(g.db).cutoff_day)
    return render_template(
        "ekinerja/worklogs.html",
        actor=actor,
        person=person,
        year=year,
        month=month,
        duties=duties,
        logs=logs,
        approved=sum(w.minutes for w, _d in logs if w.status == "approved"),
        waiting=sum(w.minutes for w, _d in logs if w.status == "submitted"),
        closes=closes,
        closed=_today() > closes or is_locked(g.db, year, month),
        today=_today(),
        nav=_month_nav("ekinerja.worklogs_page", year, month),
        evidence_mb={"pdf": MAX_BYTES // MB, "photo": MAX_IMAGE_BYTES // MB},
        **_helpers(),
    )


@blueprint.post("/worklogs")
@access.requires(SELF)
def worklog_submit() -> Response:
    actor = _actor()
    form = request.form
    day = None
    try:
        day = _parse_day(form.get("day"), "day", M("the work log cannot be recorded"))
        worklogs.submit(
            g.db,
            actor,
            day=day,
            duty_id=_parse_int(form.get("duty_id"), "duty_id", 2**62),
            start=_parse_time(form.get("start"), "start"),
            end=_parse_time(form.get("end"), "end"),
            quantity=_parse_int(form.get("quantity"), "quantity", 1000),
            output=form.get("output", "")[:4000],
            evidence_url=(form.get("evidence_url") or "").strip()[:1000] or None,
            today=_today(),
            evidence=uploaded_evidence(),
        )
    except ServiceError as error:
        _refused(error)
    else:
        flash(_("The work log is sent to your supervisor."), "success")
    if day is None:
        return redirect(url_for(".worklogs_page"), 303)
    return redirect(url_for(".worklogs_page", year=day.year, month=day.month), 303)


@blueprint.post("/worklogs/<id:log_id>/evidence")
@access.requires(SELF)
def worklog_attach(log_id: int) -> Response:
    """Add or replace the evidence file of one's own log while it waits."""
    evidence = uploaded_evidence()
    log = None
    try:
        if evidence is None:
            raise InvalidInput(M("the evidence file is refused"), {"evidence": "required"})
        log = worklogs.attach_evidence(g.db, _actor(), log_id, evidence, today=_today())
    except ServiceError as error:
        _refused(error)
    else:
        flash(_("The evidence file is kept with the work log."), "success")
    if log is None:
        return redirect(url_for(".worklogs_page"), 303)
    return redirect(url_for(".worklogs_page", year=log.day.year, month=log.day.month), 303)


@blueprint.get("/worklogs/<id:log_id>/evidence")
@access.requires(SELF, APPROVE, UNIT, VIEW_ALL)
def worklog_evidence(log_id: int) -> Response:
    """The file: to the person, their supervisor, their unit's admins and the
    regency-wide readers (404 to others)."""
    log = worklogs.evidence_of(g.db, _actor(), log_id)
    return file_response(log.evidence or b"", log.evidence_type, log.evidence_name)


# --------------------------------------------------------------------------- recap


def _units_for(actor: Actor) -> list[OrgUnit]:
    query = select(OrgUnit).order_by(OrgUnit.code)
    if VIEW_ALL not in actor.permissions:
        if UNIT not in actor.permissions:
            return []
        if actor.unit_ids is not None:
            query = query.where(OrgUnit.id.in_(list(actor.unit_ids)))
    return list(g.db.scalars(query))


@blueprint.get("/recap")
@access.requires(APPROVE, VIEW_ALL)
def recap() -> str:
    """Per person: days present, late, absent without reason, approved minutes, TPP cut.

    ``?unit=`` a unit the reader manages (or any, for a regency-wide reader);
    without it, the people the reader supervises.
    """
    actor = _actor()
    year, month = _month()
    units = _units_for(actor)
    unit_id = query_int("unit")
    unit = None
    if unit_id is not None:
        unit = g.db.get(OrgUnit, unit_id)
        if unit is None:
            raise NotFound(M("no org unit %(unit_id)s", unit_id=unit_id), {"unit": "unknown"})
        if not (VIEW_ALL in actor.permissions or actor.manages(unit_id)):
            raise Forbidden(M("you do not manage this unit"), {"unit": NOT_YOURS})
        people_q = select(Staff).where(Staff.unit_id == unit_id)
    else:
        people_q = select(Staff).where(Staff.supervisor_id == (actor.staff_id or -1))
    people = g.db.scalars(people_q.where(Staff.is_active.is_(True)).order_by(Staff.name)).all()
    rows = discipline.recap(g.db, people, year, month, _today())
    kw = {"unit": unit_id} if unit_id is not None else {}
    return render_template(
        "ekinerja/recap.html",
        actor=actor,
        year=year,
        month=month,
        unit=unit,
        units=units,
        rows=rows,
        nav=_month_nav("ekinerja.recap", year, month, **kw),
        **_helpers(),
    )


@blueprint.get("/dashboard")
@access.requires(VIEW_ALL)
def dashboard() -> str:
    """The regency's discipline: each unit's lateness rate this month, and the trend."""
    year, month = _month()
    today = _today()
    # The six months in one statement: counted in PostgreSQL, not read into Python.
    shown = [(y, m) for y, m in discipline.months_back(year, month, 6) if date(y, m, 1) <= today]
    by_month = discipline.unit_rates_by_month(g.db, [*shown, (year, month)], today)
    rates = by_month[(year, month)]
    trend = [
        (_day(date(y, m, 1), "MMM y"), discipline.regency_rate(by_month[(y, m)])) for y, m in shown
    ]
    measured = [r for r in rates if r.rate is not None]
    chart = {
        "labels": [r.unit.name for r in measured],
        "values": [float(r.rate or 0) for r in measured],
        "bands": [r.band for r in measured],
        "trend_labels": [label for label, _r in trend],
        "trend": [None if r is None else float(r) for _l, r in trend],
        "text": {"rate": _("Lateness rate per unit"), "trend": _("Regency lateness rate")},
    }
    return render_template(
        "ekinerja/dashboard.html",
        year=year,
        month=month,
        rates=rates,
        overall=discipline.regency_rate(rates),
        chart=chart,
        chart_height=max(260, 40 + 28 * len(measured)),
        nav=_month_nav("ekinerja.dashboard", year, month),
        **_helpers(),
    )
