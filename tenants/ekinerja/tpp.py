"""The monthly TPP statement of one person: a pure function from facts to rupiah.

Every rupiah deducted is one :class:`Line` naming its day, the record it comes
from, the rule (a field of the rule version) and the percentage applied, so the
answer to "why was my TPP cut?" is the list of lines, and their sum is the cut
by construction. Caps are lines too (negative amounts), so a capped day still
shows what each lapse would have cost and how much the cap gave back.

Amounts are whole rupiah, each line rounded half up on its own.

Sanctions (a disciplinary sanction, LHKPN not filed, a TPTGR claim) are a third
part of the cut beside performance and discipline, ``sanction_deduction``: each
sanction running in the month is one line of its own percentage of the whole
TPP (edison: TPP awal x the percentage), naming its record (``sanction:<id>``)
and the rule field (``sanction_percent.<kind>``) of the month's version. The
month's sanctions together cut at most ``sanction_cap_percent`` of the TPP, and
never more than what the performance and discipline cuts left, so the net is
never below zero: a ``cap_sanction`` line (negative) gives back the excess.
``deduction`` and ``net`` include them.

An assembly or ceremony (apel, upacara...) the person was marked absent from
is a line of the day, ``event_percent.<kind>`` naming ``event_absence:<id>``; an
approved absence excuses it with the rest of the day, and a day already cut as
absent without reason is not cut again for its events, nor a kind missed twice the
same day (someone moved mid-day, called by both units). It can fall on a day off
(a ceremony on a holiday), and is not under the daily cap (the cap is for lapses
of the working hours) but is under the monthly one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from .rules import TppRules, band_for, sanction_component
from .schedule import Expected

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Excuse:
    """An approved absence covering the day."""

    absence_id: int
    kind: str


@dataclass(frozen=True)
class MissedEvent:
    """An assembly or ceremony of the day the roll marked the person absent from."""

    absence_id: int
    kind: str


@dataclass(frozen=True)
class DayFact:
    """What happened on one day: expected hours (None: a day off), the punches kept
    on the day's record, an approved absence covering it, and the events missed."""

    day: date
    expected: Expected | None
    check_in: datetime | None = None
    check_out: datetime | None = None
    record_id: int | None = None
    excuse: Excuse | None = None
    missed_events: tuple[MissedEvent, ...] = ()


@dataclass(frozen=True)
class Predicate:
    """The person's SKP predicate for the month, as pulled from BKN."""

    skp_id: int
    predicate: str


@dataclass(frozen=True)
class Sanction:
    """A recorded sanction (or other per-person deduction) running in the month."""

    sanction_id: int
    kind: str


@dataclass(frozen=True)
class Line:
    """One deduction (or cap refund, negative) traced to a day, a record and a rule."""

    component: str
    rule: str
    percent: Decimal
    amount: int
    day: date | None = None
    minutes: int | None = None
    record: str | None = None


@dataclass(frozen=True)
class Statement:
    base: int
    performance_part: int
    discipline_part: int
    performance_deduction: int
    discipline_deduction: int
    approved_minutes: int
    sanction_deduction: int = 0
    lines: tuple[Line, ...] = field(default_factory=tuple)

    @property
    def deduction(self) -> int:
        return self.performance_deduction + self.discipline_deduction + self.sanction_deduction

    @property
    def net(self) -> int:
        return self.base - self.deduction


