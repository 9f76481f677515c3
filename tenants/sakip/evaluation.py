"""The evaluation worksheet (LKE, PermenPANRB 88/2021): self-assessment, review, score, grade.

The OPD (or Bappeda for the regency) answers each criterion with its evidence;
the evaluator (Inspektorat) answers beside it, returns the worksheet with notes
or finalises it. Each sub-component's weight is shared by its criteria, so a
criterion weighs ``weight / criteria``; the score is the sum of weight x value.
The grade follows the bands AA >= 90 ... D < 30 (whether a bound is inclusive is
the regency's setting). "What moves our grade" lists the criteria whose gap
(weight x (1 - value)) is largest, with the evidence each asks for.

The worksheet itself (components, weights, criteria, answer values) is data: a
default version is installed when the app is enabled (:func:`install_default`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from smartcity.toolkit import Conflict, InvalidInput, Message, NotFound, record_audit
from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import EVALUATE, PLAN, Actor
from .messages import N_, M
from .models import (
    Evaluation,
    LkeAnswer,
    LkeComponent,
    LkeCriterion,
    LkeRule,
    LkeVersion,
    SakipSettings,
)

GRADES = (
    (Decimal(90), "AA"),
    (Decimal(80), "A"),
    (Decimal(70), "BB"),
    (Decimal(60), "B"),
    (Decimal(50), "CC"),
    (Decimal(30), "C"),
)
DEFAULT_VERSION = "PermenPANRB 88/2021"
#: (code, component, weight, [(sub-component, weight, [(question, type, evidence)])]).
#: Evaluasi internal splits 5 / 7.5 / 12.5 like the others (20/30/50); Trenggalek's
#: 5 / 7.5 / 5 / 7.5 is a local variant (apps-anchors.md 1b, UNVERIFIED).
DEFAULT = (
    (
        "1",
        "Perencanaan Kinerja",
        "30",
        (
            (
                "Pemenuhan",
                "6",
                (
                    (
                        "Renstra telah disusun dan ditetapkan",
                        "yt",
                        "Dokumen Renstra yang ditetapkan",
                    ),
                    (
                        "Perjanjian Kinerja telah disusun dan ditandatangani",
                        "yt",
                        "Dokumen PK bertanda tangan",
                    ),
                ),
            ),
            (
                "Kualitas",
                "9",
                (
                    (
                        "Tujuan dan sasaran berorientasi hasil",
                        "abcd",
                        "Reviu Renstra oleh Inspektorat",
                    ),
                    ("Indikator kinerja memenuhi kriteria SMART", "abcd", "Manual IKU"),
                    (
                        "Target kinerja dijenjangkan dalam pohon kinerja (cascading)",
                        "abcd",
                        "Pohon kinerja",
                    ),
                ),
            ),
            (
                "Pemanfaatan",
                "15",
                (
                    (
                        "Anggaran mengacu pada dokumen perencanaan kinerja",
                        "abcd",
                        "PK dengan anggaran per sub kegiatan",
                    ),
                    (
                        "Target kinerja dimonitor secara berkala",
                        "abcd",
                        "Laporan realisasi triwulanan",
                    ),
                ),
            ),
        ),
    ),
    (
        "2",
        "Pengukuran Kinerja",
        "30",
        (
            (
                "Pemenuhan",
                "6",
                (
                    ("Terdapat pedoman pengukuran kinerja", "yt", "Peraturan/pedoman pengukuran"),
                    ("Pengukuran kinerja dilakukan berkala", "yt", "Data realisasi triwulanan"),
                ),
            ),
            (
                "Kualitas",
                "9",
                (
                    (
                        "Pengukuran kinerja menggunakan teknologi informasi",
                        "abcd",
                        "Aplikasi SAKIP",
                    ),
                    ("Data kinerja didukung bukti yang andal", "abcd", "Bukti dukung realisasi"),
                ),
            ),
            (
                "Pemanfaatan",
                "15",
                (
                    (
                        "Hasil pengukuran dijadikan dasar pemberian penghargaan/sanksi",
                        "abcd",
                        "Keputusan TPP/penghargaan",
                    ),
                    (
                        "Hasil pengukuran dijadikan dasar perbaikan kinerja",
                        "abcd",
                        "Notulen rapat evaluasi",
                    ),
                ),
            ),
        ),
    ),
    (
        "3",
        "Pelaporan Kinerja",
        "15",
        (
            (
                "Pemenuhan",
                "3",
                (("LKjIP disusun dan disampaikan tepat waktu", "yt", "Tanda terima LKjIP"),),
            ),
            (
                "Kualitas",
                "4.5",
                (
                    (
                        "LKjIP menyajikan capaian dibanding target, tahun lalu dan target akhir",
                        "abcd",
                        "LKjIP",
                    ),
                    ("LKjIP menyajikan analisis dan efisiensi anggaran", "abcd", "LKjIP bab III"),
                ),
            ),
            (
                "Pemanfaatan",
                "7.5",
                (
                    (
                        "Informasi LKjIP digunakan untuk perbaikan perencanaan",
                        "abcd",
                        "Renja tahun berikutnya",
                    ),
                ),
            ),
        ),
    ),
    (
        "4",
        "Evaluasi Akuntabilitas Kinerja Internal",
        "25",
        (
            (
                "Pemenuhan",
                "5",
                (
                    (
                        "Evaluasi internal dilaksanakan terhadap seluruh OPD",
                        "yt",
                        "Laporan hasil evaluasi (LHE)",
                    ),
                ),
            ),
            (
                "Kualitas",
                "7.5",
                (
                    (
                        "Evaluasi dilaksanakan oleh evaluator yang kompeten",
                        "abcd",
                        "Surat tugas dan sertifikat evaluator",
                    ),
                    ("Rekomendasi evaluasi jelas dan dapat dilaksanakan", "abcd", "LHE"),
                ),
            ),
            (
                "Pemanfaatan",
                "12.5",
                (
                    (
                        "Rekomendasi hasil evaluasi ditindaklanjuti",
                        "abcd",
                        "Laporan tindak lanjut LHE",
                    ),
                ),
            ),
        ),
    ),
)


#: The default worksheet's consistency rules (kind, criterion, prerequisite, answers):
#: each pemanfaatan criterion is worth no more than the pemenuhan criterion it rests
#: on (monitoring targets needs a signed PK; acting on the LKjIP needs an LKjIP), and
#: a Y or A answer needs evidence. A regency's own version carries its own rules.
DEFAULT_RULES = (
    ("not_above", "1.3.1", "1.1.2", ""),
    ("not_above", "1.3.2", "1.1.2", ""),
    ("not_above", "2.3.1", "2.1.2", ""),
    ("not_above", "2.3.2", "2.1.2", ""),
    ("not_above", "3.3.1", "3.1.1", ""),
    ("not_above", "4.3.1", "4.1.1", ""),
    ("evidence", "", "", "Y,A"),
)
RULE_KINDS = ("not_above", "evidence")


def on_enable(session: Session) -> None:
    """The app's on-enable hook: the default worksheet, once."""
    install_default(session)


