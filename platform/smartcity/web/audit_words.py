"""The audit log's vocabulary: what each recorded code means, in words a regency's admin reads.

Entries store stable codes (``org_unit.create``, ``accent_color``) so they can
be filtered and exported; the page shows them as words in the reader's
language. The core names its own codes here; an app names its own in its
manifest (``AppManifest.audit_labels``), so a new app's events read as well as
the core's. A code nobody named is shown humanised (``password link``) rather
than raw, so a missing label is ugly but never unreadable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from smartcity.web import N_

#: Events (``AuditEntry.action``) of the core, tenant side and platform side.
ACTIONS: Mapping[str, str] = {
    "app.enable": N_("App enabled"),
    "app.disable": N_("App disabled"),
    "domain.add": N_("Domain added"),
    "domain.remove": N_("Domain removed"),
    "holiday.create": N_("Holiday added"),
    "holiday.delete": N_("Holiday removed"),
    "job.submit": N_("Report or job requested"),
    "job.cancel": N_("Report or job cancelled"),
    "job.expire": N_("Report file expired"),
    "operator.create": N_("Operator created"),
    "operator.reset": N_("Operator's password reset"),
    "operator.password_change": N_("Operator's password changed"),
    "operator.password_link": N_("Operator's password reset link sent"),
    "operator.totp_enable": N_("Two-step sign-in turned on"),
    "operator.totp_disable": N_("Two-step sign-in turned off"),
    "org_unit.create": N_("Org unit created"),
    "org_unit.update": N_("Org unit changed"),
    "reference.publish": N_("Reference data published"),
    "reference.sync": N_("Reference data updated"),
    "roster.upload": N_("Staff roster uploaded"),
    "roster.apply": N_("Staff roster applied"),
    "settings.update": N_("Settings changed"),
    "settings.jobs": N_("Report settings changed"),
    "siasn.configure": N_("SIASN sync configured"),
    "staff.create": N_("Staff member added"),
    "staff.update": N_("Staff member changed"),
    "staff.sync": N_("Staff synced from SIASN"),
    "support.request": N_("Support access requested"),
    "support.start": N_("Support access started"),
    "support.end": N_("Support access ended"),
    "tenant.provision": N_("Regency provisioned"),
    "tenant.suspend": N_("Regency suspended"),
    "tenant.resume": N_("Regency resumed"),
    "tenant.archive": N_("Regency archived"),
    "tenant.export": N_("Regency data exported"),
    "tenant.restore": N_("Regency restored from an export"),
    "tenant.purge": N_("Regency data purged"),
    "user.create": N_("User created"),
    "user.update": N_("User changed"),
    "user.password_link.invite": N_("Invitation link created"),
    "user.password_link.reset": N_("Password reset link created"),
}

#: What an entry is about (``AuditEntry.entity``).
ENTITIES: Mapping[str, str] = {
    "app": N_("App"),
    "holiday": N_("Holiday"),
    "job": N_("Report or job"),
    "org_unit": N_("Org unit"),
    "reference_dataset": N_("Reference data"),
    "request": N_("Support request"),
    "roster_import": N_("Roster import"),
    "settings": N_("Settings"),
    "staff": N_("Staff member"),
    "staff_sync_run": N_("SIASN sync"),
    "user": N_("User"),
}

#: Field names in the before/after snapshots.
FIELDS: Mapping[str, str] = {
    "accent_color": N_("Accent colour"),
    "birth_date": N_("Date of birth"),
    "code": N_("Code"),
    "created": N_("Created"),
    "created_nips": N_("NIPs added"),
    "display_name": N_("Name shown"),
    "echelon": N_("Echelon"),
    "email": N_("E-mail"),
    "golongan": N_("Rank (golongan)"),
    "is_active": N_("Active"),
    "kind": N_("Kind"),
    "logo": N_("Logo"),
    "name": N_("Name"),
    "nip": N_("NIP"),
    "org_units": N_("Org units"),
    "parent_id": N_("Parent unit"),
    "position": N_("Position"),
    "position_class": N_("Position class"),
    "primary_color": N_("Main colour"),
    "region_code": N_("Region code"),
    "roles": N_("Roles"),
    "sex": N_("Sex"),
    "staff": N_("Staff"),
    "status": N_("Status"),
    "supervisor_id": N_("Supervisor"),
    "supervisors": N_("Supervisors linked"),
    "timezone": N_("Time zone"),
    "unchanged": N_("Unchanged"),
    "unit_id": N_("Org unit"),
    "updated": N_("Changed"),
    "version": N_("Version"),
    "weekly_hours": N_("Working hours a week"),
    "work_days": N_("Working days"),
}


def humanise(code: str) -> str:
    """``user.password_link.invite`` -> ``User · password link · invite``: readable, if plain."""
    parts = [p.replace("_", " ") for p in re.split(r"[.]", code) if p]
    text = " · ".join(parts)
    return text[:1].upper() + text[1:]


class AuditVocabulary:
    """The core's words plus those of every installed app, looked up by code.

    ``app_labels`` is each app's words by the app's name, the prefix of its action
    codes (``ekinerja.office``). Two apps may use one snapshot key for different
    things (SAKIP's ``unit`` is a unit of measure, e-Kinerja's an org unit), so an
    entry's entity and fields are named by its own app's words first.
    """

    def __init__(self, app_labels: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self._labels: dict[str, str] = {**ACTIONS, **ENTITIES, **FIELDS}
        self._by_app = dict(app_labels or {})
        for labels in self._by_app.values():
            self._labels.update(labels)

    def _own(self, code: str, action: str | None) -> str | None:
        """``code`` in the words of the app that recorded ``action``, if it names it."""
        if not action:
            return None
        return self._by_app.get(action.partition(".")[0], {}).get(code)

    def label(self, code: str) -> str | None:
        """The untranslated msgid naming ``code``, or None if nobody named it."""
        return self._labels.get(code)

    def action(self, code: str) -> str:
        """The msgid for an event; an app's member assignments read alike for every app."""
        if code in self._labels:
            return self._labels[code]
        if code.endswith(".members.set"):
            return N_("Org units of a user set")
        return humanise(code)

    def entity(self, code: str, action: str | None = None) -> str:
        return self._own(code, action) or self._labels.get(code) or humanise(code)

    def field(self, code: str, action: str | None = None) -> str:
        return self._own(code, action) or self._labels.get(code) or humanise(code)
