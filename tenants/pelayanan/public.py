"""What citizens use without an account: the complaint form, tracking, the standards.

Served by the core at ``/p/pelayanan/`` and ``/api/v1/public/pelayanan/``, rate
limited per regency and address, the pages' forms CSRF-checked and
spam-guarded. A tracking code is the only key to a complaint: it travels in a
POST body (never in a URL, so it stays out of logs and browser history), a wrong
or malformed code gets the same answer, and nothing here names a reporter or a
member of staff.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, Response, abort, g, jsonify, render_template, request
from pydantic import BaseModel, Field
from smartcity.toolkit import (
    AddressQuota,
    ApiSpec,
    ChallengeOut,
    DbId,
    InvalidInput,
    MissCounter,
    OrgUnit,
    ServiceError,
    TooManyRequests,
    access,
    challenge_json,
    check_proof_of_work,
    check_spam,
    current_tenant,
    number,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import complaints, config, dashboard, duplicates, ikm, performance, standards, survey
from .complaints import CATEGORIES, CLASSIFICATIONS, DISPATCH_STATUSES, STATUSES, Submission
from .messages import N_, M
from .models import Complaint, Dispatch, Event, Service

EVENT_WORDS = {
    "submitted": N_("Submitted"),
    "verify": N_("Verified"),
    "hold": N_("Put on hold"),
    "decline": N_("Declined: not the regency's authority"),
    "archive": N_("Archived"),
    "dispatched": N_("Dispatched to an OPD"),
    "progress": N_("The OPD reports progress"),
    "answered": N_("The OPD answered"),
    "followed_up": N_("Every OPD has answered"),
    "rated": N_("Rated by the reporter"),
    "citizen_reply": N_("The reporter replied"),
    "auto_closed": N_("Closed without a rating"),
    "duplicate": N_("Handled under another report of the same matter"),
}


#: The public forms' names for the spam guard: a proof-of-work challenge issued for
#: one (page or API) is good for that one only. The templates name them the same.
COMPLAINT_FORM = "complaint"
SURVEY_FORM = "survey"
CONSULTATION_FORM = "consultation"
API_FORMS = (COMPLAINT_FORM, SURVEY_FORM)

#: Wrong tracking codes before look-ups stop: per address, and per regency from any
#: address. A citizen with the right code is never counted; a guesser (80-bit codes)
#: gets 10 tries per 10 minutes, a botnet 300 per hour for the whole regency.
WRONG_CODES = MissCounter("pelayanan.tracking", "10 per 10 minutes", "300 per hour")
#: SKM answers per address, per service, per day of the regency's calendar, within the
#: regency's ``survey_answers_per_day``: on top of the page limit every public route has,
#: so one citizen cannot stuff one service's index.
SURVEY_ANSWERS = AddressQuota("pelayanan.skm")


def admit_answer(service: Service) -> None:
    """Count one valid SKM answer of this address for ``service``; 429 past the quota."""
    per_day = config.rules(g.db).survey_answers_per_day
    today = complaints.now(g.db).date()
    if not SURVEY_ANSWERS.take(f"{per_day} per day", str(service.id), today.isoformat()):
        raise TooManyRequests(
            M(
                "this address has already answered the survey of this service %(count)s "
                "times today; please try again tomorrow",
                count=per_day,
            ),
            {"service_id": "daily limit per address"},
        )


def find_by_code(session: Session, code: str) -> Complaint | None:
    """The complaint a tracking code opens, counting wrong codes; 429 once they are used up."""
    if WRONG_CODES.exhausted():
        raise TooManyRequests(M("too many wrong tracking codes; try again later"), {"code": "wait"})
    complaint = complaints.by_code(session, code)
    if complaint is None:
        WRONG_CODES.count()
    return complaint


def status_view(session: Session, complaint: Complaint) -> dict[str, Any]:
    """The complaint as its reporter sees it: no reporter, no staff, only public steps."""
    # The OPDs' names come with the rows (one query each for dispatches and events), and
    # of an event only what the page shows is read: never its actor.
    dispatched = session.execute(
        select(Dispatch, OrgUnit.name)
        .outerjoin(OrgUnit, OrgUnit.id == Dispatch.org_unit_id)
        .where(Dispatch.complaint_id == complaint.id)
        .order_by(Dispatch.id)
    ).all()
    dispatches = [d for d, _name in dispatched]
    events = session.execute(
        select(Event.at, Event.action, Event.note, OrgUnit.name)
        .outerjoin(OrgUnit, OrgUnit.id == Event.org_unit_id)
        .where(Event.complaint_id == complaint.id, Event.public)
        .order_by(Event.at, Event.id)
    ).all()
    kecamatan = complaints.kecamatan_names(current_tenant().region_code)
    original = duplicates.handled_under(session, complaint)
    handled_under = None
    if original is not None:
        # The other report's progress only: never its text, answers or reporter.
        other_rows = session.execute(
            select(Dispatch, OrgUnit.name)
            .outerjoin(OrgUnit, OrgUnit.id == Dispatch.org_unit_id)
            .where(Dispatch.complaint_id == original.id)
            .order_by(Dispatch.id)
        ).all()
        others = [d for d, _name in other_rows]
        handled_under = {
            "status": original.status,
            "colour": complaints.colour(original.status, others),
            "opds": [{"opd": name or "", "status": d.status} for d, name in other_rows],
        }
    return {
        "handled_under": handled_under,
        "title": complaint.title,
        "body": complaint.body,
        "classification": complaint.classification,
        "category": complaint.category,
        "kecamatan": kecamatan.get(complaint.kecamatan_code or ""),
        "kelurahan": complaint.kelurahan,
        "status": complaint.status,
        "colour": complaints.colour(complaint.status, dispatches),
        "status_note": complaint.status_note,
        "submitted_at": complaint.submitted_at.isoformat(),
        "verify_due": complaint.verify_due.isoformat(),
        "close_due": complaint.close_due.isoformat() if complaint.close_due else None,
        "rating": complaint.rating,
        "dispatches": [
            {
                "opd": name or "",
                "status": d.status,
                "due": d.due.isoformat(),
                "response": d.response,
            }
            for d, name in dispatched
        ],
        "history": [
            {
                "at": at.isoformat(),
                "action": action,
                "opd": name,
                "note": note,
            }
            for at, action, note, name in events
        ],
    }


def _decimal(text: str | None) -> Decimal | None:
    if not text or not text.strip():
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(M("the position is not a number"), {"latitude": "a number"}) from None
    if not value.is_finite():
        raise InvalidInput(M("the position is not a number"), {"latitude": "a number"})
    return value


def _form_submission() -> Submission:
    form = request.form
    share = form.get("share_location") == "1"
    return Submission(
        classification=form.get("classification", ""),
        category=form.get("category", ""),
        title=form.get("title", "")[:400],
        body=form.get("body", "")[: complaints.MAX_TEXT * 2],
        kecamatan_code=form.get("kecamatan_code") or None,
        kelurahan=form.get("kelurahan") or None,
        anonymous=form.get("anonymous") == "1",
        confidential=form.get("confidential") == "1",
        reporter_name=form.get("reporter_name"),
        reporter_contact=form.get("reporter_contact"),
        share_location=share,
        latitude=_decimal(form.get("latitude")) if share else None,
        longitude=_decimal(form.get("longitude")) if share else None,
        service_id=_service_id(form.get("service_id")),
    )


def _service_id(text: str | None) -> int | None:
    if not text or not text.strip():
        return None
    value = text.strip()
    if not value.isdecimal() or len(value) > 18:
        raise InvalidInput(M("the complaint is not complete"), {"service_id": "a service"})
    return int(value)


def _choices() -> dict[str, Any]:
    return {
        "classifications": CLASSIFICATIONS,
        "categories": CATEGORIES,
        "kecamatan": complaints.kecamatan_names(current_tenant().region_code),
        "statuses": STATUSES,
        "dispatch_statuses": DISPATCH_STATUSES,
        "event_words": EVENT_WORDS,
    }


def _form_choices() -> dict[str, Any]:
    """The complaint form's choices: the services it may be about, too."""
    services = [(svc.id, svc.name, opd) for svc, opd in standards.published(g.db)]
    return {**_choices(), "services": services}