def install_default(session: Session) -> LkeVersion:
    """The default worksheet, once (idempotent: the app's on-enable hook calls it)."""
    found = session.scalar(select(LkeVersion).where(LkeVersion.name == DEFAULT_VERSION))
    if found is not None:
        _install_rules(session, found)
        return found
    version = LkeVersion(name=DEFAULT_VERSION, value_b=Decimal("0.66"), value_c=Decimal("0.33"))
    session.add(version)
    session.flush()
    for c_pos, (code, name, weight, subs) in enumerate(DEFAULT):
        component = LkeComponent(
            version_id=version.id, code=code, name=name, weight=Decimal(weight), position=c_pos
        )
        session.add(component)
        session.flush()
        for s_pos, (sub_name, sub_weight, criteria) in enumerate(subs, start=1):
            sub = LkeComponent(
                version_id=version.id,
                parent_id=component.id,
                code=f"{code}.{s_pos}",
                name=sub_name,
                weight=Decimal(sub_weight),
                position=s_pos,
            )
            session.add(sub)
            session.flush()
            for q_pos, (question, kind, hint) in enumerate(criteria, start=1):
                session.add(
                    LkeCriterion(
                        component_id=sub.id,
                        code=f"{code}.{s_pos}.{q_pos}",
                        question=question,
                        answer_type=kind,
                        evidence_hint=hint,
                        position=q_pos,
                    )
                )
    session.flush()
    _install_rules(session, version)
    return version


