"""TPP rule versions as BKPSDM works on them: a draft copied from the version in force,
edited, tried over last month ("what if"), then published under its Perbup.

A published version is never edited (a new Perbup is a new version): only drafts
change, and a draft that is not wanted is discarded. Publishing names the version
after its Perbup and sets the month it takes effect; that month must come after
every month already locked for payment, whose TPP was paid under the rules then
in force. The API and the pages call these same functions.

A refusal names the field at fault as ``rules.<field>[.<index>.<part>]`` with a
:class:`Message` per pydantic error type (:func:`refusal`), so the page can put it
next to the input in the reader's language and the API answers it in words.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from pydantic import ValidationError
from smartcity.toolkit import (
    Conflict,
    InvalidInput,
    Message,
    NotFound,
    field_problem,
    record_audit,
)
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from . import runs
from .access import REGENCY, Actor
from .messages import M
from .models import RuleSet, TppMonth
from .periods import next_month
from .rules import MAX_CLASS, TYPED, TppRules

MAX_NAME = 200


def _bound(ctx: dict[str, Any], *keys: str) -> str:
    return next((str(ctx[k]) for k in keys if k in ctx), "")


#: What the rules' own error types, and the generic ones whose words differ for the
#: rules (rows, not items), say from their context; any other is the core's
#: :func:`field_problem`.
_WORDS: dict[str, Callable[[dict[str, Any]], Message]] = {
    "decimal_max_places": lambda c: M("a number with fewer digits"),
    "decimal_max_digits": lambda c: M("a number with fewer digits"),
    "decimal_whole_digits": lambda c: M("a number with fewer digits"),
    "too_long": lambda c: M("at most %(count)s rows", count=int(c.get("max_length", 0))),
    "extra_forbidden": lambda c: M("not a field of the rules"),
    "bands_start": lambda c: M(
        "this band must start at %(count)s minutes", count=int(c.get("minutes", 0))
    ),
    "bands_open": lambda c: M("only the last band may be without an end"),
    "bands_order": lambda c: M("this band ends before it starts"),
    "unknown_key": lambda c: M("%(key)s is not one of the choices", key=_bound(c, "key")),
    "percent_range": lambda c: M("a percentage from 0 to 100"),
    "ascii_number": lambda c: M("a number written with the digits 0-9"),
    "rupiah_whole": lambda c: M("whole rupiah"),
    "base_range": lambda c: M(
        "class 1 to %(classes)s, amounts from 0 to 1.000.000.000", classes=MAX_CLASS
    ),
}


def _problem(error: Any) -> Message:
    """One pydantic error in words a reader of either language understands."""
    kind, ctx = str(error["type"]), error.get("ctx") or {}
    if kind in _WORDS:
        return _WORDS[kind](ctx)
    return field_problem(error)


def refusal(error: ValidationError) -> dict[str, Message]:
    """The fields of ``rules`` pydantic refused, by dotted path, each in words.

    A band's error names its row (``rules.late_bands.1``): the validators say which.
    """
    fields: dict[str, Message] = {}
    for e in error.errors():
        path = ["rules", *(str(p) for p in e["loc"])]
        ctx = e.get("ctx") or {}
        if "index" in ctx and len(path) == 2:
            path.append(str(ctx["index"]))
        fields.setdefault(".".join(path), _problem(e))
    return fields


def checked(name: str, effective_from: date, rules: dict[str, Any]) -> tuple[str, TppRules]:
    """The version's name and rules, validated; InvalidInput naming every field at fault."""
    problems: dict[str, Message] = {}
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        problems["name"] = M("1 to %(count)s characters", count=MAX_NAME)
    if effective_from.day != 1:
        problems["effective_from"] = M("the first day of a month")
    parsed = None
    try:
        parsed = TppRules.model_validate(rules, context=TYPED)
    except ValidationError as error:
        problems |= refusal(error)
    if problems or parsed is None:
        raise InvalidInput(M("the rule set cannot be saved"), problems)
    return name, parsed


def add(
    session: Session,
    actor: Actor,
    *,
    name: str,
    effective_from: date,
    status: str,
    rules: dict[str, Any],
) -> RuleSet:
    """A new rule version, a draft or already active (the API's way to enter a Perbup)."""
    actor.require(REGENCY)
    if status not in ("draft", "active"):
        raise InvalidInput(M("the rule set cannot be saved"), {"status": "draft or active"})
    name, parsed = checked(name, effective_from, rules)
    if status == "active":
        _after_locked(session, effective_from)
    rule_set = RuleSet(
        name=name,
        effective_from=effective_from,
        status=status,
        rules=parsed.model_dump(mode="json"),
        created_by=actor.label,
    )
    session.add(rule_set)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.rule_set",
        entity="rule_set",
        entity_id=rule_set.id,
        after={"name": rule_set.name, "status": status},
    )
    return rule_set


def versions(session: Session) -> list[RuleSet]:
    """Every version, the latest in effect first, drafts among them by their date."""
    return list(
        session.scalars(
            select(RuleSet).order_by(RuleSet.effective_from.desc(), RuleSet.id.desc()).limit(500)
        )
    )


