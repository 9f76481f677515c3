"""The core as a granted app sees it: the one module an app imports from the core.

Modelled on CKAN's ``plugins.toolkit``: the core may move things around behind
these names without breaking an app (import-linter refuses an app that imports
any other ``smartcity`` module). Each name here is a promise: it keeps its meaning
and signature, and when the core's own module changes, this module adapts (a
wrapper instead of a re-export) rather than the apps. A name is added when an app
needs it, never by re-exporting the core wholesale.

The names, by topic:

- the manifest and the contract: :class:`AppManifest`, :class:`MenuEntry`,
  :class:`BeatEntry`, :class:`Role`, :class:`Permission`, :class:`RoleConflict`
  (with ``RoleInfo`` and :func:`role_name`, the name users carry),
  :class:`TranslationCatalogue` (with :func:`translations`: an
  :class:`AppTranslations`, the app's own ``gettext``), :class:`Dataset` (with
  ``Changes`` and ``DatasetRow``),
  :class:`Capability` (with ``CapabilityNotDeclared``, and the records exchanged:
  ``SubActivityBudget``, ``PerformanceIndicator`` and ``ServicePerformance``),
  :func:`capability` (in a request) and :func:`job_capability` (in a report job),
  and the core's :data:`signals`;
- errors a service raises, rendered by the page or the API that shows them:
  :class:`ServiceError`, :class:`InvalidInput`, :class:`NotFound`,
  :class:`Conflict`, :class:`Forbidden`, :class:`Unauthorized`,
  :class:`TooManyRequests`, each with a :class:`Message` (a msgid and its values,
  translated where it is shown: a ``month`` given as a date reads "Maret 2027" or
  "March 2027"); an app makes its own with :func:`messages_from` over its
  translation domain's ``gettext``, and says a month elsewhere (a page, a document
  in Indonesian) with :func:`month_name`;
- the regency and its core data: :class:`TenantInfo`, :func:`current_tenant`,
  :data:`tenant_metadata` (the metadata of an app's models), :class:`OrgUnit`,
  :class:`User`, :class:`Staff` (the roster: NIP, unit, position class, supervisor),
  :func:`tenant_settings` (and :func:`tenant_timezone_subquery`, its time zone inside
  a statement of the app's own), :class:`PlainStatement` (a frequent SELECT run below
  SQLAlchemy's per-execution work, for a request thousands send at once),
  :func:`record_audit`, notices to people (:func:`notify`
  to user ids or a :class:`RoleRecipients`: recorded on their Notices page and
  e-mailed after the COMMIT, in their language), org-unit memberships
  (:func:`member_units`, :func:`member_units_by_user`, :func:`set_member_units`),
  :func:`permissions_for`, the working calendar (:class:`WorkingCalendar`, loaded by
  :func:`working_calendar`: working days and holidays, for attendance and deadlines)
  and the region codes under a regency (:func:`regions_under`, giving :class:`RegionRow`),
  and :func:`regency_url` (a page's address on the regency's own host, for print);
- pages and API: :data:`access` (one rule per endpoint: ``access.requires(...)``,
  ``access.signed_in``, ``access.public``), :func:`signed_in`, :func:`require_user`,
  a step that cannot be undone asked first (the ``confirm_step`` macro of
  ``macros/ui.html``; the view checks :func:`confirmed` and else says so with
  :func:`flash_unconfirmed`),
  :class:`TenantPrincipal`, :class:`ApiSpec`, public pages' spam guard
  (:func:`spam_fields`, :func:`check_spam`, :class:`SpamGuard`,
  :class:`HoneypotGuard`; the regency's optional proof of work for the API:
  :func:`check_proof_of_work`, :func:`challenge_json`, :class:`ChallengeOut`), their
  counter of wrong secrets typed in (:class:`MissCounter`) and their quota of repeats
  per address (:class:`AddressQuota`), money (:func:`parse_amount`, :func:`parse_number`,
  :func:`parse_quantity`, :func:`rupiah`, :func:`number`), bounded numbers
  (:func:`query_int`, :func:`query_year`, :func:`whole_number`, :data:`DbId`,
  :data:`BIGINT_MAX`, :data:`YEAR_MAX`), what a pydantic model refused as field words
  in either language (:func:`field_problems`; one error: :func:`field_problem`), and
  :func:`N_` and :func:`translate` for messages;
- uploads: :func:`read_table` within :class:`UploadLimits` (or :class:`TableReader`,
  which says how far it has read), and for an importer whose big files a job checks
  (listed in the manifest's ``upload_checks``): :class:`UploadCheck`,
  :func:`upload_runs_as_job`;
- jobs and reports: :func:`submit_job`, :class:`Job`, :class:`JobContext`,
  :class:`Report` and :class:`ReportParams` (listed in the manifest; a report's
  ``authorize`` receives the asking :class:`JobRequester` to refuse parameters
  this user may not have, another unit's say), and the
  document model (:class:`ReportDocument`, :class:`ReportFormat`, :class:`Section`,
  :class:`Column`, :data:`CellValue`, :class:`Letterhead`, :class:`SignatureBlock`),
  and for a report drawing its own PDF layout with reportlab: :func:`letterhead_block`,
  :func:`signature_blocks` (the kop and the signatures as flowables) and :func:`pdf_fonts`
  (the embedded Unicode font's regular and bold names, registered).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from flask import g

from smartcity import access, signals
from smartcity.api.auth import require_user
from smartcity.api.spec import ApiSpec
from smartcity.apps import (
    AppManifest,
    BeatEntry,
    Capability,
    CapabilityNotDeclared,
    Changes,
    Dataset,
    MenuEntry,
    PerformanceIndicator,
    Permission,
    Role,
    RoleConflict,
    RoleInfo,
    ServicePerformance,
    SubActivityBudget,
    TranslationCatalogue,
    role_name,
)
from smartcity.apps import Row as DatasetRow
from smartcity.auth.principal import TenantPrincipal
from smartcity.bounds import BIGINT_MAX, YEAR_MAX, DbId, query_int, query_year, whole_number
from smartcity.db import PlainStatement, tenant_metadata
from smartcity.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    Message,
    NotFound,
    ServiceError,
    TooManyRequests,
    Unauthorized,
    messages_from,
    month_name,
)
from smartcity.i18n import AppTranslations
from smartcity.jobs.kinds import JobContext
from smartcity.jobs.kinds import Requester as JobRequester
from smartcity.jobs.models import Job
from smartcity.jobs.service import submit as submit_job
from smartcity.jobs.uploads import UploadCheck
from smartcity.jobs.uploads import runs_as_job as upload_runs_as_job
from smartcity.money import number, parse_amount, parse_number, parse_quantity, rupiah
from smartcity.notices import RoleRecipients, notify
from smartcity.public import (
    AddressQuota,
    ChallengeOut,
    HoneypotGuard,
    MissCounter,
    SpamGuard,
    challenge_json,
    check_proof_of_work,
    check_spam,
    spam_fields,
)
from smartcity.reference import RegionRow, region_rows
from smartcity.reports import (
    Column,
    Letterhead,
    Report,
    ReportDocument,
    ReportFormat,
    ReportParams,
    Section,
    SignatureBlock,
)
from smartcity.reports.blocks import letterhead_block, signature_blocks
from smartcity.reports.document import Value as CellValue
from smartcity.reports.fonts import BOLD as _PDF_BOLD
from smartcity.reports.fonts import REGULAR as _PDF_REGULAR
from smartcity.reports.fonts import register_fonts as _register_fonts
from smartcity.state import platform_state
from smartcity.tenancy.cache import TenantInfo
from smartcity.tenancy.resolver import current_tenant, regency_url
from smartcity.tenantcore.audit import record as record_audit
from smartcity.tenantcore.calendar import WorkingCalendar
from smartcity.tenantcore.calendar import load_calendar as working_calendar
from smartcity.tenantcore.memberships import set_units as set_member_units
from smartcity.tenantcore.memberships import units_by_user as member_units_by_user
from smartcity.tenantcore.memberships import units_of as member_units
from smartcity.tenantcore.models import OrgUnit, Staff, User
from smartcity.tenantcore.settings import get_settings as tenant_settings
from smartcity.tenantcore.settings import timezone_subquery as tenant_timezone_subquery
from smartcity.uploads import Limits as UploadLimits
from smartcity.uploads import TableReader, read_table
from smartcity.validation import field_problem, field_problems
from smartcity.web import N_, translate
from smartcity.web.access import signed_in
from smartcity.web.forms import confirmed, flash_unconfirmed

__all__ = [
    "BIGINT_MAX",
    "N_",
    "YEAR_MAX",
    "AddressQuota",
    "ApiSpec",
    "AppManifest",
    "AppTranslations",
    "BeatEntry",
    "Capability",
    "CapabilityNotDeclared",
    "CellValue",
    "ChallengeOut",
    "Changes",
    "Column",
    "Conflict",
    "Dataset",
    "DatasetRow",
    "DbId",
    "Forbidden",
    "HoneypotGuard",
    "InvalidInput",
    "Job",
    "JobContext",
    "JobRequester",
    "Letterhead",
    "MenuEntry",
    "Message",
    "MissCounter",
    "NotFound",
    "OrgUnit",
    "PerformanceIndicator",
    "Permission",
    "PlainStatement",
    "RegionRow",
    "Report",
    "ReportDocument",
    "ReportFormat",
    "ReportParams",
    "Role",
    "RoleConflict",
    "RoleInfo",
    "RoleRecipients",
    "Section",
    "ServiceError",
    "ServicePerformance",
    "SignatureBlock",
    "SpamGuard",
    "Staff",
    "SubActivityBudget",
    "TableReader",
    "TenantInfo",
    "TenantPrincipal",
    "TooManyRequests",
    "TranslationCatalogue",
    "Unauthorized",
    "UploadCheck",
    "UploadLimits",
    "User",
    "WorkingCalendar",
    "access",
    "capability",
    "challenge_json",
    "check_proof_of_work",
    "check_spam",
    "confirmed",
    "current_tenant",
    "field_problem",
    "field_problems",
    "flash_unconfirmed",
    "job_capability",
    "letterhead_block",
    "member_units",
    "member_units_by_user",
    "messages_from",
    "month_name",
    "notify",
    "number",
    "parse_amount",
    "parse_number",
    "parse_quantity",
    "pdf_fonts",
    "permissions_for",
    "query_int",
    "query_year",
    "read_table",
    "record_audit",
    "regency_url",
    "regions_under",
    "require_user",
    "role_name",
    "rupiah",
    "set_member_units",
    "signals",
    "signature_blocks",
    "signed_in",
    "spam_fields",
    "submit_job",
    "tenant_metadata",
    "tenant_settings",
    "tenant_timezone_subquery",
    "translate",
    "translations",
    "upload_runs_as_job",
    "whole_number",
    "working_calendar",
]


def capability(consumer: str, name: str) -> Callable[..., Any] | None:
    """The capability ``name`` for this request's regency, bound to its session; or None.

    None when the providing app is not enabled for the regency: the caller shows
    that plainly ("e-Budgeting is not enabled here") instead of failing.
    ``consumer`` is the asking app's name; it must list ``name`` in its ``uses``.
    """
    provide = platform_state().registry.capability(name, consumer=consumer, enabled=g.tenant.apps)
    return None if provide is None else partial(provide, g.db)


def job_capability(ctx: JobContext, consumer: str, name: str) -> Callable[..., Any] | None:
    """:func:`capability` for a job (a report built by a worker): the job's regency
    and session instead of the request's; None when the provider is not enabled."""
    provide = platform_state().registry.capability(name, consumer=consumer, enabled=ctx.tenant.apps)
    return None if provide is None else partial(provide, ctx.session)


