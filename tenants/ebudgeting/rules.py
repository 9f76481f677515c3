"""Budget rules that explain themselves, and TAPD's written override.

Every refusal names its rule and the numbers involved, because automated rules
that wrongly struck legitimate items killed earlier grants: a civil servant
must be able to see why, and TAPD must be able to let a justified exception
through. Only the rules marked ``overridable`` can be overridden, only by a
holder of ``ebudgeting.override``, and only with a written reason that the
audit log keeps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from smartcity.toolkit import InvalidInput, Message, record_audit
from sqlalchemy.orm import Session

from tenants.ebudgeting.messages import _m


def N_(message: str) -> str:  # noqa: N802 - the name pybabel extracts
    """Mark an English phrase for the app's catalogue; pages translate it when shown."""
    return message


#: rule id -> a short English title (pages translate it)
RULES = {
    "catalogue_price": N_("price within the catalogue maximum"),
    "catalogue_account": N_("account allowed for the catalogue item"),
    "coefficient_unit": N_("coefficient counts the unit the item is priced per"),
    "code_hierarchy": N_("code nests under its parent"),
    "government_level": N_("kegiatan level digit 2 (kabupaten/kota)"),
    "sub_activity_ceiling": N_("sub-activity lines within its ceiling"),
    "opd_pagu": N_("OPD total within its pagu"),
    "locked": N_("nothing editable once locked"),
    "realization_floor": N_("budget not below what was already paid"),
    "dpa_line_budget": N_("payments within the DPA line"),
    "cash_plan_total": N_("cash plan equals the DPA"),
    "separation_of_duties": N_("whoever submits a plan does not lock it"),
}
OVERRIDABLE = frozenset(
    {
        "catalogue_price",
        "catalogue_account",
        "coefficient_unit",
        "sub_activity_ceiling",
        "opd_pagu",
    }
)
MIN_REASON = 10
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Violation:
    """One broken rule: ``template`` is an English msgid of e-Budgeting's catalogue with
    ``%(name)s`` placeholders for ``params`` (already formatted; a param that is itself
    a Message is translated too), so the refusal reads naturally in either language.
    The rule's id travels beside the sentence (the API's ``fields``, the audit log),
    never glued into it."""

    rule: str
    template: str
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def overridable(self) -> bool:
        return self.rule in OVERRIDABLE

    @property
    def message(self) -> Message:
        return _m(self.template, **self.params)

    @property
    def text(self) -> str:
        """The sentence in English."""
        return str(self.message)


class RuleViolation(InvalidInput):
    """A change refused by one or more budget rules; ``fields`` maps each rule to its
    message. The error's message is the first rule's (with how many more broke)."""

    code = "rule_violation"

    def __init__(self, violations: Sequence[Violation], note: str | None = None) -> None:
        self.violations = list(violations)
        self.note = _m(note) if note else None
        messages = [v.message for v in self.violations]
        message = (
            messages[0]
            if len(messages) == 1
            else _m(
                "%(first)s; and %(count)s more budget rule(s)",
                first=messages[0],
                count=len(messages) - 1,
            )
        )
        if self.note:
            message = _m("%(refusal)s (%(note)s)", refusal=message, note=self.note)
        super().__init__(message, {v.rule: v.message for v in self.violations})

    def localized_texts(self) -> list[str]:
        """Each broken rule's message in the reader's language (and the note)."""
        texts = [v.message.localized() for v in self.violations]
        if self.note:
            texts.append(self.note.localized())
        return texts


@dataclass(frozen=True)
class Override:
    """The rules TAPD let through for one change, and why."""

    violations: tuple[Violation, ...]
    reason: str

    @property
    def note(self) -> str:
        rules = ", ".join(v.rule for v in self.violations)
        return f"{rules}: {self.reason}"


def enforce(
    violations: Sequence[Violation], *, may_override: bool, reason: str | None
) -> Override | None:
    """Refuse the change unless every violation may be, and is, overridden.

    Returns the override to record (``record_override``) once the change has
    an id, or None when no rule was broken.
    """
    if not violations:
        return None
    reason = (reason or "").strip()
    hard = [v for v in violations if not v.overridable]
    if hard or not reason:
        raise RuleViolation(violations)
    if not may_override:
        raise RuleViolation(violations, "only TAPD can override a rule, with a written reason")
    if len(reason) < MIN_REASON:
        raise InvalidInput(
            _m(
                "an override needs a written reason of at least %(count)s characters",
                count=MIN_REASON,
            ),
            {"override_reason": _m("at least %(count)s characters", count=MIN_REASON)},
        )
    return Override(tuple(violations), reason)


def record_override(
    session: Session, override: Override | None, *, actor: str, entity: str, entity_id: object
) -> None:
    """Keep TAPD's reason in the audit log, next to the numbers it overrode."""
    if override is None:
        return
    detail: dict[str, Any] = {
        "rules": [v.rule for v in override.violations],
        "messages": [v.text for v in override.violations],
        "reason": override.reason,
    }
    record_audit(
        session,
        actor=actor,
        action="ebudgeting.rule_override",
        entity=entity,
        entity_id=entity_id,
        after=detail,
    )
