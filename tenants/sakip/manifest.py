"""What the core knows of SAKIP online: roles, pages, API, tables, reports, links."""

from __future__ import annotations

from pathlib import Path

from smartcity.toolkit import AppManifest, BeatEntry, MenuEntry, TranslationCatalogue

from . import api, blueprint, demo, evaluation, reports
from .access import PERMISSIONS, ROLE_CONFLICTS, ROLES, VIEW
from .audit_labels import AUDIT_LABELS
from .messages import N_
from .models import Base

manifest = AppManifest(
    name="sakip",
    title="SAKIP online",
    version="1",
    description=N_(
        "Performance accountability: the RPJMD, Renstra and Renja with their indicators, "
        "performance agreements, quarterly realization and achievement."
    ),
    roles=ROLES,
    permissions=PERMISSIONS,
    role_conflicts=ROLE_CONFLICTS,
    blueprint=blueprint.web,
    api_blueprint=api.api,
    menu=(
        MenuEntry("SAKIP", "sakip.index", VIEW),
        # The regency's admin assigns OPD users without holding a SAKIP role; the
        # SAKIP admin reaches the page from the dashboard.
        MenuEntry(N_("SAKIP users and rules"), "sakip.admin_page", "users.manage"),
    ),
    reports=reports.REPORTS,
    # Daily: each OPD's SAKIP officers hear of indicators projected in the red band
    # (once per quarter per indicator; see tenants/sakip/warnings.py).
    beat=(BeatEntry("early-warnings", "sakip.early_warnings", 86400, jitter=1800),),
    tasks="tenants.sakip.warnings",
    demo=demo.seed,
    # The default evaluation worksheet (LKE) is data, installed once per regency.
    on_enable=evaluation.on_enable,
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    # The PK's budget comes from e-Budgeting when the regency has it; typed otherwise.
    # Indicators linked to public services take their figures from Pelayanan Publik.
    uses=("ebudgeting.sub_activities", "pelayanan.service_performance"),
    translations=TranslationCatalogue(Path(__file__).parent / "translations", "sakip"),
    # The regency's audit log shows SAKIP's events, records and fields in words.
    audit_labels=AUDIT_LABELS,
)
