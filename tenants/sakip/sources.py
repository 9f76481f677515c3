"""Realization taken from public services' own figures (SKM and complaints).

Where the regency also runs Pelayanan Publik, an OPD links one of its
performance indicators to a measure of one of its services, or of the OPD as
a whole: the SKM index or its respondents, complaints received or finished,
the share finished within the deadline, the median working days to finish.
Pelayanan answers through the core's capability ``pelayanan.service_performance``
(typed records, :class:`~smartcity.toolkit.ServicePerformance`); SAKIP never
reads its tables.

**Offered, then taken: never filled behind the officer's back.** For every
quarter (or month, where the regency reports monthly) that has started, the
realization page shows the figure Pelayanan gives for the linked measure beside
the figure recorded. The OPD takes it with one button ("take from Pelayanan
Publik"); it is then an entry like a typed one: under the quarter's cutoff,
refused once verified, verified by the officer (never by who took it), and kept
with its source (capability, measure, service, period, value as it was) on the
row and in the audit (``sakip.realization.take``). Why not automatic:

- a realization is a figure the OPD vouches for in its LKjIP and the Inspektorat
  audits; a number that moved by itself cannot be vouched for;
- Pelayanan's figures of a quarter keep moving after it ends (complaints of the
  quarter are answered later), so an automatic figure would drift after the
  officer verified it, or silently replace what the officer typed;
- the officer sees both numbers and the source, and a later change is visible
  ("Pelayanan Publik now gives ...") until the figure is verified and locked.

When the regency does not have Pelayanan Publik (the capability is None), no link
can be made and the pages offer none; when it is switched off later, links stay
and say their source is unavailable, figures already taken stay as recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import format_date
from smartcity.toolkit import (
    Conflict,
    InvalidInput,
    NotFound,
    ServicePerformance,
    record_audit,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import realization
from .access import REALIZE, Actor
from .messages import N_, M, _
from .models import IndicatorLink, MonthlyRealization, Realization
from .planning import indicators_by_lineage

CAPABILITY = "pelayanan.service_performance"
#: Measure (a field of ServicePerformance) -> (label, unit), English msgids.
MEASURES = {
    "skm_index": (N_("SKM index (25-100)"), N_("index")),
    "skm_respondents": (N_("SKM respondents"), N_("respondents")),
    "complaints_received": (N_("Complaints received"), N_("complaints")),
    "complaints_finished": (N_("Complaints finished"), N_("complaints")),
    "on_time_percent": (N_("Complaints finished within the deadline"), "%"),
    "median_days": (N_("Median working days to finish a complaint"), N_("working days")),
}
Provider = Callable[..., list[ServicePerformance]]


def unavailable() -> Conflict:
    return Conflict(
        M("Pelayanan Publik is not enabled for this regency: its figures cannot be used"),
        {"source": M("Pelayanan Publik is not enabled")},
    )


def find(
    rows: list[ServicePerformance], org_unit_id: int, service_id: int | None
) -> ServicePerformance | None:
    """The record of the OPD (``service_id`` None) or of one of its services."""
    return next(
        (r for r in rows if r.org_unit_id == org_unit_id and r.service_id == service_id), None
    )


#: The years Pelayanan Publik answers for; a SAKIP page of another year gets no offer.
SOURCE_YEARS = range(2000, 2101)


def choices(provide: Provider | None, org_unit_id: int, year: int) -> list[ServicePerformance]:
    """What an OPD's indicator may be linked to: the OPD itself and each of its services."""
    if provide is None or year not in SOURCE_YEARS:
        return []
    return provide(year=year, org_unit_id=org_unit_id)


def links(session: Session, org_unit_id: int) -> list[IndicatorLink]:
    return list(
        session.scalars(
            select(IndicatorLink)
            .where(IndicatorLink.org_unit_id == org_unit_id)
            .order_by(IndicatorLink.id)
        )
    )


