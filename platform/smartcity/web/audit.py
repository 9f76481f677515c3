"""The audit log, as the regency's admins read it: filtered, newest first, as diffs.

Entries keep whole before/after snapshots; the page shows only what changed
(a creation shows every value it was created with, a removal every value it
had), so a long record's one changed field stands out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flask import g, render_template, request
from flask_babel import format_date, format_datetime, format_decimal
from sqlalchemy import select

from smartcity.state import platform_state
from smartcity.tenantcore.models import AuditEntry
from smartcity.web import contains_pattern, page_number, paginate, translate
from smartcity.web.access import TENANT_MANAGE, USERS_MANAGE, blueprint, permitted
from smartcity.web.admin_forms import AuditFilterForm
from smartcity.web.audit_words import AuditVocabulary
from smartcity.web.branding import tenant_zone
from smartcity.web.forms import options

ENTRIES_PER_PAGE = 50
#: Longest list or text shown whole; the rest is summarised.
SHOWN_ITEMS = 10
SHOWN_CHARS = 300
#: Snapshot values stored as text that are figures or moments (``"250000000.00"``,
#: ``"2026-01-02"``, ``"2026-01-02T08:00:00+07:00"``). An amount has three digits or
#: more before its point, so codes such as ``1.02`` stay as they are.
_GROUPED_FROM = 100_000
_AMOUNT = re.compile(r"-?\d{3,}\.\d{1,2}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None  # None: the field did not exist before (or after)
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _plain_field(name: str) -> str:
    return name


def show_value(value: Any, field_words: Callable[[str], str] = _plain_field) -> str:
    """A snapshot value as a person reads it: nested records as ``Field: value``, never JSON.

    Long lists and texts are cut, so one huge import cannot flood the page.
    """
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, list):
        items = [show_value(v, field_words) for v in value[:SHOWN_ITEMS]]
        more = len(value) - SHOWN_ITEMS
        return "; ".join(items) + (f"; … (+{more})" if more > 0 else "") if items else "—"
    if isinstance(value, dict):
        text = ", ".join(
            f"{field_words(k)}: {show_value(v, field_words)}" for k, v in value.items()
        )
    else:
        text = _figure(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def _figure(value: Any) -> str:
    """Numbers and moments the Indonesian way (``250.000.000``, ``2 Jan 2026``).

    Small whole numbers stay as they are: a year (2026) or a class (8) is no amount.
    """
    small = isinstance(value, int) and abs(value) < _GROUPED_FROM
    if isinstance(value, int | float | Decimal) and not small and not isinstance(value, bool):
        return _grouped(Decimal(str(value)))
    if not isinstance(value, str):
        return str(value)
    try:
        if _AMOUNT.fullmatch(value):
            return _grouped(Decimal(value))
        if _DAY.fullmatch(value):
            return str(format_date(date.fromisoformat(value), "medium"))
        if _MOMENT.fullmatch(value):
            return str(format_datetime(datetime.fromisoformat(value), "medium"))
    except ValueError:  # shaped like one, but no real day or moment
        pass
    return value


def _grouped(value: Decimal) -> str:
    """``250.000.000``, or with its sen ``250.000.000,50``."""
    return str(format_decimal(value, format="#,##0.00" if value % 1 else "#,##0"))


def audit_changes(
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    field_words: Callable[[str], str] = _plain_field,
) -> list[Change]:
    """The fields that differ between two snapshots, in a stable order, named in words."""
    old, new = before or {}, after or {}
    keys = [*old, *(k for k in new if k not in old)]
    changes = [
        Change(
            field_words(key),
            show_value(old[key], field_words) if key in old else None,
            show_value(new[key], field_words) if key in new else None,
        )
        for key in keys
    ]
    return [c for c in changes if c.changed]


def _fields_of(words: AuditVocabulary, action: str) -> Callable[[str], str]:
    """The snapshot fields of an entry recorded as ``action``, in the reader's words."""
    return lambda code: translate(words.field(code, action))


def vocabulary() -> AuditVocabulary:
    """The core's audit words and those of every app this deployment installs."""
    return AuditVocabulary({m.name: m.audit_labels for m in platform_state().registry})


@blueprint.get("/admin/audit")
@permitted(USERS_MANAGE, TENANT_MANAGE)
def audit_log() -> str:
    form = AuditFilterForm(formdata=request.args)
    words = vocabulary()
    pairs = g.db.execute(select(AuditEntry.entity, AuditEntry.action).distinct()).all()
    actions = sorted(((translate(words.action(p[1])), p[1]) for p in pairs), key=lambda t: t[0])
    entities = sorted(((translate(words.entity(p[0])), p[0]) for p in pairs), key=lambda t: t[0])
    form.action.choices = options([("", "—"), *((code, word) for word, code in actions)])
    form.entity.choices = options([("", "—"), *((code, word) for word, code in entities)])
    valid = form.validate()
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if valid:
        zone = tenant_zone()
        if form.actor.data:
            query = query.where(AuditEntry.actor.ilike(contains_pattern(form.actor.data.strip())))
        if form.action.data:
            query = query.where(AuditEntry.action == form.action.data)
        if form.entity.data:
            query = query.where(AuditEntry.entity == form.entity.data)
        if form.start.data:
            query = query.where(AuditEntry.at >= datetime.combine(form.start.data, time(), zone))
        if form.end.data:
            until = datetime.combine(form.end.data + timedelta(days=1), time(), zone)
            query = query.where(AuditEntry.at < until)
    page = paginate(g.db, query, page_number(), ENTRIES_PER_PAGE)
    # A filter that cannot be read filters nothing; the reason shows by its field.
    return render_template(
        "tenant_web/audit.html",
        form=form,
        page=page,
        changes={
            e.id: audit_changes(e.before, e.after, _fields_of(words, e.action)) for e in page.items
        },
        words=words,
        filtered=valid
        and any(f.data for f in (form.actor, form.action, form.entity, form.start, form.end)),
    )