def _install_rules(session: Session, version: LkeVersion) -> None:
    """The default rules on the default version, once."""
    if session.scalar(select(LkeRule.id).where(LkeRule.version_id == version.id).limit(1)):
        return
    for position, (kind, code, prerequisite, given) in enumerate(DEFAULT_RULES):
        session.add(
            LkeRule(
                version_id=version.id,
                kind=kind,
                criterion_code=code,
                prerequisite_code=prerequisite,
                answers=given,
                position=position,
            )
        )
    session.flush()


@dataclass(frozen=True)
class Inconsistency:
    """A warning the evaluator (and the OPD) sees beside a criterion; it blocks nothing."""

    criterion: LkeCriterion
    side: str  # self | evaluator
    message: Message


def rules_of(session: Session, version_id: int) -> list[LkeRule]:
    return list(
        session.scalars(
            select(LkeRule)
            .where(LkeRule.version_id == version_id)
            .order_by(LkeRule.position, LkeRule.id)
        )
    )


def consistency(session: Session, evaluation: Evaluation) -> list[Inconsistency]:
    """Each answer that contradicts another (or lacks the evidence it needs), by the
    worksheet version's rules: data, so a new version brings its own checks."""
    version = session.get(LkeVersion, evaluation.version_id)
    if version is None:  # pragma: no cover - the foreign key keeps this from happening
        raise NotFound(M("no such evaluation"))
    _, _, criteria = structure(session, evaluation)
    by_code = {c.code: c for c in criteria}
    given = answers(session, evaluation)
    out: list[Inconsistency] = []

    def answer(criterion: LkeCriterion, side: str) -> str | None:
        row = given.get(criterion.id)
        if row is None:
            return None
        return row.self_answer if side == "self" else row.evaluator_answer

    for rule in rules_of(session, version.id):
        if rule.kind == "not_above":
            criterion = by_code.get(rule.criterion_code)
            prerequisite = by_code.get(rule.prerequisite_code)
            if criterion is None or prerequisite is None:
                continue
            for side in ("self", "evaluator"):
                mine = answer(criterion, side)
                base = answer(prerequisite, side)
                if mine is None or base is None:
                    continue
                worth = value_of(mine, criterion.answer_type, version)
                floor = value_of(base, prerequisite.answer_type, version)
                if worth is not None and floor is not None and worth > floor:
                    out.append(
                        Inconsistency(
                            criterion,
                            side,
                            M(
                                "%(code)s scores above its prerequisite %(prerequisite)s"
                                " (%(answer)s over %(base)s)",
                                code=criterion.code,
                                prerequisite=prerequisite.code,
                                answer=mine,
                                base=base,
                            ),
                        )
                    )
        elif rule.kind == "evidence":
            wanted = {a.strip() for a in rule.answers.split(",") if a.strip()}
            targets = (
                ([by_code[rule.criterion_code]] if rule.criterion_code in by_code else [])
                if rule.criterion_code
                else criteria
            )
            for criterion in targets:
                row = given.get(criterion.id)
                if row is None or row.evidence.strip():
                    continue
                for side in ("self", "evaluator"):
                    mine = answer(criterion, side)
                    if mine in wanted:
                        out.append(
                            Inconsistency(
                                criterion,
                                side,
                                M(
                                    "%(code)s is answered %(answer)s without evidence",
                                    code=criterion.code,
                                    answer=mine,
                                ),
                            )
                        )
    return out


