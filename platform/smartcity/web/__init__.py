"""Server-rendered pages: helpers shared by the tenant web and the operator console.

The pages speak Bahasa Indonesia first. Services raise their errors as
``smartcity.errors.Message`` (a msgid and its values), which ``translate``
renders in the page's language; a bare English text (from code not yet
converted) is looked up in the catalogue and the patterns below, and shown
unchanged if unknown, so it degrades to English instead of breaking a page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode, urlsplit

from flask import request
from flask.blueprints import BlueprintSetupState
from flask_babel import format_decimal, get_locale, gettext
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import default_exceptions

from smartcity.apps import AppManifest
from smartcity.errors import Message
from smartcity.state import platform_state
from smartcity.tenancy.resolver import ENVIRON_KEY

T = TypeVar("T")


def N_(message: str) -> str:  # noqa: N802 - the name pybabel extracts by default
    """Mark a message for the catalogue without translating it yet."""
    return message


# Messages the core services put into ServiceError.message and .fields; listed
# here so pybabel extracts them and `translate` finds their Indonesian text.
SERVICE_MESSAGES = (
    N_("required"),
    N_("already used"),
    N_("taken"),
    N_("unknown"),
    N_("not a host name"),
    N_("required, at most 200 characters"),
    N_("name is required (at most 200 characters)"),
    N_("must be at least 12 characters"),
    N_("must be at most 256 characters"),
    N_("is too easy to guess: mix letters with digits or symbols"),
    N_(
        "must be 2-40 characters: lowercase letters, digits and hyphens, "
        "starting with a letter and not ending with a hyphen"
    ),
    N_("must not contain two hyphens in a row"),
    N_("the tenant cannot be provisioned as asked"),
    N_("invalid email address"),
    # tenant core: staff, NIP, org units, calendar, settings, roster
    N_("appointment month 21 is only allowed for PPPK"),
    N_("sequence must be 001 or more"),
    N_("PPPK golongan is I ... XVII"),
    N_("one of PNS, CPNS, PPPK"),
    N_("kelas jabatan 4-15"),
    N_("the staff record is not valid"),
    N_("already registered"),
    N_("an active org unit of this regency"),
    N_("would make a supervision cycle"),
    N_("no such staff"),
    N_("digits in dotted groups, e.g. 4.01 or 4.01.02"),
    N_("a sub-unit needs its parent unit"),
    N_("only a kecamatan carries a kode wilayah"),
    N_("the org unit is not valid"),
    N_("a holiday needs a name"),
    N_("already a holiday"),
    N_("national holidays come from the platform"),
    N_("at most 200 characters"),
    N_("WIB (Asia/Jakarta), WITA (Asia/Makassar) or WIT (Asia/Jayapura)"),
    N_("a colour like #0d6efd"),
    N_("at least one weekday"),
    N_("between 1 and 60 hours"),
    N_("a PNG or JPEG image"),
    N_("the settings are not valid"),
    N_("not a readable XLSX file"),
    N_("upload a .csv or .xlsx file"),
    N_("unsupported type"),
    N_("the CSV must be UTF-8"),
    N_("not UTF-8"),
    N_("the file is empty"),
    N_("empty"),
    N_("too many rows"),
    N_("too large"),
    N_("must be a whole number"),
    N_("contains a NUL byte"),
    N_("cannot supervise themselves"),
    N_("the roster changed since the upload; upload the file again"),
    N_(
        "the last active administrator cannot lose the administrator role or be "
        "deactivated: make another user an administrator first"
    ),
    N_("the last active administrator"),
    N_(
        "expected columns: nip, nama, status, golongan, jabatan, kelas_jabatan,"
        " eselon, kode_unit, nip_atasan"
    ),
    N_("too many cells"),
    N_("too many columns"),
    N_("too slow to read"),
    N_("too many parts"),
    N_("no worksheet"),
    N_("format the column as Text"),
)

# Problem texts that carry values and are still built as English sentences (a
# NIP's parts, a row of an import): each pattern's named
# groups fill the %-placeholders of its catalogue message. Service errors raise
# smartcity.errors.Message (a msgid and its values) instead and need no entry;
# what is left here goes as those texts become Messages too.
SERVICE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(f"^{pattern}$"), message)
    for pattern, message in (
        (
            r"must be 18 digits, got (?P<n>\d+) characters",
            N_("must be 18 digits, got %(n)s characters"),
        ),
        (r"birth date (?P<d>\S+) is not a real date", N_("birth date %(d)s is not a real date")),
        (
            r"appointment month (?P<m>\S+) is not a month",
            N_("appointment month %(m)s is not a month"),
        ),
        (
            r"appointment (?P<a>\S+) is less than (?P<n>\d+) years after birth (?P<b>\S+)",
            N_("appointment %(a)s is less than %(n)s years after birth %(b)s"),
        ),
        (r"sex digit must be 1 or 2, got (?P<d>.)", N_("sex digit must be 1 or 2, got %(d)s")),
        (
            r"required for (?P<status>\w+) \(I/a \.\.\. IV/e\)",
            N_("required for %(status)s (I/a ... IV/e)"),
        ),
        (
            r"(?P<g>.+) is not a golongan \(I/a \.\.\. IV/e\)",
            N_("%(g)s is not a golongan (I/a ... IV/e)"),
        ),
        (r"one of (?P<choices>.+) or empty", N_("one of %(choices)s or empty")),
        (
            r"must start with its parent's code (?P<code>[\d.]+)\.",
            N_("must start with its parent's code %(code)s."),
        ),
        (
            r"a kecamatan code of this regency \((?P<code>[\d.]+)\.NN\)",
            N_("a kecamatan code of this regency (%(code)s.NN)"),
        ),
        (r"at most (?P<n>\d+) KB", N_("at most %(n)s KB")),
        (
            r"no active org unit with code (?P<code>.*)",
            N_("no active org unit with code %(code)s"),
        ),
        (r"NIP repeats row (?P<row>\d+)", N_("NIP repeats row %(row)s")),
        (
            r"no staff with NIP (?P<nip>\S+) in the file or the roster",
            N_("no staff with NIP %(nip)s in the file or the roster"),
        ),
        (
            r"this import is (?P<status>\w+) and cannot be applied",
            N_("this import is %(status)s and cannot be applied"),
        ),
        (r"(?P<n>\d+) problems now", N_("%(n)s problems now")),
        (r"code repeats row (?P<row>\d+)", N_("code repeats row %(row)s")),
        (
            r"no unit with code (?P<code>\S+) above this row",
            N_("no unit with code %(code)s above this row"),
        ),
        (
            r"(?P<region>\S+) is not a kecamatan of (?P<code>\S+)",
            N_("%(region)s is not a kecamatan of %(code)s"),
        ),
        (
            r"region (?P<code>\S+) already has a regency: '(?P<slug>[^']+)'",
            N_("region %(code)s already has a regency: '%(slug)s'"),
        ),
        (
            r"already provisioned as '(?P<slug>[^']+)'",
            N_("already provisioned as '%(slug)s'"),
        ),
        (
            r"region (?P<code>\S+) had a regency that was archived \('(?P<slug>[^']+)'\):"
            r" tick re-provisioning to create a new one",
            N_(
                "region %(code)s had a regency that was archived ('%(slug)s'):"
                " tick re-provisioning to create a new one"
            ),
        ),
        (
            r"'(?P<slug>[^']+)' was archived; confirm to provision again",
            N_("'%(slug)s' was archived; confirm to provision again"),
        ),
        (
            r"a user with email (?P<email>\S+) already exists",
            N_("a user with email %(email)s already exists"),
        ),
        (r"unknown role\(s\): (?P<roles>.+)", N_("unknown role(s): %(roles)s")),
        (
            r"roles (?P<first>\S+) and (?P<second>\S+) cannot be held by one person: "
            r"(?P<reason>.+)",
            N_("roles %(first)s and %(second)s cannot be held by one person: %(reason)s"),
        ),
    )
)

# What a page says about an HTTP error raised with Werkzeug's stock description,
# which is English and written for developers.
_STATUS_TEXT = {
    400: (N_("Bad request"), N_("The request could not be understood. Please try again.")),
    401: (N_("Not signed in"), N_("Please sign in to continue.")),
    403: (N_("Access denied"), N_("You do not have permission to open this page.")),
    404: (N_("Page not found"), N_("The page you asked for does not exist.")),
    405: (N_("Not allowed"), N_("This address does not accept that kind of request.")),
    409: (N_("Conflict"), N_("The request conflicts with the current state.")),
    422: (N_("Invalid input"), N_("Some of the data sent is not valid.")),
    429: (
        N_("Too many attempts"),
        N_("Too many attempts in a short time. Please wait a minute and try again."),
    ),
    500: (N_("Something went wrong"), N_("An unexpected error occurred. Please try again.")),
    503: (N_("Temporarily unavailable"), N_("The service is temporarily unavailable.")),
}


def translate(message: object) -> str:
    """The catalogue's translation of a message built at run time, else the message.

    Unlike ``_()`` in a template, this never %-formats, so a message that
    happens to contain ``%`` is shown as it is. A :class:`Message` with parameters,
    or from an app's catalogue, is looked up by its msgid with its values; a bare
    string (from code not yet raising Messages) goes through the lists above.
    """
    if isinstance(message, Message) and (message.params or message.catalogue is not None):
        return message.localized()
    text = str(message)
    if not text:
        return text
    translated = str(gettext(text))
    if translated != text:
        return translated
    for pattern, template in SERVICE_PATTERNS:
        if match := pattern.match(text):
            # Groups named count* are numbers a person compares: 100.000 in Indonesian.
            values = {
                k: format_decimal(int(v)) if k.startswith("count") else translate(v)
                for k, v in match.groupdict().items()
            }
            return str(gettext(template, **values))
    return text


def _status_text(status: int) -> tuple[str, str]:
    fallback = _STATUS_TEXT[500] if status >= 500 else _STATUS_TEXT[400]
    return _STATUS_TEXT.get(status, fallback)


def error_title(status: int) -> str:
    return translate(_status_text(status)[0])


def error_text(status: int, message: str) -> str:
    """The message of an error page: a friendly text instead of Werkzeug's stock one."""
    stock = default_exceptions.get(status)
    # A 404 says nothing more useful than "not here" (and should not echo what
    # was asked for); Flask-Limiter's 429 description is the limit itself.
    if not message or status in (404, 429) or (stock and message == stock.description):
        return translate(_status_text(status)[1])
    return translate(message)