def link(
    session: Session,
    actor: Actor,
    provide: Provider | None,
    *,
    org_unit_id: int,
    indicator_lineage: int,
    measure: str,
    service_id: int | None,
    today: date,
) -> IndicatorLink:
    """Link an OPD's indicator to a measure of the OPD or one of its services (replacing
    the indicator's earlier link)."""
    actor.require(REALIZE)
    actor.require_unit(org_unit_id)
    if provide is None:
        raise unavailable()
    if measure not in MEASURES:
        raise InvalidInput(
            M("choose one of the measures Pelayanan Publik gives"),
            {"measure": ", ".join(MEASURES)},
        )
    indicator = indicators_by_lineage(session, org_unit_id, [indicator_lineage]).get(
        indicator_lineage
    )
    if indicator is None:
        raise InvalidInput(
            M("the indicator is not one of this OPD's"),
            {"indicator_lineage": M("not in the OPD's plans")},
        )
    record = find(choices(provide, org_unit_id, today.year), org_unit_id, service_id)
    if record is None:
        raise InvalidInput(
            M("no such service of this OPD in Pelayanan Publik"),
            {"service_id": M("not a service of this OPD")},
        )
    found = session.scalar(
        select(IndicatorLink).where(
            IndicatorLink.org_unit_id == org_unit_id,
            IndicatorLink.indicator_lineage == indicator_lineage,
        )
    )
    before = None if found is None else _described(found)
    if found is None:
        found = IndicatorLink(org_unit_id=org_unit_id, indicator_lineage=indicator_lineage)
        session.add(found)
    found.source = CAPABILITY
    found.measure = measure
    found.service_id = service_id
    found.label = record.name[:300]
    found.linked_by = actor.user_id
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="sakip.indicator.link",
        entity="sakip_indicator_link",
        entity_id=found.id,
        before=before,
        after=_described(found),
    )
    return found


def _described(found: IndicatorLink) -> dict[str, Any]:
    return {
        "org_unit_id": found.org_unit_id,
        "indicator_lineage": found.indicator_lineage,
        "source": found.source,
        "measure": found.measure,
        "service_id": found.service_id,
        "label": found.label,
    }


def get(session: Session, actor: Actor, link_id: int) -> IndicatorLink:
    found = session.get(IndicatorLink, link_id)
    if found is None or not actor.sees_unit(found.org_unit_id):
        raise NotFound(M("no such link"))
    return found


def unlink(session: Session, actor: Actor, found: IndicatorLink) -> None:
    """Remove a link; figures already taken from it stay as recorded, with their source."""
    actor.require(REALIZE)
    actor.require_unit(found.org_unit_id)
    described = _described(found)
    link_id = found.id
    session.delete(found)
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="sakip.indicator.unlink",
        entity="sakip_indicator_link",
        entity_id=link_id,
        before=described,
    )


# --------------------------------------------------------------------------- offers


@dataclass
class Offer:
    """What the source gives for one quarter (or month): None when it has no figure."""

    period: int
    key: str
    value: Decimal | None


@dataclass
class LinkView:
    """A link as the realization page shows it."""

    link: IndicatorLink
    available: bool  # the source app is enabled for the regency
    found: bool = True  # the service (or OPD) is still in the source's answer
    offers: dict[int, Offer] = field(default_factory=dict)


def _value(record: ServicePerformance, measure: str) -> Decimal | None:
    value = getattr(record, measure, None)
    if value is None or isinstance(value, bool):
        return None
    return Decimal(value)


def _started(year: int, period: int, monthly: bool, today: date) -> bool:
    first_month = period if monthly else period * 3 - 2
    return date(year, first_month, 1) <= today


def views(
    session: Session,
    provide: Provider | None,
    *,
    org_unit_id: int,
    year: int,
    monthly: bool,
    today: date,
) -> dict[int, LinkView]:
    """Indicator lineage -> its link, with the source's figure of every period begun."""
    found = links(session, org_unit_id)
    out = {f.indicator_lineage: LinkView(f, provide is not None) for f in found}
    if provide is None or not found or year not in SOURCE_YEARS:
        return out
    for period in range(1, 13 if monthly else 5):
        if not _started(year, period, monthly, today):
            break
        rows = provide(year=year, org_unit_id=org_unit_id, **_period_kw(period, monthly))
        for view in out.values():
            record = find(rows, org_unit_id, view.link.service_id)
            if record is None:
                view.found = False
                continue
            view.offers[period] = Offer(period, record.period, _value(record, view.link.measure))
    return out


def _period_kw(period: int, monthly: bool) -> dict[str, int]:
    return {"month": period} if monthly else {"quarter": period}


