"""The satisfaction survey (SKM, PermenPANRB 14/2017): answers from the public, results per period.

A citizen answers the nine elements (unsur) for one published service, each on
the regulation's four-point scale with the regulation's wording per answer,
and may give the profile the regulation's questionnaire asks for (age, sex,
education, occupation) as groups that identify nobody: no name, no contact,
no address, not even the exact age.

The results set the index (``ikm``) of every service, OPD and the regency side
by side for a quarter, a semester or a year, computed over the respondents of
that period (the regulation pools respondents: an OPD's index is over all the
answers about its services, not a mean of its services' indexes).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from smartcity.toolkit import InvalidInput, NotFound, OrgUnit
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import complaints, ikm
from .messages import N_, M, _
from .models import Service, SurveyResponse

#: Per element (in ``ikm.ELEMENTS`` order): the question and the wording of answers 1-4,
#: as the regulation's sample questionnaire words them (English msgids, Indonesian in the .po).
QUESTIONS: tuple[tuple[str, tuple[str, str, str, str]], ...] = (
    (
        N_("How well do the requirements fit the kind of service?"),
        (N_("Not suitable"), N_("Less suitable"), N_("Suitable"), N_("Very suitable")),
    ),
    (
        N_("How easy is the service procedure?"),
        (N_("Not easy"), N_("Less easy"), N_("Easy"), N_("Very easy")),
    ),
    (
        N_("How fast is the service delivered?"),
        (N_("Not fast"), N_("Less fast"), N_("Fast"), N_("Very fast")),
    ),
    (
        N_("How fair is the cost or tariff of the service?"),
        (N_("Very expensive"), N_("Rather expensive"), N_("Cheap"), N_("Free of charge")),
    ),
    (
        N_("How well does the product match what the service standard states?"),
        (N_("Not suitable"), N_("Less suitable"), N_("Suitable"), N_("Very suitable")),
    ),
    (
        N_("How competent are the staff who serve?"),
        (N_("Not competent"), N_("Less competent"), N_("Competent"), N_("Very competent")),
    ),
    (
        N_("How polite and friendly are the staff who serve?"),
        (
            N_("Not polite and friendly"),
            N_("Less polite and friendly"),
            N_("Polite and friendly"),
            N_("Very polite and friendly"),
        ),
    ),
    (
        N_("How are complaints, suggestions and feedback of service users handled?"),
        (
            N_("There is none"),
            N_("There is, but it does not work"),
            N_("It works, not at its best"),
            N_("Well managed"),
        ),
    ),
    (
        N_("How good are the facilities and infrastructure?"),
        (N_("Poor"), N_("Adequate"), N_("Good"), N_("Very good")),
    ),
)

#: The respondent's profile: field -> (label, {stored value: label}); every field optional.
PROFILE: dict[str, tuple[str, dict[str, str]]] = {
    "age_group": (
        N_("Age"),
        {
            "u20": N_("Under 20"),
            "20-29": N_("20 to 29"),
            "30-39": N_("30 to 39"),
            "40-49": N_("40 to 49"),
            "50-59": N_("50 to 59"),
            "60+": N_("60 or older"),
        },
    ),
    "sex": (N_("Sex"), {"L": N_("Male"), "P": N_("Female")}),
    "education": (
        N_("Education"),
        {
            "sd": N_("Primary school or less"),
            "smp": N_("Junior high school"),
            "sma": N_("Senior high school"),
            "diploma": N_("Diploma (D1-D4)"),
            "s1": N_("Bachelor (S1)"),
            "s2": N_("Master (S2)"),
            "s3": N_("Doctorate (S3)"),
        },
    ),
    "occupation": (
        N_("Occupation"),
        {
            "pns": N_("Civil servant"),
            "tni": N_("Armed forces"),
            "polri": N_("Police"),
            "swasta": N_("Private employee"),
            "wirausaha": N_("Self-employed"),
            "pelajar": N_("Student"),
            "lainnya": N_("Other"),
        },
    ),
}

#: Answers a form or API call may carry: "q1".."q9".
ANSWER_FIELDS = tuple(f"q{i}" for i in range(1, len(ikm.ELEMENTS) + 1))
_ONE_DIGIT = re.compile(r"[1-4]")


def published_service(session: Session, service_id: int) -> tuple[Service, str]:
    """The published service (and its OPD's name) a citizen may rate; NotFound otherwise."""
    row = session.execute(
        select(Service, OrgUnit.name)
        .join(OrgUnit, OrgUnit.id == Service.org_unit_id)
        .where(Service.id == service_id, Service.status == "published")
    ).first()
    if row is None:
        raise NotFound(M("no published service with this number"))
    return row[0], row[1]


def parse_answers(values: Mapping[str, Any]) -> list[int]:
    """The nine answers from ``q1``..``q9``, each exactly 1, 2, 3 or 4 (text or integer)."""
    answers: list[int] = []
    problems: dict[str, str] = {}
    for key in ANSWER_FIELDS:
        value = values.get(key)
        if isinstance(value, bool):
            value = None
        if isinstance(value, int) and 1 <= value <= 4:
            answers.append(value)
        elif isinstance(value, str) and _ONE_DIGIT.fullmatch(value.strip()):
            answers.append(int(value.strip()))
        else:
            problems[key] = "1, 2, 3 or 4"
    if problems:
        raise InvalidInput(M("answer every question with 1 to 4"), problems)
    return answers


def parse_profile(values: Mapping[str, Any]) -> dict[str, str | None]:
    """The optional profile; an empty field is no answer, an unknown value is refused."""
    profile: dict[str, str | None] = {}
    problems: dict[str, str] = {}
    for key, (_label, choices) in PROFILE.items():
        value = values.get(key)
        if value is None or value == "":
            profile[key] = None
        elif isinstance(value, str) and value in choices:
            profile[key] = value
        else:
            problems[key] = "one of " + ", ".join(choices)
    if problems:
        raise InvalidInput(M("the profile has an unknown answer"), problems)
    return profile


def submit(
    session: Session,
    service_id: int,
    values: Mapping[str, Any],
    *,
    admit: Callable[[Service], None] | None = None,
) -> tuple[SurveyResponse, Service]:
    """Store one respondent's answers for a published service (checked before anything).

    ``admit`` is called once the answers are valid and before they are stored: the
    public pages count the address's answers there (and refuse past the regency's
    daily quota), so an invalid form costs no quota and a counted one is stored.
    """
    service, _opd = published_service(session, service_id)
    answers = parse_answers(values)
    profile = parse_profile(values)
    if admit is not None:
        admit(service)
    response = SurveyResponse(
        service_id=service.id,
        answered_on=complaints.now(session).date(),
        answers=answers,
        **profile,
    )
    session.add(response)
    session.flush()
    return response, service


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """A quarter (``2026-Q1``), a semester (``2026-S2``) or a year (``2026``)."""

    key: str
    start: date
    end: date
    year: int
    kind: str  # "quarter", "semester", "year"
    number: int  # 1-4, 1-2, or 0 for a year


_PERIOD = re.compile(r"(\d{4})(?:-([QS])([1-4]))?")


def period(text: str | None, today: date) -> Period:
    """The period ``text`` names; the current quarter when empty. Bad text -> InvalidInput."""
    if not text:
        quarter = (today.month - 1) // 3 + 1
        text = f"{today.year}-Q{quarter}"
    found = _PERIOD.fullmatch(text.strip()[:10])
    if found is None or not 2000 <= int(found.group(1)) <= 2100:
        raise InvalidInput(M("the period is a year, a quarter or a semester"), {"period": text})
    year, kind, number = int(found.group(1)), found.group(2), found.group(3)
    if kind is None:
        return Period(f"{year}", date(year, 1, 1), date(year, 12, 31), year, "year", 0)
    n = int(number)
    if kind == "S" and n > 2:
        raise InvalidInput(M("the period is a year, a quarter or a semester"), {"period": text})
    months = 3 if kind == "Q" else 6
    first = (n - 1) * months + 1
    last = first + months - 1
    end = date(year + 1, 1, 1) if last == 12 else date(year, last + 1, 1)
    return Period(
        f"{year}-{kind}{n}",
        date(year, first, 1),
        date.fromordinal(end.toordinal() - 1),
        year,
        "quarter" if kind == "Q" else "semester",
        n,
    )


def period_choices(today: date, years: int = 3) -> list[str]:
    """Period keys to pick from: the last ``years`` years, each with its semesters and quarters."""
    keys: list[str] = []
    for year in range(today.year, today.year - years, -1):
        keys += [f"{year}", f"{year}-S2", f"{year}-S1"]
        keys += [f"{year}-Q{q}" for q in (4, 3, 2, 1)]
    return keys


# --------------------------------------------------------------------------- results


@dataclass
class Score:
    """The index of one set of respondents: a service, an OPD or the regency."""

    name: str
    responses: list[list[int]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.responses)

    @property
    def means(self) -> list[Decimal]:
        return ikm.element_means(self.responses)

    @property
    def index(self) -> Decimal | None:
        return ikm.index(self.responses)

    @property
    def grade(self) -> str | None:
        return ikm.grade(self.index)


@dataclass
class Results:
    period: Period
    regency: Score
    opds: list[tuple[int, Score]]
    services: list[tuple[Service, str, Score]]
    #: Profile field -> stored value (None: not given) -> respondents.
    profile: dict[str, dict[str | None, int]]


def results(
    session: Session,
    when: Period,
    *,
    published_only: bool = False,
    org_unit_id: int | None = None,
    service_ids: Collection[int] | None = None,
) -> Results:
    """Every service's, OPD's and the regency's index over the respondents of ``when``.

    ``org_unit_id`` and ``service_ids`` narrow it to one OPD's or some services (the
    "regency" then pools only those: a page about one service reads no other answers).
    """
    stmt = (
        select(Service, OrgUnit.name)
        .join(OrgUnit, OrgUnit.id == Service.org_unit_id)
        .order_by(OrgUnit.name, Service.name)
    )
    if published_only:
        stmt = stmt.where(Service.status == "published")
    if org_unit_id is not None:
        stmt = stmt.where(Service.org_unit_id == org_unit_id)
    if service_ids is not None:
        stmt = stmt.where(Service.id.in_(list(service_ids)))
    services = [(row[0], row[1]) for row in session.execute(stmt)]
    by_service = {s.id: Score(s.name) for s, _ in services}
    regency = Score("")
    opds: dict[int, Score] = {}
    profile: dict[str, dict[str | None, int]] = {key: {} for key in PROFILE}
    unit_of = {s.id: (s.org_unit_id, opd) for s, opd in services}
    rows = session.execute(
        select(
            SurveyResponse.service_id,
            SurveyResponse.answers,
            SurveyResponse.age_group,
            SurveyResponse.sex,
            SurveyResponse.education,
            SurveyResponse.occupation,
        ).where(
            SurveyResponse.answered_on.between(when.start, when.end),
            SurveyResponse.service_id.in_(list(by_service)),
        )
    )
    for service_id, stored, *given in rows:
        answers = list(stored)
        by_service[service_id].responses.append(answers)
        unit_id, opd_name = unit_of[service_id]
        opds.setdefault(unit_id, Score(opd_name)).responses.append(answers)
        regency.responses.append(answers)
        for key, value in zip(PROFILE, given, strict=True):
            profile[key][value] = profile[key].get(value, 0) + 1
    return Results(
        period=when,
        regency=regency,
        opds=sorted(opds.items(), key=lambda item: item[1].name),
        services=[(s, opd, by_service[s.id]) for s, opd in services],
        profile=profile,
    )


def weighted(means: Sequence[Decimal]) -> list[Decimal]:
    """Each element's weighted mean (NRR tertimbang): its mean x 1/9."""
    return [m / Decimal(len(ikm.ELEMENTS)) for m in means]


def period_label(when: Period) -> str:
    """``Triwulan II 2026``, ``Semester 1 2026``, ``Tahun 2026`` (English on the English page)."""
    roman = ("", "I", "II", "III", "IV")
    if when.kind == "quarter":
        return _("Quarter %(n)s %(year)s", n=roman[when.number], year=when.year)
    if when.kind == "semester":
        return _("Semester %(n)s %(year)s", n=when.number, year=when.year)
    return _("Year %(year)s", year=when.year)


def decimal_text(value: Decimal | None, places: str = "0.01") -> str:
    """A figure the Indonesian way with fixed decimals (``80,56``), or a dash."""
    if value is None:
        return "—"
    whole, _dot, frac = f"{value.quantize(Decimal(places)):f}".partition(".")
    return f"{int(whole):,}".replace(",", ".") + (f",{frac}" if frac else "")
