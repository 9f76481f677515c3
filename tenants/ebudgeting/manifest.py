"""What the core knows of e-budgeting: roles, pages, API, tables and the enable hook."""

from __future__ import annotations

from pathlib import Path

from smartcity.apps import AppManifest, BeatEntry, MenuEntry
from sqlalchemy.orm import Session

from . import api, blueprint, demo
from .access import ROLE_CONFLICTS, ROLES, VIEW
from .models import Base
from .reference import load_packaged
from .rules import N_


def _enable(session: Session) -> None:
    """Load (or bring up to date) the code tree, accounts and price catalogue.

    Idempotent and versioned: re-enabling, or enabling on a tenant that already
    holds the current versions, changes nothing.
    """
    load_packaged(session)


manifest = AppManifest(
    name="ebudgeting",
    title="e-Budgeting",
    version="1",
    description=N_(
        "Budget plans from the standard price catalogue, verified and locked by TAPD, "
        "tracked to realization."
    ),
    roles=ROLES,
    role_conflicts=ROLE_CONFLICTS,
    blueprint=blueprint.web,
    api_blueprint=api.api,
    menu=(
        MenuEntry("e-Budgeting", "ebudgeting.index", VIEW),
        # The regency's admin assigns OPD users without holding an e-budgeting role.
        MenuEntry(N_("e-Budgeting users"), "ebudgeting.members_page", "users.manage"),
    ),
    beat=(BeatEntry("sync_reference", "ebudgeting.sync_reference", 24 * 3600),),
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    on_enable=_enable,
    demo=demo.seed,
)
