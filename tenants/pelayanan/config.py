"""The regency's own rules for complaints (and the survey's quota), with DOMAIN.md's defaults.

The deadlines of SP4N-LAPOR! (verify in 3 working days, OPD answers in 5,
close 10 working days after the answer) are not verified against the
regulation's text (see ../shared/research/apps-anchors.md, 3b), so each is a
setting every regency may change. Kept in the regency's ``settings.values``
JSON under ``pelayanan``, like e-Budgeting's duties setting.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from smartcity.toolkit import InvalidInput, record_audit, tenant_settings
from sqlalchemy.orm import Session

KEY = "pelayanan"
#: Each setting's bounds: a regency may not set a deadline of zero or of years.
BOUNDS = {
    "verify_days": (1, 30),
    "respond_days": (1, 60),
    "close_after_days": (1, 60),
    "escalate_before_days": (0, 10),
    "max_attachments": (0, 10),
    "max_attachment_kb": (50, 10_240),
    "survey_answers_per_day": (1, 1000),
}


@dataclass(frozen=True)
class ComplaintRules:
    verify_days: int = 3
    respond_days: int = 5
    close_after_days: int = 10
    #: Escalate to the coordinator (and the OPD head) this many working days before a deadline.
    escalate_before_days: int = 1
    max_attachments: int = 3
    max_attachment_kb: int = 2048
    #: SKM answers one address may give one service in a day (the regency's date).
    #: Ten lets a family or a few neighbours behind one home connection answer, and
    #: stops one person stuffing a service's index; a regency whose offices collect
    #: answers on one kiosk or one public Wi-Fi (one address for everyone) raises it.
    survey_answers_per_day: int = 10

    @property
    def max_attachment_bytes(self) -> int:
        return self.max_attachment_kb * 1024


def rules(session: Session) -> ComplaintRules:
    stored = (tenant_settings(session).values or {}).get(KEY) or {}
    known = {f.name for f in fields(ComplaintRules)}
    return ComplaintRules(**{k: int(v) for k, v in stored.items() if k in known})


def update(session: Session, changes: dict[str, Any], *, actor: str) -> ComplaintRules:
    problems: dict[str, str] = {}
    clean: dict[str, int] = {}
    for key, value in changes.items():
        if key not in BOUNDS:
            problems[key] = "not a setting"
            continue
        low, high = BOUNDS[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems[key] = f"a whole number from {low} to {high}"
        else:
            clean[key] = value
    if problems:
        raise InvalidInput("the settings are not valid", problems)
    before = rules(session)
    after = ComplaintRules(**{**asdict(before), **clean})
    row = tenant_settings(session)
    row.values = {**(row.values or {}), KEY: asdict(after)}  # a new dict: JSONB sees assignment
    record_audit(
        session,
        actor=actor,
        action="pelayanan.settings",
        entity="settings",
        before=asdict(before),
        after=asdict(after),
    )
    return after
