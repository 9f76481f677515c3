"""What the core knows of public services: roles, pages, API, public pages, tables, beat."""

from __future__ import annotations

from pathlib import Path

from smartcity.toolkit import AppManifest, BeatEntry, Capability, MenuEntry, TranslationCatalogue

# staff_pages adds the editing pages to the staff blueprint when imported.
from . import api, blueprint, demo, performance, public, reports, staff_pages  # noqa: F401
from .access import PERMISSIONS, ROLES, VIEW
from .audit_labels import AUDIT_LABELS
from .messages import N_
from .models import Base

manifest = AppManifest(
    name="pelayanan",
    title="Pelayanan Publik",
    version="1",
    description=N_(
        "Service standards, complaints from citizens without an account, and the "
        "satisfaction survey."
    ),
    roles=ROLES,
    permissions=PERMISSIONS,
    blueprint=blueprint.web,
    api_blueprint=api.api,
    public_blueprint=public.pages,
    public_api_blueprint=public.api,
    menu=(MenuEntry(N_("Public services"), "pelayanan.index", VIEW),),
    # Hourly: an escalation lands within the hour of entering the margin.
    beat=(
        BeatEntry("deadlines", "pelayanan.deadlines", 3600, jitter=600),
        # Every 30 minutes: LAPOR sees a new complaint within the half hour.
        BeatEntry("lapor_sync", "pelayanan.lapor_sync", 1800, jitter=900),
    ),
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    reports=reports.REPORTS,
    demo=demo.seed,
    tasks="tenants.pelayanan.periodic",
    translations=TranslationCatalogue(Path(__file__).parent / "translations", "pelayanan"),
    # The regency's audit log shows the app's events, records and fields in words.
    audit_labels=AUDIT_LABELS,
    # SAKIP (or any app) reads a service's or an OPD's complaint and SKM figures of a
    # period here, to fill performance indicators with them.
    provides=(
        Capability(
            performance.CAPABILITY,
            performance.service_performance,
            "Per OPD and per service, for a year, quarter or month: SKM index, grade and "
            "respondents; complaints received and finished, the share finished on time, "
            "the median working days to the final answer.",
        ),
    ),
)