def grade(score: Decimal, inclusive: bool = True) -> str:
    """The grade of a score: AA >= 90, A >= 80, BB >= 70, B >= 60, CC >= 50, C >= 30, else D."""
    for bound, letter in GRADES:
        if score > bound or (inclusive and score == bound):
            return letter
    return "D"


def value_of(answer: str | None, kind: str, version: LkeVersion) -> Decimal | None:
    """What an answer is worth (None: not answered)."""
    if answer is None:
        return None
    if kind == "yt":
        return Decimal(1) if answer == "Y" else Decimal(0)
    return {"A": Decimal(1), "B": version.value_b, "C": version.value_c, "D": Decimal(0)}[answer]


@dataclass
class Gap:
    criterion: LkeCriterion
    weight: Decimal
    value: Decimal
    gain: Decimal


@dataclass
class Score:
    self_total: Decimal
    evaluator_total: Decimal
    by_component: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)
    grade: str = "D"
    gaps: list[Gap] = field(default_factory=list)


def _structure(
    session: Session, version_id: int
) -> tuple[list[LkeComponent], list[LkeComponent], list[LkeCriterion]]:
    components = list(
        session.scalars(
            select(LkeComponent)
            .where(LkeComponent.version_id == version_id)
            .order_by(LkeComponent.position, LkeComponent.id)
        )
    )
    subs = [c for c in components if c.parent_id is not None]
    criteria = list(
        session.scalars(
            select(LkeCriterion)
            .where(LkeCriterion.component_id.in_([s.id for s in subs]))
            .order_by(LkeCriterion.code)
        )
    )
    return [c for c in components if c.parent_id is None], subs, criteria


def structure(
    session: Session, evaluation: Evaluation
) -> tuple[list[LkeComponent], list[LkeComponent], list[LkeCriterion]]:
    return _structure(session, evaluation.version_id)


def answers(session: Session, evaluation: Evaluation) -> dict[int, LkeAnswer]:
    return {
        a.criterion_id: a
        for a in session.scalars(select(LkeAnswer).where(LkeAnswer.evaluation_id == evaluation.id))
    }


def score(session: Session, evaluation: Evaluation) -> Score:
    """The self-assessed and the evaluator's score, per component, the grade, and the gaps."""
    version = session.get(LkeVersion, evaluation.version_id)
    if version is None:  # pragma: no cover - the foreign key keeps this from happening
        raise NotFound(M("no such evaluation"))
    components, subs, criteria = structure(session, evaluation)
    given = answers(session, evaluation)
    per_sub: dict[int, list[LkeCriterion]] = {}
    for criterion in criteria:
        per_sub.setdefault(criterion.component_id, []).append(criterion)
    parent_of = {s.id: s.parent_id for s in subs}
    weight_of = {s.id: s.weight for s in subs}
    totals = {c.id: [Decimal(0), Decimal(0)] for c in components}
    gaps = []
    for sub_id, items in per_sub.items():
        each = weight_of[sub_id] / len(items)
        for criterion in items:
            answer = given.get(criterion.id)
            mine = value_of(answer.self_answer if answer else None, criterion.answer_type, version)
            theirs = value_of(
                answer.evaluator_answer if answer else None, criterion.answer_type, version
            )
            parent = parent_of[sub_id]
            if parent is not None:
                totals[parent][0] += each * (mine or 0)
                totals[parent][1] += each * (theirs or 0)
            current = theirs if theirs is not None else (mine or Decimal(0))
            if current < 1:
                gaps.append(Gap(criterion, each, current, each * (1 - current)))
    self_total = sum((t[0] for t in totals.values()), Decimal(0)).quantize(Decimal("0.01"))
    evaluator_total = sum((t[1] for t in totals.values()), Decimal(0)).quantize(Decimal("0.01"))
    settings = session.get(SakipSettings, 1)
    inclusive = settings.grade_bound_inclusive if settings is not None else True
    # The grade is the evaluator's once final; until then, what the OPD claims.
    final = evaluator_total if evaluation.status == "final" else self_total
    gaps.sort(key=lambda g: (-g.gain, g.criterion.code))
    return Score(
        self_total,
        evaluator_total,
        {
            k: (v[0].quantize(Decimal("0.01")), v[1].quantize(Decimal("0.01")))
            for k, v in totals.items()
        },
        grade(final, inclusive),
        gaps,
    )