def _period(*, default_year: bool = False) -> survey.Period:
    """``?period=``; by default the current quarter, or the current year."""
    today = complaints.now(g.db).date()
    chosen = request.args.get("period", "")[:10] or (str(today.year) if default_year else None)
    return survey.period(chosen, today)


def chosen_period() -> survey.Period:
    """A standard's page: ``?period=``, the current year by default."""
    return _period(default_year=True)


def service_figures(service_id: int, when: survey.Period) -> dict[str, Any]:
    """What ``_service_figures.html`` needs (a standard's public and staff pages)."""
    found = performance.figures(g.db, when, service_ids=[service_id])
    return {
        "figures": found.service(service_id),
        "period_key": when.key,
        "respond_days": config.rules(g.db).respond_days,
        **period_page(),
    }


def period_page() -> dict[str, Any]:
    """What the period picker and the SKM tables need (public and staff pages)."""
    today = complaints.now(g.db).date()
    return {
        "periods": survey.period_choices(today),
        "ikm": ikm,
        "label_of": lambda key: survey.period_label(survey.period(key, today)),
        "figure": survey.decimal_text,
        "number": number,
    }


def _survey_page(found: tuple[Any, str], **extra: Any) -> str:
    return render_template(
        "pelayanan/public_survey.html",
        s=found[0],
        opd=found[1],
        questions=list(zip(ikm.ELEMENTS, survey.QUESTIONS, survey.ANSWER_FIELDS, strict=True)),
        profile=survey.PROFILE,
        **{"form": {}, "error": None, **extra},
    )