def get(session: Session, rule_set_id: int) -> RuleSet:
    found = session.get(RuleSet, rule_set_id)
    if found is None:
        raise NotFound(
            M("no rule set %(rule_set_id)s", rule_set_id=rule_set_id), {"rule_set_id": "unknown"}
        )
    return found


def in_force(session: Session, today: date) -> RuleSet | None:
    """The version the TPP of ``today``'s month is computed with (None if there is none)."""
    try:
        return runs.rule_set_for(session, today.replace(day=1))
    except Conflict:
        return None


def _draft(session: Session, rule_set_id: int) -> RuleSet:
    rule_set = session.scalar(select(RuleSet).where(RuleSet.id == rule_set_id).with_for_update())
    if rule_set is None:
        raise NotFound(
            M("no rule set %(rule_set_id)s", rule_set_id=rule_set_id), {"rule_set_id": "unknown"}
        )
    if rule_set.status != "draft":
        raise Conflict(
            M("a published rule version is never changed: make a new draft"),
            {"status": rule_set.status},
        )
    return rule_set


def _after_locked(session: Session, effective_from: date) -> None:
    """Refuse a month on or before the last month locked for payment."""
    locked = session.execute(
        select(TppMonth.year, TppMonth.month)
        .where(TppMonth.locked_at.is_not(None))
        .order_by(TppMonth.year.desc(), TppMonth.month.desc())
        .limit(1)
    ).first()
    if locked is not None and effective_from <= (month := date(locked.year, locked.month, 1)):
        raise Conflict(
            M("%(month)s is locked for payment: a new version takes effect after it", month=month),
            {"effective_from": M("after %(month)s", month=month)},
        )


def draft_from(session: Session, actor: Actor, source_id: int | None, *, today: date) -> RuleSet:
    """A new draft with the rules of ``source_id`` (None: the version in force today),
    to take effect next month unless edited."""
    actor.require(REGENCY)
    source = get(session, source_id) if source_id is not None else in_force(session, today)
    if source is None:
        raise Conflict(M("no TPP rule set is in force for this month"), {"rule_set": "missing"})
    year, month = next_month(today.year, today.month)
    draft = RuleSet(
        name=f"Rancangan dari {source.name}"[:MAX_NAME],
        effective_from=date(year, month, 1),
        status="draft",
        rules=TppRules.model_validate(source.rules).model_dump(mode="json"),
        created_by=actor.label,
    )
    session.add(draft)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.rule_set_draft",
        entity="rule_set",
        entity_id=draft.id,
        after={"from": source.id, "name": draft.name},
    )
    return draft


def update_draft(
    session: Session,
    actor: Actor,
    rule_set_id: int,
    *,
    name: str,
    effective_from: date,
    rules: dict[str, Any],
) -> RuleSet:
    """Change a draft's name, month and rules (all checked; refused whole)."""
    actor.require(REGENCY)
    draft = _draft(session, rule_set_id)
    name, parsed = checked(name, effective_from, rules)
    before = {"name": draft.name, "effective_from": draft.effective_from.isoformat()}
    draft.name, draft.effective_from = name, effective_from
    draft.rules = parsed.model_dump(mode="json")
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.rule_set_edit",
        entity="rule_set",
        entity_id=draft.id,
        before=before,
        after={"name": name, "effective_from": effective_from.isoformat()},
    )
    return draft


def publish(
    session: Session, actor: Actor, rule_set_id: int, *, perbup: str, effective_from: date
) -> RuleSet:
    """The draft becomes the version of Perbup ``perbup`` from ``effective_from``."""
    actor.require(REGENCY)
    draft = _draft(session, rule_set_id)
    name = perbup.strip()
    problems: dict[str, Message] = {}
    if not any(ch.isalnum() for ch in name) or len(name) > MAX_NAME:
        problems["perbup"] = M("the Perbup's number, at most %(count)s characters", count=MAX_NAME)
    if effective_from.day != 1:
        problems["effective_from"] = M("the first day of a month")
    if problems:
        raise InvalidInput(M("the rule version cannot be published"), problems)
    parsed = TppRules.model_validate(draft.rules)  # saved checked; read again as data
    _after_locked(session, effective_from)
    before = {"name": draft.name, "status": draft.status}
    draft.name, draft.effective_from, draft.status = name, effective_from, "active"
    draft.rules = parsed.model_dump(mode="json")
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.rule_set_publish",
        entity="rule_set",
        entity_id=draft.id,
        before=before,
        after={"name": name, "effective_from": effective_from.isoformat(), "status": "active"},
    )
    return draft


def discard(session: Session, actor: Actor, rule_set_id: int) -> None:
    """Delete a draft (a published version stays: months were computed with it)."""
    actor.require(REGENCY)
    draft = _draft(session, rule_set_id)
    name = draft.name
    session.execute(delete(RuleSet).where(RuleSet.id == draft.id))
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.rule_set_discard",
        entity="rule_set",
        entity_id=rule_set_id,
        before={"name": name},
    )