def _subject_ok(actor: Actor, org_unit_id: int) -> None:
    if org_unit_id:
        actor.require_unit(org_unit_id)
    elif actor.unit_ids is not None and not actor.can(EVALUATE):
        actor.require_unit(None)


def get(session: Session, actor: Actor, evaluation_id: int) -> Evaluation:
    found = session.get(Evaluation, evaluation_id)
    if found is None or (found.org_unit_id and not actor.sees_unit(found.org_unit_id)):
        raise NotFound(M("no such evaluation"))
    return found


def start(session: Session, actor: Actor, *, year: int, org_unit_id: int | None) -> Evaluation:
    """Open the year's worksheet for the regency (None) or an OPD, on the newest version."""
    if not (actor.can(PLAN) or actor.can(EVALUATE)):
        actor.require(PLAN)
    key = org_unit_id or 0
    _subject_ok(actor, key)
    if session.scalar(
        select(Evaluation.id).where(Evaluation.year == year, Evaluation.org_unit_id == key)
    ):
        raise Conflict(M("this year's evaluation already exists"), {"year": M("already exists")})
    version = session.scalar(select(LkeVersion).order_by(LkeVersion.id.desc()).limit(1))
    if version is None:
        version = install_default(session)
    evaluation = Evaluation(version_id=version.id, year=year, org_unit_id=key, status="self")
    session.add(evaluation)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="sakip.evaluation.start",
        entity="sakip_evaluation",
        entity_id=evaluation.id,
        after={"year": year, "org_unit_id": key},
    )
    return evaluation


def _answer(
    session: Session, evaluation: Evaluation, criterion_id: int
) -> tuple[LkeAnswer, LkeCriterion]:
    criterion = session.get(LkeCriterion, criterion_id)
    _, subs, _ = structure(session, evaluation)
    if criterion is None or criterion.component_id not in {s.id for s in subs}:
        raise InvalidInput(
            M("the criterion is not in this worksheet"), {"criterion_id": M("unknown")}
        )
    row = session.scalar(
        select(LkeAnswer).where(
            LkeAnswer.evaluation_id == evaluation.id, LkeAnswer.criterion_id == criterion_id
        )
    )
    if row is None:
        row = LkeAnswer(evaluation_id=evaluation.id, criterion_id=criterion_id)
        session.add(row)
    return row, criterion


def _check_value(criterion: LkeCriterion, answer: str | None) -> None:
    allowed = ("Y", "T") if criterion.answer_type == "yt" else ("A", "B", "C", "D")
    if answer is not None and answer not in allowed:
        raise InvalidInput(
            M("answer %(allowed)s", allowed=" / ".join(allowed)), {"answer": M("not allowed")}
        )


def answer_self(
    session: Session,
    actor: Actor,
    evaluation: Evaluation,
    *,
    criterion_id: int,
    answer: str | None,
    evidence: str,
    note: str,
) -> LkeAnswer:
    """The OPD's own answer and evidence, while the worksheet is with the OPD."""
    actor.require(PLAN)
    _subject_ok(actor, evaluation.org_unit_id)
    if evaluation.status not in ("self", "returned"):
        raise Conflict(M("the worksheet is with the evaluator"), {"status": M("under review")})
    row, criterion = _answer(session, evaluation, criterion_id)
    _check_value(criterion, answer)
    row.self_answer = answer
    row.evidence = evidence.strip()
    row.self_note = note.strip()
    row.carried_over = False
    session.flush()
    return row