def safe_next(target: str | None) -> str | None:
    """A ``next`` path within this site, or None.

    Only a path is accepted (no scheme, no host, no ``//``), so a login link
    cannot bounce a user to another site. The path is relative to the tenant
    root; the caller prefixes ``request.script_root``.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return None
    return target


def current_path() -> str:
    """This request's path and query, relative to the tenant root, for ``next``."""
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def lang_url(code: str, page: str | None = None) -> str:
    """This page in another language (keeps the query string, changes ``lang``).

    A page rendered in answer to a POST passes ``page``, the address to show it
    again with a GET; following the link to the POST's own address would 405.
    """
    if page is not None:
        return f"{page}{'&' if '?' in page else '?'}lang={code}"
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return f"{request.script_root}{request.path}?{urlencode(args, doseq=True)}"


def on_tenant_address() -> bool:
    """Whether this request came in for a tenant (its host or ``/t/<slug>``).

    True even when the tenant was never resolved (unknown, or a 429 raised
    before resolution), so an error page links to the tenant's start page and
    not to the console under the tenant's prefix.
    """
    return request.environ.get(ENVIRON_KEY) is not None


def page_url(page: int) -> str:
    """This page of a list with another ``page`` (keeps the search and filters)."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return f"{request.script_root}{request.path}?{urlencode(args, doseq=True)}"


def contains_pattern(text: str) -> str:
    """An ILIKE pattern (escape ``\\``) matching ``text`` anywhere, taken literally.

    A search for ``50%`` or ``t_pati`` must not turn into wildcards.
    """
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def page_number() -> int:
    """The ``?page=`` asked for; anything unreadable is the first page, never an error."""
    raw = request.args.get("page", "1")
    return max(1, min(int(raw), 100_000)) if raw.isdecimal() else 1


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, with what the pager needs."""

    items: list[T]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paginate(session: Session, query: Select[T], number: int, per_page: int) -> Page[T]:
    """Run ``query`` for one page; a page past the end shows the last one."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    number = min(number, max(1, -(-total // per_page)))
    items = list(session.scalars(query.limit(per_page).offset((number - 1) * per_page)))
    return Page(items, number, per_page, total)


def page_of(items: Sequence[T], number: int, per_page: int) -> Page[T]:
    """One page of a list already in memory (the org unit tree, a problem report)."""
    total = len(items)
    number = min(number, max(1, -(-total // per_page)))
    start = (number - 1) * per_page
    return Page(list(items[start : start + per_page]), number, per_page, total)


@dataclass(frozen=True)
class Sort:
    """A list's order as ``?sort=name`` (ascending) or ``?sort=-name`` (descending)."""

    key: str
    descending: bool = False

    @property
    def token(self) -> str:
        return f"-{self.key}" if self.descending else self.key