def pages() -> Blueprint:
    bp = Blueprint("pelayanan_public", __name__, template_folder="templates")

    @bp.get("/")
    def home() -> str:
        return render_template("pelayanan/public_home.html")

    @bp.get("/complaints/new")
    def complaint_form() -> str:
        return render_template("pelayanan/public_form.html", form={}, error=None, **_form_choices())

    @bp.post("/complaints")
    def submit_complaint() -> tuple[str, int]:
        check_spam(COMPLAINT_FORM)
        files = [
            (f.read(), f.filename or "")
            for f in request.files.getlist("attachments")
            if f and (f.filename or f.content_length)
        ]
        try:
            _complaint, code = complaints.submit(
                g.db,
                _form_submission(),
                files,
                regency_code=current_tenant().region_code,
                channel="web",
            )
        except ServiceError as exc:
            g.db.rollback()
            page = render_template(
                "pelayanan/public_form.html", form=request.form, error=exc, **_form_choices()
            )
            return page, exc.status
        return render_template("pelayanan/public_sent.html", code=code), 201

    @bp.get("/track")
    def track_form() -> str:
        return render_template("pelayanan/public_track.html", view=None, code="", missing=False)

    def _tracked() -> tuple[Complaint | None, str]:
        code = request.form.get("code", "")[:64]
        return find_by_code(g.db, code), code

    def _show(complaint: Complaint | None, code: str, status: int = 200) -> tuple[str, int]:
        if complaint is None:
            page = render_template("pelayanan/public_track.html", view=None, code="", missing=True)
            return page, 404
        view = status_view(g.db, complaint)
        page = render_template(
            "pelayanan/public_track.html", view=view, code=code, missing=False, **_choices()
        )
        return page, status

    @bp.post("/track")
    def track() -> tuple[str, int]:
        complaint, code = _tracked()
        return _show(complaint, code)

    @bp.post("/track/rate")
    def rate() -> tuple[str, int]:
        complaint, code = _tracked()
        if complaint is None:
            return _show(None, code)
        try:
            rating = int(request.form.get("rating", ""))
        except ValueError:
            raise InvalidInput(M("a rating from 1 to 5"), {"rating": "1 to 5"}) from None
        complaints.rate(g.db, complaint, rating, request.form.get("note"))
        return _show(complaint, code)

    @bp.post("/track/reply")
    def reply() -> tuple[str, int]:
        complaint, code = _tracked()
        if complaint is None:
            return _show(None, code)
        complaints.reply(g.db, complaint, request.form.get("note"))
        return _show(complaint, code)

    @bp.get("/services")
    def catalogue() -> str:
        query = request.args.get("q", "")[:100]
        found = standards.published(g.db, query)
        return render_template("pelayanan/public_services.html", services=found, q=query)

    @bp.get("/services/<id:service_id>")
    def service(service_id: int) -> str:
        found = standards.published_one(g.db, service_id)
        if found is None:
            abort(404)
        when = chosen_period()
        return render_template(
            "pelayanan/public_service.html",
            s=found[0],
            opd=found[1],
            components=standards.COMPONENTS,
            **service_figures(service_id, when),
        )

    _survey_pages(bp)
    _consultation_pages(bp)
    return bp


def _consultation_page(found: tuple[Any, str], status: int = 200, **extra: Any) -> tuple[str, int]:
    service = found[0]
    page = render_template(
        "pelayanan/public_consultation.html",
        s=service,
        opd=found[1],
        components=standards.COMPONENTS,
        is_open=service.consult_closes is not None
        and standards.today(g.db) <= service.consult_closes,
        max_name=standards.MAX_NAME,
        max_comment=standards.MAX_COMMENT,
        **{"form": {}, "error": None, "sent": False, **extra},
    )
    return page, status


