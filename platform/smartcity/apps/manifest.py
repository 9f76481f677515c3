"""What an app tells the core about itself.

The core never imports an app: it reads manifests, found through the
``smartcity.apps`` entry point group or the ``APPS`` setting, and talks to the
app only through the fields below.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from celery import schedules

from smartcity.apps.capabilities import CAPABILITY_NAME, Capability
from smartcity.apps.datasets import Dataset
from smartcity.apps.roles import Permission, Role

if TYPE_CHECKING:
    from flask import Blueprint
    from sqlalchemy import MetaData
    from sqlalchemy.orm import Session

    from smartcity.jobs.uploads import UploadCheck
    from smartcity.public import SpamGuard
    from smartcity.reports.registry import Report

APP_NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


@dataclass(frozen=True, slots=True)
class MenuEntry:
    """A link in the tenant's navigation, shown only while the app is enabled."""

    title: str
    endpoint: str
    permission: str | None = None


@dataclass(frozen=True, slots=True)
class BeatEntry:
    """A periodic task; beat fans it out to every active tenant that enabled the app.

    Exactly one of ``seconds`` (an interval) and ``crontab`` (a
    ``celery.schedules.crontab``, in the beat's time zone) says when. Each regency's
    run is then delayed by an offset between 0 and ``jitter`` seconds derived from
    its slug and the task (``worker.tasks.jitter_offset``): the same every time for a
    regency, different between regencies, so a thousand regencies do not all start
    at once and each one's runs stay evenly spaced.
    """

    name: str
    task: str
    seconds: float | None = None
    crontab: schedules.crontab | None = None
    jitter: float = 30.0

    @property
    def schedule(self) -> float | schedules.crontab:
        """What Celery beat takes: the interval in seconds or the crontab."""
        if self.crontab is not None:
            return self.crontab
        if self.seconds is None:
            raise ValueError(f"beat entry {self.name!r} has neither seconds nor crontab")
        return self.seconds

    def problems(self) -> list[str]:
        found = []
        if (self.seconds is None) == (self.crontab is None):
            found.append(f"beat entry {self.name!r} needs exactly one of seconds and crontab")
        if self.seconds is not None and self.seconds <= 0:
            found.append(f"beat entry {self.name!r}: seconds must be positive")
        if not 0 <= self.jitter <= 24 * 3600:
            found.append(f"beat entry {self.name!r}: jitter must be 0 to 86400 seconds")
        return found


@dataclass(frozen=True, slots=True)
class TranslationCatalogue:
    """Where an app's message catalogues are: ``<directory>/<locale>/LC_MESSAGES/<domain>.mo``.

    The core configures Flask-Babel with the core's domain and every app's
    (templates see them merged, the core's winning on a shared msgid) and gives the
    app a ``gettext`` bound to its own domain (``smartcity.toolkit.translations``),
    falling back to the core's.
    """

    directory: Path
    domain: str = "messages"


@dataclass(frozen=True, slots=True)
class RoleConflict:
    """Two of the app's roles that one person must not hold together.

    Separation of duties: whoever prepares something must not also be the one
    who approves it. ``roles`` are keys of the manifest's ``roles``, exactly as
    declared there, and the registry turns them into the names users carry the
    same way it turns the role keys (see ``AppRegistry.role_conflicts``), so a
    later change of role naming (e.g. namespacing) changes the registry and
    leaves the declaration as it is. ``reason`` is English, marked for the app's
    catalogue; people read it when an assignment is refused.
    """

    roles: tuple[str, str]
    reason: str