def sort_order(allowed: Collection[str], default: str) -> Sort:
    """The order asked for if it is one ``allowed``, else ``default``: never an error."""
    raw = request.args.get("sort", "")
    key = raw.removeprefix("-")
    if key in allowed:
        return Sort(key, raw.startswith("-"))
    return Sort(default.removeprefix("-"), default.startswith("-"))


def sort_url(key: str, current: Sort) -> str:
    """This list ordered by ``key``; the column already in use flips its direction.

    The page number is dropped: page 7 of another order shows other rows.
    """
    ascending_now = current.key == key and not current.descending
    args = request.args.to_dict(flat=False)
    args["sort"] = [f"-{key}" if ascending_now else key]
    args.pop("page", None)
    return f"{request.script_root}{request.path}?{urlencode(args, doseq=True)}"


def requires_titles(manifest: AppManifest) -> str:
    """The titles of the apps ``manifest`` requires, for a note beside it."""
    registry = platform_state().registry
    return ", ".join(
        translate(registry.get(dep).title) if dep in registry else dep
        for dep in manifest.required_apps
    )


def form_status() -> int:
    """The status of a form page: 422 when a submitted form is sent back with errors.

    Browsers show the page either way; the status tells tests and proxies that
    nothing was saved, and makes the request boundary roll back.
    """
    return 422 if request.method == "POST" else 200


def current_locale() -> str:
    """The page's language code, for ``<html lang>`` and the language switch."""
    return str(get_locale() or "id")


# Installed on the app by both blueprints (see install_template_globals): error
# pages need them whichever blueprint, if any, the request reached.
TEMPLATE_GLOBALS: dict[str, Callable[..., Any]] = {
    "current_locale": current_locale,
    "translate": translate,
    "requires_titles": requires_titles,
    "error_title": error_title,
    "error_text": error_text,
    "lang_url": lang_url,
    "on_tenant_address": on_tenant_address,
    "page_url": page_url,
    "sort_url": sort_url,
}


def install_template_globals(state: BlueprintSetupState) -> None:
    state.app.jinja_env.globals.update(TEMPLATE_GLOBALS)