def _consultation_pages(bp: Blueprint) -> None:
    """Draft standards in public consultation: read them, comment without an account."""

    @bp.get("/consultations")
    def consultations() -> str:
        found = standards.in_consultation(g.db)
        return render_template("pelayanan/public_consultations.html", found=found)

    @bp.get("/consultations/<id:service_id>")
    def consultation(service_id: int) -> tuple[str, int]:
        found = standards.consultation_one(g.db, service_id)
        if found is None:
            abort(404)
        return _consultation_page(found)

    @bp.post("/consultations/<id:service_id>")
    def comment(service_id: int) -> tuple[str, int]:
        found = standards.consultation_one(g.db, service_id)
        if found is None:
            abort(404)
        check_spam(CONSULTATION_FORM)
        form = {
            "name": request.form.get("name", "")[: standards.MAX_NAME + 1],
            "body": request.form.get("body", "")[: standards.MAX_COMMENT + 1],
        }
        try:
            standards.add_comment(g.db, service_id, name=form["name"], body=form["body"])
        except ServiceError as exc:
            g.db.rollback()
            return _consultation_page(found, exc.status, form=form, error=exc)
        return _consultation_page(found, 201, sent=True)


def _survey_pages(bp: Blueprint) -> None:
    """The SKM survey form, the published SKM results and the complaints dashboard."""

    @bp.get("/services/<id:service_id>/survey")
    def survey_form(service_id: int) -> str:
        return _survey_page(survey.published_service(g.db, service_id))

    @bp.post("/services/<id:service_id>/survey")
    def survey_submit(service_id: int) -> tuple[str, int]:
        found = survey.published_service(g.db, service_id)
        check_spam(SURVEY_FORM)
        values = {k: request.form.get(k, "")[:20] for k in (*survey.ANSWER_FIELDS, *survey.PROFILE)}
        try:
            survey.submit(g.db, service_id, values, admit=admit_answer)
        except ServiceError as exc:
            g.db.rollback()
            return _survey_page(found, form=request.form, error=exc), exc.status
        return render_template("pelayanan/public_survey_sent.html", s=found[0], opd=found[1]), 201

    @bp.get("/skm")
    def skm() -> str:
        found = survey.results(g.db, _period(), published_only=True)
        return render_template("pelayanan/public_skm.html", r=found, **period_page())

    @bp.get("/dashboard")
    def board() -> str:
        found = dashboard.build(g.db, _period())
        return render_template(
            "pelayanan/public_dashboard.html",
            d=found,
            statuses=STATUSES,
            dispatch_statuses=DISPATCH_STATUSES,
            colours=dashboard.COLOURS,
            **period_page(),
        )


# --------------------------------------------------------------------------- public API


class ComplaintIn(BaseModel):
    classification: str = Field(max_length=20)
    category: str = Field(max_length=40)
    title: str = Field(max_length=400)
    body: str = Field(max_length=complaints.MAX_TEXT * 2)
    kecamatan_code: str | None = Field(None, max_length=13)
    kelurahan: str | None = Field(None, max_length=200)
    anonymous: bool = False
    confidential: bool = False
    reporter_name: str | None = Field(None, max_length=400)
    reporter_contact: str | None = Field(None, max_length=400)
    share_location: bool = False
    latitude: Decimal | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    longitude: Decimal | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    service_id: DbId | None = None
    #: The honeypot: people leave it empty; bots that fill every field do not.
    website: str | None = Field(None, max_length=200)
    #: The proof of work, when the regency asks for it: see ``GET /challenge``.
    pow_challenge: str | None = Field(None, max_length=512)
    pow_nonce: str | None = Field(None, max_length=20)


#: The spam guard's fields of an API body: checked, never stored.
GUARD_FIELDS = {"website", "pow_challenge", "pow_nonce"}


class Submitted(BaseModel):
    tracking_code: str
    status: str


class LookupIn(BaseModel):
    code: str = Field(max_length=64)


class RateIn(LookupIn):
    rating: int = Field(ge=1, le=5)
    note: str | None = Field(None, max_length=complaints.MAX_TEXT)