def answer_evaluator(
    session: Session,
    actor: Actor,
    evaluation: Evaluation,
    *,
    criterion_id: int,
    answer: str | None,
    note: str,
) -> LkeAnswer:
    actor.require(EVALUATE)
    if evaluation.status != "review":
        raise Conflict(M("the worksheet is not under review"), {"status": M("not under review")})
    row, criterion = _answer(session, evaluation, criterion_id)
    _check_value(criterion, answer)
    row.evaluator_answer = answer
    row.evaluator_note = note.strip()
    session.flush()
    return row


#: Where a worksheet is, in words: pages and messages never show the stored code.
STATUS_LABELS = {
    "self": N_("with the OPD"),
    "review": N_("with the evaluator"),
    "returned": N_("returned with notes"),
    "final": N_("final"),
}
TRANSITIONS = {
    "submit": ({"self", "returned"}, "review", PLAN),
    "return": ({"review"}, "returned", EVALUATE),
    "finalize": ({"review"}, "final", EVALUATE),
}


def transition(session: Session, actor: Actor, evaluation: Evaluation, action: str) -> Evaluation:
    """submit (OPD -> evaluator), return (with the notes on the criteria) or finalize."""
    if action not in TRANSITIONS:
        raise InvalidInput(M("submit, return or finalize"), {"action": M("unknown")})
    sources, target, permission = TRANSITIONS[action]
    actor.require(permission)
    if permission == PLAN:
        _subject_ok(actor, evaluation.org_unit_id)
    if evaluation.status not in sources:
        raise Conflict(
            M(
                "the worksheet is %(status)s",
                status=M(STATUS_LABELS.get(evaluation.status, evaluation.status)),
            ),
            {"status": M("not allowed now")},
        )
    evaluation.status = target
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action=f"sakip.evaluation.{action}",
        entity="sakip_evaluation",
        entity_id=evaluation.id,
        after={"status": target},
    )
    return evaluation


def previous(session: Session, evaluation: Evaluation) -> Evaluation | None:
    return session.scalar(
        select(Evaluation).where(
            Evaluation.year == evaluation.year - 1, Evaluation.org_unit_id == evaluation.org_unit_id
        )
    )


def carry_over(session: Session, actor: Actor, evaluation: Evaluation) -> int:
    """One click: last year's evidence fills this year's empty criteria (marked carried over).

    Criteria are matched by code, so a new worksheet version keeps what still applies.
    """
    actor.require(PLAN)
    _subject_ok(actor, evaluation.org_unit_id)
    if evaluation.status not in ("self", "returned"):
        raise Conflict(M("the worksheet is with the evaluator"), {"status": M("under review")})
    last = previous(session, evaluation)
    if last is None:
        return 0
    _, _, old_criteria = structure(session, last)
    old_code = {c.id: c.code for c in old_criteria}
    old = {
        old_code[a.criterion_id]: a
        for a in answers(session, last).values()
        if a.evidence and a.criterion_id in old_code
    }
    _, _, criteria = structure(session, evaluation)
    mine = answers(session, evaluation)
    carried = 0
    for criterion in criteria:
        source = old.get(criterion.code)
        current = mine.get(criterion.id)
        if source is None or (current is not None and current.evidence):
            continue
        if current is None:
            current = LkeAnswer(evaluation_id=evaluation.id, criterion_id=criterion.id)
            session.add(current)
        current.evidence = source.evidence
        current.carried_over = True
        carried += 1
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="sakip.evaluation.carry_over",
        entity="sakip_evaluation",
        entity_id=evaluation.id,
        after={"criteria": carried},
    )
    return carried