@dataclass(frozen=True, slots=True)
class AppManifest:
    """A granted app as the core sees it.

    ``roles`` are carried by users as ``<name>.<key>`` and grant their
    permissions only while the app is enabled for that tenant; ``permissions``
    describes every permission they grant, all named ``<name>.<what>`` (see
    ``smartcity.apps.roles``). ``role_conflicts`` lists pairs of those roles
    nobody may hold together.
    """

    name: str
    title: str
    version: str
    description: str = ""
    requires: tuple[str, ...] = ()
    roles: tuple[Role, ...] = ()
    permissions: tuple[Permission, ...] = ()
    role_conflicts: tuple[RoleConflict, ...] = ()
    blueprint: Callable[[], Blueprint] | None = None
    api_blueprint: Callable[[], Blueprint] | None = None
    menu: tuple[MenuEntry, ...] = ()
    beat: tuple[BeatEntry, ...] = ()
    metadata: MetaData | None = None
    migrations: Path | None = None
    on_enable: Callable[[Session], None] | None = None
    #: Fills a freshly seeded demo regency (tenant session, its region code) with the
    #: app's demo data, after its org units, staff and users exist; idempotent.
    demo: Callable[[Session, str], Mapping[str, int]] | None = None
    #: Capabilities this app answers for other apps (see smartcity.apps.capabilities).
    provides: tuple[Capability, ...] = ()
    #: Capability names this app asks for; each may be absent for a regency.
    uses: tuple[str, ...] = ()
    #: Reference datasets this app keeps in every regency that enables it, in the
    #: order they apply; pushed and versioned by the core's reference sync.
    datasets: tuple[Dataset, ...] = ()
    #: The app's reports (``smartcity.reports.Report``, each naming the renderer of
    #: any format it renders itself); the core's job catalogue reads them from here.
    reports: tuple[Report[Any], ...] = ()
    #: The app's importers whose big files a job checks (``smartcity.jobs.uploads``,
    #: kind ``upload:<name>``); the core's job catalogue reads them from here.
    upload_checks: tuple[UploadCheck, ...] = ()
    #: The module declaring the app's Celery tasks (``worker.tasks.tenant_task``),
    #: imported by the worker when it starts; the core never looks for one by name.
    tasks: str | None = None
    #: The app's message catalogue and its Flask-Babel domain.
    translations: TranslationCatalogue | None = None
    #: Pages served without sign-in on the regency's host (rate limited, CSRF on
    #: forms, spam-guarded with ``smartcity.public``); mounted at ``/p/<app>/``.
    public_blueprint: Callable[[], Blueprint] | None = None
    #: A JSON API served without sign-in (rate limited), mounted at
    #: ``/api/v1/public/<app>/``; its operations are marked public in the OpenAPI.
    public_api_blueprint: Callable[[], Blueprint] | None = None
    #: Runs in the regency's transaction when the app is disabled (its data stays);
    #: like ``on_enable`` it must be idempotent.
    on_disable: Callable[[Session], None] | None = None
    #: The public forms' spam guard; None: the core's honeypot and minimum fill time.
    spam_guard: SpamGuard | None = None
    #: Words for the app's audit codes (events, entities and snapshot fields, e.g.
    #: ``"ebudgeting.line.create": N_("Budget line added")``), untranslated msgids
    #: of the app's catalogue: the regency's audit log shows these, not the codes.
    audit_labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def required_apps(self) -> tuple[str, ...]:
        """The apps that must be enabled first.

        ``requires`` names apps (``noticeboard``) or capabilities
        (``ebudgeting.sub_activities``); a capability is answered by the app its name
        starts with, so requiring it means requiring that app (which the registry
        checks really provides it). Unlike ``uses``, a required capability is never
        absent: enabling waits for its provider, and the provider cannot be
        disabled under the app.
        """
        apps: list[str] = []
        for requirement in self.requires:
            app = requirement.split(".", maxsplit=1)[0]
            if app not in apps:
                apps.append(app)
        return tuple(apps)

    def check(self) -> list[str]:
        """Problems with this manifest alone (the registry checks cross-references)."""
        problems = []
        if not APP_NAME.fullmatch(self.name):
            problems.append(f"{self.name!r}: name must match {APP_NAME.pattern}")
        if self.metadata is not None and self.migrations is None:
            problems.append(f"{self.name}: has models but no migrations folder")
        if self.migrations is not None and not self.migrations.is_dir():
            problems.append(f"{self.name}: migrations folder {self.migrations} is missing")
        if self.name in self.required_apps:
            problems.append(f"{self.name}: requires itself")
        problems.extend(
            f"{self.name}: requires {r!r}, neither an app nor a capability name"
            for r in self.requires
            if not (APP_NAME.fullmatch(r) or CAPABILITY_NAME.fullmatch(r))
        )
        for entry in self.beat:
            problems.extend(f"{self.name}: {p}" for p in entry.problems())
        problems.extend(
            f"{self.name}: report {r.name!r} must say app={self.name!r}"
            for r in self.reports
            if r.app != self.name
        )
        problems.extend(
            f"{self.name}: upload check {c.name!r} must say app={self.name!r} and be "
            f"named {self.name}_<what>"
            for c in self.upload_checks
            if c.app != self.name or not c.name.startswith(f"{self.name}_")
        )
        for report in self.reports:
            problems.extend(
                f"{self.name}: report {report.name!r} has a {fmt.value} renderer but not "
                "that format"
                for fmt in report.renderers
                if fmt not in report.formats
            )
        problems.extend(
            f"{self.name}: capability {cap.name!r} must be named {self.name}.<what>"
            for cap in self.provides
            if not CAPABILITY_NAME.fullmatch(cap.name) or cap.name.split(".")[0] != self.name
        )
        problems.extend(
            f"{self.name}: dataset {d.name!r} must be named {self.name}.<what>"
            for d in self.datasets
            if not CAPABILITY_NAME.fullmatch(d.name) or d.name.split(".")[0] != self.name
        )
        names = [cap.name for cap in self.provides]
        problems.extend(
            f"{self.name}: capability {n!r} declared twice"
            for n in sorted(set(names))
            if names.count(n) > 1
        )
        problems.extend(
            f"{self.name}: uses {n!r}, which is not a capability name"
            for n in self.uses
            if not CAPABILITY_NAME.fullmatch(n)
        )
        problems.extend(
            f"{self.name}: uses its own capability {n!r}"
            for n in self.uses
            if n.split(".")[0] == self.name
        )
        for conflict in self.role_conflicts:
            first, second = conflict.roles
            problems.extend(
                f"{self.name}: role conflict names unknown role {role!r}"
                for role in conflict.roles
                if role not in {r.key for r in self.roles}
            )
            if first == second:
                problems.append(f"{self.name}: role {first!r} cannot conflict with itself")
            if not conflict.reason.strip():
                problems.append(f"{self.name}: role conflict {first}/{second} needs a reason")
        return problems