def pdf_fonts() -> tuple[str, str]:
    """The embedded Unicode font's (regular, bold) names, registered with reportlab:
    a report's own PDF layout sets every text in them (Helvetica lacks ṣ, ā, ễ)."""
    _register_fonts()
    return _PDF_REGULAR, _PDF_BOLD


def translations(app_name: str) -> AppTranslations:
    """``gettext``, ``ngettext`` and ``lazy_gettext`` bound to the app's own domain.

    The app declares its catalogue in its manifest (``translations``); messages it
    lacks fall back to the core's catalogue. Typically, at the top of a module:
    ``_ = translations("ebudgeting").gettext``.
    """
    return AppTranslations(app_name)


def permissions_for(roles: Iterable[str], enabled_apps: Iterable[str]) -> frozenset[str]:
    """What holders of ``roles`` may do in a regency with ``enabled_apps`` switched on.

    For work outside a request (a report job acting for the user who asked for
    it); in a request, the principal's ``permissions`` already hold this.
    """
    return platform_state().registry.permissions(roles, enabled_apps)


def regions_under(code: str) -> tuple[RegionRow, ...]:
    """The kode wilayah rows directly below ``code`` (a regency's kecamatan for ``33.18``).

    From the platform's shipped reference list; regencies hold no copy of it yet.
    """
    depth = code.count(".") + 1
    return tuple(
        r for r in region_rows() if r.code.startswith(code + ".") and r.code.count(".") == depth
    )