class SurveyIn(BaseModel):
    """One respondent's answers (1-4) to the nine elements, and an optional profile."""

    q1: int = Field(ge=1, le=4, strict=True)
    q2: int = Field(ge=1, le=4, strict=True)
    q3: int = Field(ge=1, le=4, strict=True)
    q4: int = Field(ge=1, le=4, strict=True)
    q5: int = Field(ge=1, le=4, strict=True)
    q6: int = Field(ge=1, le=4, strict=True)
    q7: int = Field(ge=1, le=4, strict=True)
    q8: int = Field(ge=1, le=4, strict=True)
    q9: int = Field(ge=1, le=4, strict=True)
    age_group: str | None = Field(None, max_length=10)
    sex: str | None = Field(None, max_length=1)
    education: str | None = Field(None, max_length=10)
    occupation: str | None = Field(None, max_length=20)
    #: The honeypot and the proof of work, as on the complaint form.
    website: str | None = Field(None, max_length=200)
    pow_challenge: str | None = Field(None, max_length=512)
    pow_nonce: str | None = Field(None, max_length=20)


class SurveyOut(BaseModel):
    service_id: int
    recorded: bool


class ScoreOut(BaseModel):
    name: str
    respondents: int
    element_means: list[str]
    index: str | None
    grade: str | None


class SkmOut(BaseModel):
    period: str
    regency: ScoreOut
    opds: list[ScoreOut]
    services: list[ScoreOut]


class OpdTimes(BaseModel):
    opd: str
    statuses: dict[str, int]
    median_days_to_first_answer: str | None
    on_time: int
    late: int
    overdue: int
    colour: str


class ServiceFiguresOut(BaseModel):
    """A service beside its standard for one period (see ``performance``)."""

    service_id: int
    name: str
    org_unit_id: int
    opd: str
    promised_days: int | None
    complaints_received: int
    complaints_finished: int
    complaints_finished_on_time: int
    complaints_overdue: int
    on_time_percent: str | None
    median_days_to_finish: str | None
    median_days_to_first_answer: str | None
    skm_index: str | None
    skm_grade: str | None
    skm_respondents: int


class ServiceTimes(ServiceFiguresOut):
    complaints: int = Field(description="complaints received (kept for older clients)")


class ServicePerformanceOut(BaseModel):
    period: str
    respond_days: int
    service: ServiceFiguresOut


class DashboardOut(BaseModel):
    period: str
    respond_days: int
    statuses: dict[str, int]
    opds: list[OpdTimes]
    services: list[ServiceTimes]


def _score(score: survey.Score) -> dict[str, Any]:
    return {
        "name": score.name,
        "respondents": score.count,
        "element_means": [str(m.quantize(Decimal("0.01"))) for m in score.means],
        "index": None if score.index is None else str(score.index),
        "grade": score.grade,
    }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def performance_json(service_id: int, when: survey.Period) -> dict[str, Any]:
    """One service's figures for ``when`` (public and staff API); 404 when it is not found."""
    found = performance.figures(g.db, when, service_ids=[service_id]).service(service_id)
    if found is None:
        abort(404)
    return {
        "period": when.key,
        "respond_days": config.rules(g.db).respond_days,
        "service": performance.as_json(found),
    }


class ServiceOut(BaseModel):
    id: int
    name: str
    opd: str
    promised_days: int | None
    components: dict[str, str]


class ServiceList(BaseModel):
    services: list[ServiceOut]


def _not_found() -> tuple[Response, int]:
    return jsonify(error={"code": "not_found", "message": "no complaint with this code"}), 404