def rupiah_of(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def minutes_between(earlier: datetime, later: datetime) -> int:
    """Whole minutes from ``earlier`` to ``later``, a started minute counting (0 if not later)."""
    seconds = (later - earlier).total_seconds()
    if seconds <= 0:
        return 0
    return int(-(-seconds // 60))


def day_lines(fact: DayFact, rules: TppRules, base: Decimal) -> list[Line]:
    """The lines of one day, before the daily cap; ``base`` is the amount percentages apply to."""
    if fact.excuse is None and fact.expected is None:
        return event_lines(fact, rules, base)
    if fact.expected is None:
        return []
    record = None if fact.record_id is None else f"attendance_day:{fact.record_id}"

    def line(component: str, rule: str, percent: Decimal, minutes: int | None = None) -> Line:
        return Line(
            component, rule, percent, rupiah_of(base * percent / HUNDRED), fact.day, minutes, record
        )

    if fact.excuse is not None:
        percent = rules.excused_percent.get(fact.excuse.kind, Decimal(0))
        if not percent:
            return []
        return [
            Line(
                "excused",
                f"excused_percent.{fact.excuse.kind}",
                percent,
                rupiah_of(base * percent / HUNDRED),
                fact.day,
                None,
                f"absence:{fact.excuse.absence_id}",
            )
        ]
    if fact.check_in is None and fact.check_out is None:
        return [line("absent", "absent_percent", rules.absent_percent)]
    lines = event_lines(fact, rules, base)
    if fact.check_in is None:
        lines.append(line("missing_in", "missing_check_in_percent", rules.missing_check_in_percent))
    else:
        late = minutes_between(fact.expected.start, fact.check_in)
        if found := band_for(late, rules.late_bands):
            index, band = found
            lines.append(line("late", f"late_bands[{index}]", band.percent, late))
    if fact.check_out is None:
        lines.append(
            line("missing_out", "missing_check_out_percent", rules.missing_check_out_percent)
        )
    else:
        early = minutes_between(fact.check_out, fact.expected.end)
        if found := band_for(early, rules.early_bands):
            index, band = found
            lines.append(line("early", f"early_bands[{index}]", band.percent, early))
    return lines


def event_lines(fact: DayFact, rules: TppRules, base: Decimal) -> list[Line]:
    """A line per kind of event missed on the day (a kind without a percentage cuts
    nothing). One morning's apel is one duty: scheduling keeps a kind to one event a
    day over the same people, but someone marked absent in one unit who moves the same
    day can be marked again by their new unit's event of that kind; the first mark
    cuts, the second is not charged again."""
    lines = []
    charged: set[str] = set()
    for missed in sorted(fact.missed_events, key=lambda m: m.absence_id):
        percent = rules.event_percent.get(missed.kind, Decimal(0))
        if percent and missed.kind not in charged:
            charged.add(missed.kind)
            lines.append(
                Line(
                    "event",
                    f"event_percent.{missed.kind}",
                    percent,
                    rupiah_of(base * percent / HUNDRED),
                    fact.day,
                    None,
                    f"event_absence:{missed.absence_id}",
                )
            )
    return lines


def capped(lines: list[Line], cap_percent: Decimal, base: Decimal, day: date) -> list[Line]:
    """A day's lines with a refund line if they exceed the daily cap (absence is not capped:
    a day absent costs its own rate, the cap is for lapses on a day worked)."""
    lapses = [ln for ln in lines if ln.component in {"late", "early", "missing_in", "missing_out"}]
    cap = rupiah_of(base * cap_percent / HUNDRED)
    total = sum(ln.amount for ln in lapses)
    if total <= cap:
        return lines
    percent = cap_percent - sum((ln.percent for ln in lapses), Decimal(0))
    return [*lines, Line("cap_daily", "daily_cap_percent", percent, cap - total, day)]


def statement(
    *,
    base: Decimal,
    rules: TppRules,
    facts: Iterable[DayFact],
    approved_minutes: int,
    predicate: Predicate | None = None,
    sanctions: Iterable[Sanction] = (),
) -> Statement:
    """The month's statement for a person whose full TPP is ``base``.

    The performance part follows the approved minutes, or, when the rule version
    says ``performance_basis: predicate``, the SKP predicate (``predicate``).
    ``sanctions`` are those running in the month (annulled ones left out by the caller).
    """
    base_rp = rupiah_of(base)
    performance_part = rupiah_of(base * rules.performance_share / HUNDRED)
    discipline_part = base_rp - performance_part
    deduction_base = Decimal(discipline_part if rules.deduction_base == "discipline" else base_rp)
    lines: list[Line] = []
    for fact in sorted(facts, key=lambda f: f.day):
        lines.extend(
            capped(
                day_lines(fact, rules, deduction_base),
                rules.daily_cap_percent,
                deduction_base,
                fact.day,
            )
        )
    discipline = sum(ln.amount for ln in lines)
    monthly_cap = rupiah_of(Decimal(discipline_part) * rules.monthly_cap_percent / HUNDRED)
    if discipline > monthly_cap:
        lines.append(
            Line(
                "cap_monthly",
                "monthly_cap_percent",
                rules.monthly_cap_percent,
                monthly_cap - discipline,
            )
        )
        discipline = monthly_cap
    if rules.performance_basis == "predicate":
        lines.extend(_predicate_lines(rules, performance_part, predicate))
        performance_deduction = sum(ln.amount for ln in lines if ln.component == "predicate")
    else:
        ratio = min(Decimal(1), Decimal(max(approved_minutes, 0)) / Decimal(rules.minutes_target))
        performance_deduction = performance_part - rupiah_of(performance_part * ratio)
        if performance_deduction:
            lines.append(
                Line(
                    "performance",
                    "minutes_target",
                    (Decimal(1) - ratio) * HUNDRED,
                    performance_deduction,
                    minutes=approved_minutes,
                )
            )
    room = base_rp - performance_deduction - discipline
    sanction_lines = _sanction_lines(rules, base_rp, room, sanctions)
    lines.extend(sanction_lines)
    return Statement(
        base=base_rp,
        performance_part=performance_part,
        discipline_part=discipline_part,
        performance_deduction=performance_deduction,
        discipline_deduction=discipline,
        approved_minutes=approved_minutes,
        sanction_deduction=sum(ln.amount for ln in sanction_lines),
        lines=tuple(lines),
    )


def _sanction_lines(
    rules: TppRules, base_rp: int, room: int, sanctions: Iterable[Sanction]
) -> list[Line]:
    """A line per sanction (a kind without a percentage cuts nothing), then the cap:
    ``sanction_cap_percent`` of the TPP, and no more than ``room`` (what the other
    cuts left), so the net is never below zero."""
    lines: list[Line] = []
    for sanction in sorted(sanctions, key=lambda s: s.sanction_id):
        percent = rules.sanction_percent.get(sanction.kind, Decimal(0))
        if not percent:
            continue
        lines.append(
            Line(
                sanction_component(sanction.kind),
                f"sanction_percent.{sanction.kind}"[:60],
                percent,
                rupiah_of(Decimal(base_rp) * percent / HUNDRED),
                record=f"sanction:{sanction.sanction_id}",
            )
        )
    total = sum(ln.amount for ln in lines)
    allowed = min(rupiah_of(Decimal(base_rp) * rules.sanction_cap_percent / HUNDRED), max(room, 0))
    if total > allowed:
        percent = (
            Decimal(allowed - total) * HUNDRED / Decimal(base_rp) if base_rp else Decimal(0)
        ).quantize(Decimal("0.0001"))
        lines.append(Line("cap_sanction", "sanction_cap_percent", percent, allowed - total))
    return lines


def _predicate_lines(
    rules: TppRules, performance_part: int, predicate: Predicate | None
) -> list[Line]:
    """The performance cut by the SKP predicate: one line naming the SKP record and rule."""
    if predicate is None:
        paid, rule, record = rules.predicate_missing_percent, "predicate_missing_percent", None
    else:
        paid = rules.predicate_percent.get(predicate.predicate, rules.predicate_missing_percent)
        rule, record = f"predicate_percent.{predicate.predicate}", f"skp:{predicate.skp_id}"
    cut = HUNDRED - paid
    amount = performance_part - rupiah_of(Decimal(performance_part) * paid / HUNDRED)
    if not amount:
        return []
    return [Line("predicate", rule[:60], cut, amount, record=record)]


def total_of(lines: Sequence[Line]) -> int:
    return sum(ln.amount for ln in lines)