def take(
    session: Session,
    actor: Actor,
    provide: Provider | None,
    *,
    org_unit_id: int,
    indicator_lineage: int,
    year: int,
    quarter: int | None = None,
    month: int | None = None,
    today: date,
) -> Realization:
    """Enter the linked source's figure as the quarter's (or month's) realization.

    The entry goes through :func:`~.realization.enter` (or ``enter_month``) with its
    source, so every rule of a typed figure holds: the signed PK, the cutoff, the
    reporting mode, a verified figure locked. The note already written is kept.
    """
    actor.require(REALIZE)
    actor.require_unit(org_unit_id)
    if (quarter is None) == (month is None):
        raise InvalidInput(M("give a quarter or a month"), {"quarter": M("1 to 4")})
    if quarter is not None and not 1 <= quarter <= 4:
        raise InvalidInput(M("a quarter is 1 to 4"), {"quarter": M("1 to 4")})
    if month is not None and not 1 <= month <= 12:
        raise InvalidInput(M("a month is 1 to 12"), {"month": M("1 to 12")})
    if year not in SOURCE_YEARS:
        raise InvalidInput(M("give the year"), {"year": M("2000 to 2100")})
    found = session.scalar(
        select(IndicatorLink).where(
            IndicatorLink.org_unit_id == org_unit_id,
            IndicatorLink.indicator_lineage == indicator_lineage,
        )
    )
    if found is None:
        raise NotFound(M("this indicator is not linked to Pelayanan Publik"))
    if provide is None:
        raise unavailable()
    period = quarter if quarter is not None else month
    assert period is not None  # noqa: S101 - exactly one of them was checked above
    rows = provide(year=year, org_unit_id=org_unit_id, **_period_kw(period, month is not None))
    record = find(rows, org_unit_id, found.service_id)
    if record is None:
        raise Conflict(
            M("the linked service is no longer in Pelayanan Publik"),
            {"service_id": M("not found")},
        )
    value = _value(record, found.measure)
    if value is None:
        raise Conflict(
            M(
                "Pelayanan Publik has no figure of this measure for %(period)s",
                period=record.period,
            ),
            {"value": M("no figure")},
        )
    source: dict[str, Any] = {
        "capability": CAPABILITY,
        "measure": found.measure,
        "service_id": found.service_id,
        "name": record.name,
        "period": record.period,
        "value": str(value),
    }
    if month is not None:
        earlier = session.scalar(
            select(MonthlyRealization.note).where(
                MonthlyRealization.org_unit_id == org_unit_id,
                MonthlyRealization.indicator_lineage == indicator_lineage,
                MonthlyRealization.year == year,
                MonthlyRealization.month == month,
            )
        )
        return realization.enter_month(
            session,
            actor,
            org_unit_id=org_unit_id,
            indicator_lineage=indicator_lineage,
            year=year,
            month=month,
            value=value,
            note=earlier or "",
            today=today,
            source=source,
        )
    earlier = session.scalar(
        select(Realization.note).where(
            Realization.org_unit_id == org_unit_id,
            Realization.indicator_lineage == indicator_lineage,
            Realization.year == year,
            Realization.quarter == quarter,
        )
    )
    return realization.enter(
        session,
        actor,
        org_unit_id=org_unit_id,
        indicator_lineage=indicator_lineage,
        year=year,
        quarter=period,
        value=value,
        note=earlier or "",
        today=today,
        source=source,
    )


def described(source: dict[str, Any] | None) -> str:
    """A recorded source in words, in the reader's language (pages)."""
    if not source:
        return ""
    label = MEASURES.get(str(source.get("measure")), ("", ""))[0]
    return M(
        "from Pelayanan Publik: %(measure)s, %(name)s, %(period)s",
        measure=_(label) if label else str(source.get("measure")),
        name=str(source.get("name", "")),
        period=period_words(str(source.get("period", ""))),
    ).localized()


_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}


def period_words(key: str) -> str:
    """Pelayanan's period key (``2027``, ``2027-Q1``, ``2027-S2``, ``2027-03``) as the
    reader says it: "triwulan I 2027", "Maret 2027"; an unknown key as it is."""
    year, _sep, part = key.partition("-")
    if not re.fullmatch("[0-9]{4}", year):
        return key
    if not part:
        return year
    if part[:1] == "Q" and part[1:] in _ROMAN:
        return M("quarter %(n)s %(year)s", n=_ROMAN[part[1:]], year=year).localized()
    if part in ("S1", "S2"):
        return M("semester %(n)s %(year)s", n=_ROMAN[part[1:]], year=year).localized()
    if re.fullmatch("[0-9]{2}", part) and 1 <= int(part) <= 12:
        return str(format_date(date(int(year), int(part), 1), "MMMM y"))
    return key
