"""What the core knows of e-Kinerja: roles, pages, API, tables, the TPP job, the demo."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

from smartcity.toolkit import N_, AppManifest, BeatEntry, MenuEntry, TranslationCatalogue
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import (
    api,
    api_events,
    api_sanctions,
    api_setup,
    api_tpp,
    demo,
    eventmodels,
    pages,
    pages_events,
    pages_sanctions,
    pages_setup,
    pages_tpp,
    payroll,
    reports,
    sources_api,
    sources_views,
    tppmodels,
)
from .access import APPROVE, PERMISSIONS, REGENCY, ROLES, SELF, UNIT, VIEW_ALL
from .audit_labels import AUDIT_LABELS
from .machine import MACHINE_UPLOADS
from .models import Base, RuleSet, ScheduleRule
from .rules import TppRules

# Imported for their side effects: their tables on the app's metadata, their API
# routes on ``api.spec`` and their pages on ``blueprint.blueprint``.
_ = (
    api_events,
    api_sanctions,
    eventmodels,
    pages_events,
    api_setup,
    api_tpp,
    pages_sanctions,
    pages_setup,
    pages_tpp,
    sources_api,
    sources_views,
    tppmodels,
)


def _enable(session: Session) -> None:
    """Idempotent: default office hours and a default rule version, if there are none.

    The defaults are the domain guide's (UNVERIFIED against any one Perbup); the
    regency replaces them with its own Perbup as a new rule version.
    """
    if session.scalar(select(ScheduleRule.id).limit(1)) is None:
        session.add(
            ScheduleRule(
                org_unit_id=None,
                name="Jam kerja (bawaan)",
                weekdays=[0, 1, 2, 3, 4],
                start_time=time(7, 30),
                end_time=time(16, 0),
            )
        )
    if session.scalar(select(RuleSet.id).limit(1)) is None:
        session.add(
            RuleSet(
                name="Aturan bawaan (belum diverifikasi)",
                effective_from=date(2000, 1, 1),
                status="active",
                rules=TppRules().model_dump(mode="json"),
                created_by="ekinerja",
            )
        )


manifest = AppManifest(
    name="ekinerja",
    title="e-Kinerja",
    version="1",
    description=N_(
        "Attendance, absences, daily work logs and the monthly TPP, every cut explained."
    ),
    roles=ROLES,
    permissions=PERMISSIONS,
    blueprint=pages.web,
    api_blueprint=api.api,
    menu=(
        MenuEntry("e-Kinerja", "ekinerja.index", SELF),
        MenuEntry(N_("My TPP"), "ekinerja.my_tpp", SELF),
        MenuEntry(N_("Leave and duty travel"), "ekinerja.absences_page", SELF),
        MenuEntry(N_("Work logs"), "ekinerja.worklogs_page", SELF),
        MenuEntry(N_("Approval queue"), "ekinerja.queue", APPROVE),
        MenuEntry(N_("Office check-in"), "ekinerja.checkin_page", SELF),
        MenuEntry(N_("Fingerprint machine files"), "ekinerja.machine_files", UNIT),
        MenuEntry(N_("TPP objections"), "ekinerja.objection_queue", UNIT),
        MenuEntry(N_("TPP lists for payment"), "ekinerja.tpp_lists", UNIT),
        MenuEntry(N_("TPP what-if"), "ekinerja.what_if", REGENCY),
        MenuEntry(N_("Sanctions and deductions"), "ekinerja.sanctions_page", UNIT),
        MenuEntry(N_("Assemblies and ceremonies"), "ekinerja.events_page", UNIT),
        # One entry for the set-up: its pages link each other (and the rule versions).
        MenuEntry(N_("Set-up"), "ekinerja.setup_offices", UNIT),
        MenuEntry(N_("Absence requests"), "ekinerja.absence_requests", APPROVE),
        MenuEntry(N_("Attendance recap"), "ekinerja.recap", APPROVE),
        MenuEntry(N_("Discipline dashboard"), "ekinerja.dashboard", VIEW_ALL),
    ),
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    on_enable=_enable,
    reports=reports.REPORTS + payroll.REPORTS,
    upload_checks=(MACHINE_UPLOADS,),
    tasks="tenants.ekinerja.tasks",
    beat=(BeatEntry("skp_sync", "ekinerja.skp_sync", 24 * 3600, jitter=3600),),
    demo=demo.seed,
    translations=TranslationCatalogue(Path(__file__).parent / "translations", "ekinerja"),
    # The regency's audit log shows e-Kinerja's events, records and fields in words.
    audit_labels=AUDIT_LABELS,
)
