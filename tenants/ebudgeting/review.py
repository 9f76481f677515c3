"""TAPD review of the plans: submit, return with notes, lock, reopen.

draft --submit (OPD head)--> submitted --lock (TAPD chair)--> locked
                             submitted --return (TAPD, with notes)--> returned --submit--> ...
locked --reopen (TAPD chair, written reason)--> returned

The chair who locks must not be the person who submitted (``duties.py``, a
regency setting, on by default).

Every step writes a review event (the history and the notes the OPD reads)
and an audit entry. A whole OPD can be submitted or locked in one go.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from smartcity.toolkit import Conflict, InvalidInput, ServiceError, record_audit
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.ebudgeting.messages import _m

from .access import LOCK, REVIEW, SUBMIT, Actor
from .ceilings import get_opd
from .duties import require_not_submitter
from .models import BudgetLine, FiscalYear, ReviewEvent, SubActivity
from .planning import get_sub_activity
from .rules import MIN_REASON
from .years import drafting_open, require_drafting

STATUSES = ("draft", "submitted", "returned", "locked")
#: Each review step as a word in a refusal (translated where it is shown).
ACTION_WORDS = {"submit": "submit", "return": "return", "lock": "lock", "reopen": "reopen"}
# Statuses as words in refusals, listed so pybabel extracts them (see translations/).
STATUS_WORDS = (_m("draft"), _m("submitted"), _m("returned"), _m("locked"))
ACTION_MESSAGES = (_m("submit"), _m("return"), _m("lock"), _m("reopen"))


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    permission: str
    min_note: int  # 0: the note is optional


TRANSITIONS = {
    "submit": Transition(frozenset({"draft", "returned"}), "submitted", SUBMIT, 0),
    "return": Transition(frozenset({"submitted"}), "returned", REVIEW, 3),
    "lock": Transition(frozenset({"submitted"}), "locked", LOCK, 0),
    "reopen": Transition(frozenset({"locked"}), "returned", LOCK, MIN_REASON),
}


def _note(action: str, note: str | None) -> str | None:
    text = (note or "").strip()
    needed = TRANSITIONS[action].min_note
    if len(text) < needed:
        refusal = (
            _m(
                "to return a plan, TAPD writes notes for the OPD (at least %(count)s characters)",
                count=needed,
            )
            if action == "return"
            else _m(
                "to reopen a plan, TAPD writes a written reason (at least %(count)s characters)",
                count=needed,
            )
        )
        raise InvalidInput(refusal, {"note": _m("at least %(count)s characters", count=needed)})
    if len(text) > 4000:
        raise InvalidInput(_m("the note is too long"), {"note": _m("at most 4000 characters")})
    return text or None


def record_event(
    session: Session,
    sub: SubActivity,
    *,
    action: str,
    target: str,
    note: str | None,
    actor: Actor,
) -> ReviewEvent:
    """Move ``sub`` to ``target`` and keep the step in its history and the audit log."""
    event = ReviewEvent(
        sub_activity_id=sub.id,
        action=action,
        from_status=sub.status,
        to_status=target,
        note=note,
        actor=actor.label,
    )
    session.add(event)
    record_audit(
        session,
        actor=actor.label,
        action=f"ebudgeting.review.{action}",
        entity="eb_sub_activity",
        entity_id=sub.id,
        before={"status": sub.status},
        after={"status": target, "note": note, "code": sub.sub_kegiatan_code},
    )
    if action == "submit":
        sub.submitted_by_id = actor.user_id
    sub.status = target
    return event


def _check(session: Session, sub: SubActivity, action: str, actor: Actor) -> Transition:
    if action not in TRANSITIONS:
        raise InvalidInput(
            _m("unknown review action %(action)s", action=action), {"action": _m("unknown")}
        )
    step = TRANSITIONS[action]
    actor.require(step.permission)
    actor.require_unit(sub.org_unit_id)
    fiscal_year = session.get(FiscalYear, sub.fiscal_year_id)
    assert fiscal_year is not None  # noqa: S101 - a foreign key
    require_drafting(fiscal_year)
    if sub.status not in step.sources:
        raise Conflict(
            _m(
                "sub-activity %(code)s cannot take the step %(action)s: it is %(status)s",
                code=sub.sub_kegiatan_code,
                action=_m(ACTION_WORDS[action]),
                status=_m(sub.status),
            ),
            {"status": _m(sub.status)},
        )
    if action == "lock":
        require_not_submitter(session, sub, actor)
    if action == "submit":
        lines = session.scalar(
            select(func.count()).select_from(BudgetLine).where(BudgetLine.sub_activity_id == sub.id)
        )
        if not lines:
            raise Conflict(
                _m(
                    "sub-activity %(code)s has no budget lines to submit",
                    code=sub.sub_kegiatan_code,
                ),
                {"lines": _m("none")},
            )
    return step


def transition(
    session: Session, sub_activity_id: int, action: str, *, note: str | None, actor: Actor
) -> SubActivity:
    """One review step on one sub-activity."""
    sub = get_sub_activity(session, sub_activity_id, actor, for_update=True)
    step = _check(session, sub, action, actor)
    record_event(
        session, sub, action=action, target=step.target, note=_note(action, note), actor=actor
    )
    session.flush()
    return sub


def transition_opd(
    session: Session,
    fiscal_year: FiscalYear,
    org_unit_id: int,
    action: str,
    *,
    note: str | None,
    actor: Actor,
) -> list[SubActivity]:
    """Submit or lock every sub-activity of an OPD that can take the step."""
    if action not in ("submit", "lock"):
        raise InvalidInput(
            _m("a whole OPD can only be submitted or locked"), {"action": _m("submit or lock")}
        )
    unit = get_opd(session, org_unit_id)
    actor.require(TRANSITIONS[action].permission)
    actor.require_unit(unit.id)
    require_drafting(fiscal_year)
    subs = list(
        session.scalars(
            select(SubActivity)
            .where(
                SubActivity.fiscal_year_id == fiscal_year.id,
                SubActivity.org_unit_id == unit.id,
                SubActivity.status.in_(TRANSITIONS[action].sources),
            )
            .order_by(SubActivity.sub_kegiatan_code)
            .with_for_update(of=SubActivity)
        )
    )
    if not subs:
        raise Conflict(
            _m(
                "%(opd)s has no sub-activity that can take the step %(action)s",
                opd=unit.name,
                action=_m(ACTION_WORDS[action]),
            ),
            {"status": _m("nothing to do")},
        )
    text = _note(action, note)
    for sub in subs:
        step = _check(session, sub, action, actor)
        record_event(session, sub, action=action, target=step.target, note=text, actor=actor)
    session.flush()
    return subs


def available_transitions(session: Session, sub: SubActivity, actor: Actor) -> tuple[str, ...]:
    """The review steps ``transition`` would accept from the actor on ``sub`` now.

    The sub-activity page shows a button for each and no other, so the page and
    the service cannot disagree on who may submit, return, lock or reopen.
    """
    allowed = []
    for action in TRANSITIONS:
        try:
            _check(session, sub, action, actor)
        except ServiceError:
            continue
        allowed.append(action)
    return tuple(allowed)


def available_opd_transitions(
    fiscal_year: FiscalYear, org_unit_id: int, statuses: Collection[str], actor: Actor
) -> tuple[str, ...]:
    """The whole-OPD steps (submit, lock) the actor may take, given its plans' ``statuses``.

    ``transition_opd`` checks each plan again; a step is offered when the actor
    holds its permission for the OPD, the year is open for drafting, and some plan
    is in a status the step starts from.
    """
    if not drafting_open(fiscal_year) or not actor.sees_unit(org_unit_id):
        return ()
    return tuple(
        action
        for action in ("submit", "lock")
        if actor.can(TRANSITIONS[action].permission)
        and any(status in TRANSITIONS[action].sources for status in statuses)
    )


def history(session: Session, sub: SubActivity) -> list[ReviewEvent]:
    return list(
        session.scalars(
            select(ReviewEvent)
            .where(ReviewEvent.sub_activity_id == sub.id)
            .order_by(ReviewEvent.at.desc(), ReviewEvent.id.desc())
        )
    )


def open_notes(
    session: Session, fiscal_year: FiscalYear, actor: Actor
) -> list[tuple[SubActivity, ReviewEvent]]:
    """TAPD's latest notes on plans returned to the actor's OPDs, newest first."""
    latest = (
        select(func.max(ReviewEvent.id))
        .where(ReviewEvent.action.in_(("return", "reopen")))
        .group_by(ReviewEvent.sub_activity_id)
        .scalar_subquery()
    )
    query = (
        select(SubActivity, ReviewEvent)
        .join(ReviewEvent, ReviewEvent.sub_activity_id == SubActivity.id)
        .where(
            SubActivity.fiscal_year_id == fiscal_year.id,
            SubActivity.status == "returned",
            ReviewEvent.id.in_(latest),
        )
        .order_by(ReviewEvent.id.desc())
    )
    if actor.unit_ids is not None:
        query = query.where(SubActivity.org_unit_id.in_(actor.unit_ids))
    return [(sub, event) for sub, event in session.execute(query).all()]
