"""Named capabilities: how one app offers data to another without either importing the other.

An app *provides* a capability by declaring it in its manifest with the function
that answers it; an app that wants it declares the name in ``uses``. The core
hands the consumer the provider's function only while the provider is enabled
for the regency, so a consumer always has to handle "absent" (and says so on its
page) instead of failing when a regency did not take the other app.

The records exchanged are declared here, in the core, like CKAN's interfaces:
both sides type against them and neither depends on the other's models.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

CAPABILITY_NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}\.[a-z][a-z0-9_]{1,60}$")


@dataclass(frozen=True, slots=True)
class Capability:
    """One named query an app answers for others: ``provide(session, **params)``.

    ``name`` is ``<app>.<what>``; the registry refuses a name outside the
    declaring app's namespace, so two apps can never answer the same question.
    """

    name: str
    provide: Callable[..., Any]
    description: str = ""


@dataclass(frozen=True, slots=True)
class SubActivityBudget:
    """``ebudgeting.sub_activities``: a sub kegiatan of one year and OPD, with its money.

    ``budget`` is the amount of its current plan (DPA/DPPA once adopted, else
    the RKA draft); ``realization`` the SP2D payments charged to it so far.
    """

    sub_activity_id: int
    code: str
    name: str
    org_unit_id: int
    year: int
    budget: Decimal
    realization: Decimal


@dataclass(frozen=True, slots=True)
class PerformanceIndicator:
    """``ebudgeting.indicators``: a performance indicator of one year and OPD, as the
    RKA/DPA print them (Permendagri 77/2020), for SAKIP's targets to refer to.

    ``kind`` is ``capaian_program`` (of a program), ``hasil`` (of a kegiatan),
    ``keluaran`` (of a sub kegiatan: its output) or ``masukan`` (of a sub kegiatan:
    the money it needs, ``unit`` ``Rupiah``). ``id`` is stable for as long as the
    indicator exists (``<kind>-<number>``): a consumer keeps it to refer to it later.
    """

    id: str
    year: int
    org_unit_id: int
    kind: str
    code: str
    name: str
    indicator: str
    target: Decimal
    unit: str


@dataclass(frozen=True, slots=True)
class ServicePerformance:
    """``pelayanan.service_performance``: how one public service (or an OPD's services
    together, ``service_id`` None) did in one period, as its public figures say.

    ``period`` is ``2026``, ``2026-Q3`` or ``2026-07``. The SKM index (25-100, two
    decimals) and grade are PermenPANRB 14/2017's over the period's respondents, None
    without any. Complaints are those submitted in the period (a service's: naming it;
    an OPD's: dispatched to it); *finished* is the OPD's final answer, *on time* by the
    deadline the regency set when dispatching; ``on_time_percent`` is on time over those
    finished or already past their deadline (None when none is), ``median_days`` the
    working days from dispatch to the final answer. ``promised_days`` is the completion
    time the service's standard promises (None for an OPD or a standard without one).
    """

    org_unit_id: int
    service_id: int | None
    name: str
    period: str
    skm_index: Decimal | None
    skm_grade: str | None
    skm_respondents: int
    complaints_received: int
    complaints_finished: int
    on_time_percent: Decimal | None
    median_days: Decimal | None
    promised_days: int | None = None


class CapabilityNotDeclared(LookupError):
    """An app asked for a capability it did not list in ``uses``: a programming error."""
