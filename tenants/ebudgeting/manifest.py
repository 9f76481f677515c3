"""What the core knows of e-budgeting: roles, pages, API, tables, reference data, links."""

from __future__ import annotations

from pathlib import Path

from smartcity.toolkit import AppManifest, MenuEntry, TranslationCatalogue

from . import api, demo, reports, views
from .access import PERMISSIONS, ROLE_CONFLICTS, ROLES, VIEW
from .audit_labels import AUDIT_LABELS
from .capabilities import CAPABILITIES
from .execution.payment_jobs import PAYMENT_UPLOADS
from .models import Base
from .reference import DATASETS
from .rules import N_

manifest = AppManifest(
    name="ebudgeting",
    title="e-Budgeting",
    version="1",
    description=N_(
        "Budget plans from the standard price catalogue, verified and locked by TAPD, "
        "tracked to realization."
    ),
    roles=ROLES,
    permissions=PERMISSIONS,
    role_conflicts=ROLE_CONFLICTS,
    blueprint=views.web,
    api_blueprint=api.api,
    menu=(
        MenuEntry("e-Budgeting", "ebudgeting.index", VIEW),
        # The regency's admin assigns OPD users without holding an e-budgeting role.
        MenuEntry(N_("e-Budgeting users"), "ebudgeting.members_page", "users.manage"),
    ),
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    # The code tree, accounts and price catalogue reach each regency through the
    # core's reference sync (published once, pushed on enabling and every day).
    datasets=DATASETS,
    demo=demo.seed,
    provides=CAPABILITIES,
    reports=reports.REPORTS,
    # Big SP2D files are imported by a job with progress (``execution.payment_jobs``).
    upload_checks=(PAYMENT_UPLOADS,),
    # The catalogue keeps the file name ``messages`` in the app's own directory.
    translations=TranslationCatalogue(Path(__file__).parent / "translations"),
    audit_labels=AUDIT_LABELS,
)