def api() -> Blueprint:
    """Listed in the regency's one OpenAPI document, under ``/public/pelayanan``."""
    bp = Blueprint("pelayanan_public_api", __name__)
    spec = ApiSpec("Public services API", bp, default_access=access.PUBLIC)

    @spec.route(
        "GET",
        "/challenge",
        "A proof-of-work challenge for ?form=complaint or ?form=survey: when `required`, "
        "find a decimal `nonce` such that SHA-256(challenge + nonce) starts with "
        "`difficulty` zero bits and send both as `pow_challenge` and `pow_nonce` in the "
        "form's body; each challenge is good for one post of that form, in this regency, "
        "for `expires_in` seconds",
        response=ChallengeOut,
        errors=(422,),
    )
    def challenge() -> Response:
        form = request.args.get("form", "")
        if form not in API_FORMS:
            raise InvalidInput(M("no such form"), {"form": " or ".join(API_FORMS)})
        return jsonify(challenge_json(form))

    @spec.route(
        "POST",
        "/complaints",
        "Report a complaint (no account)",
        body=ComplaintIn,
        response=Submitted,
        status=201,
        errors=(422,),
    )
    def submit_complaint(body: ComplaintIn) -> tuple[Response, int]:
        if body.website:
            raise InvalidInput(M("the form was not sent by a person"), {"form": "spam"})
        check_proof_of_work(COMPLAINT_FORM, body.model_dump())
        form = Submission(**body.model_dump(exclude=GUARD_FIELDS))
        complaint, code = complaints.submit(
            g.db, form, [], regency_code=current_tenant().region_code, channel="api"
        )
        return jsonify(tracking_code=code, status=complaint.status), 201

    @spec.route(
        "POST",
        "/complaints/lookup",
        "A complaint's status by its tracking code",
        body=LookupIn,
        errors=(404, 429),
    )
    def lookup(body: LookupIn) -> Response | tuple[Response, int]:
        complaint = find_by_code(g.db, body.code)
        if complaint is None:
            return _not_found()
        return jsonify(status_view(g.db, complaint))

    @spec.route(
        "POST",
        "/complaints/rate",
        "Rate the answer to one's complaint (closes it)",
        body=RateIn,
        errors=(404, 409, 429),
    )
    def rate(body: RateIn) -> Response | tuple[Response, int]:
        complaint = find_by_code(g.db, body.code)
        if complaint is None:
            return _not_found()
        complaints.rate(g.db, complaint, body.rating, body.note)
        return jsonify(status_view(g.db, complaint))

    @spec.route(
        "GET", "/services", "Published service standards (?q= searches)", response=ServiceList
    )
    def services() -> Response:
        query = request.args.get("q", "")[:100]
        return jsonify(
            services=[standards.public_json(s) for s in standards.published(g.db, query)]
        )

    @spec.route(
        "GET",
        "/services/<id:service_id>",
        "One published service standard",
        response=ServiceOut,
        errors=(404,),
    )
    def service(service_id: int) -> Response:
        found = standards.published_one(g.db, service_id)
        if found is None:
            abort(404)
        return jsonify(standards.public_json(found))

    @spec.route(
        "GET",
        "/services/<id:service_id>/performance",
        "A published service beside its standard: complaints and SKM (?period=2026, "
        "2026-S1 or 2026-Q3; the current year by default)",
        response=ServicePerformanceOut,
        errors=(404, 422),
    )
    def performance_of(service_id: int) -> Response:
        if standards.published_one(g.db, service_id) is None:
            abort(404)
        return jsonify(performance_json(service_id, chosen_period()))

    @spec.route(
        "POST",
        "/services/<id:service_id>/survey",
        "Answer the satisfaction survey (SKM) for a published service (no account)",
        body=SurveyIn,
        response=SurveyOut,
        status=201,
        errors=(404, 422, 429),
    )
    def survey_submit(body: SurveyIn, service_id: int) -> tuple[Response, int]:
        if body.website:
            raise InvalidInput(M("the form was not sent by a person"), {"form": "spam"})
        check_proof_of_work(SURVEY_FORM, body.model_dump())
        survey.submit(g.db, service_id, body.model_dump(exclude=GUARD_FIELDS), admit=admit_answer)
        return jsonify(service_id=service_id, recorded=True), 201

    @spec.route(
        "GET",
        "/skm",
        "The published services' satisfaction index (?period=2026, 2026-S1 or 2026-Q3)",
        response=SkmOut,
        errors=(422,),
    )
    def skm() -> Response:
        found = survey.results(g.db, _period(), published_only=True)
        return jsonify(
            period=found.period.key,
            regency=_score(found.regency),
            opds=[_score(score) for _unit, score in found.opds],
            services=[{**_score(score), "name": s.name} for s, _opd, score in found.services],
        )

    @spec.route(
        "GET",
        "/dashboard",
        "Complaint handling per OPD and per service (?period=2026, 2026-S1 or 2026-Q3)",
        response=DashboardOut,
        errors=(422,),
    )
    def board() -> Response:
        found = dashboard.build(g.db, _period())
        return jsonify(
            period=found.period.key,
            respond_days=found.respond_days,
            statuses=found.statuses,
            opds=[
                {
                    "opd": row.name,
                    "statuses": row.statuses,
                    "median_days_to_first_answer": _text(row.median),
                    "on_time": row.on_time,
                    "late": row.late,
                    "overdue": row.overdue,
                    "colour": row.colour,
                }
                for row in found.opds
            ],
            services=[
                {**performance.as_json(row), "complaints": row.complaints.received}
                for row in found.services
            ],
        )

    return bp
