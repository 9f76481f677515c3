"""Forms of the regency admin's pages: org units, staff, roster, calendar, settings, audit.

As in ``smartcity.web.forms``, a form checks only the shape of what is sent;
the tenant-core services decide what is valid and their field errors are put
back next to these fields (``attach_service_errors``). Choices are filled in
by the views, which know the tenant.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    ColorField,
    DateField,
    DecimalField,
    SelectField,
    StringField,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from smartcity.tenantcore.staff import ECHELONS, GOLONGAN, GOLONGAN_PPPK, POSITION_CLASSES, STATUSES
from smartcity.web.forms import (
    NOT_A_CHOICE,
    REQUIRED,
    MultiCheckboxField,
    at_most,
    options,
    required,
)

NOT_A_DATE = _l("Not a date (use the calendar, or YYYY-MM-DD).")
NOT_A_NUMBER = _l("Not a number.")


def optional_int(value: object) -> int | None:
    """A select's value as an int, or None for its empty choice."""
    if value in (None, "", "None"):
        return None
    return int(str(value))


class ChoiceField(SelectField):  # type: ignore[misc]
    """A select whose refusals (unknown choice, unreadable value) speak the page's language."""

    def gettext(self, string: str) -> str:
        if string in ("Not a valid choice.", "Invalid Choice: could not coerce."):
            return str(NOT_A_CHOICE)
        return string


class DayField(DateField):  # type: ignore[misc]
    """A date in ISO form whose parse error speaks the page's language."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(*args, **kwargs)

    def gettext(self, string: str) -> str:
        return str(NOT_A_DATE) if string == "Not a valid date value." else string


class HoursField(DecimalField):  # type: ignore[misc]
    def gettext(self, string: str) -> str:
        return str(NOT_A_NUMBER) if string == "Not a valid decimal value." else string


# --------------------------------------------------------------------------- org units


class OrgUnitForm(FlaskForm):  # type: ignore[misc]
    code = StringField(
        _l("Code"),
        validators=[required(), at_most(40)],
        description=_l("Digits in dotted groups; a sub-unit starts with its parent's code."),
    )
    name = StringField(_l("Name"), validators=[required(), at_most(200)])
    kind = ChoiceField(_l("Kind"), validators=[required()])
    parent_id = ChoiceField(
        _l("Parent unit"),
        coerce=optional_int,
        description=_l("Empty for an OPD at the top of the tree."),
    )
    region_code = ChoiceField(
        _l("Kecamatan (kode wilayah)"),
        default="",
        description=_l("Only a kecamatan carries the kode wilayah of its area."),
    )
    sipd_code = StringField(
        _l("SIPD code"),
        validators=[at_most(60)],
        description=_l(
            "The long code SIPD knows the unit by, e.g. 1.02.0.00.0.00.01.0000: three "
            "urusan/bidang pairs, the unit, and the sub-unit (0000 for an OPD, 0001 and up "
            "for its sub-units, which share the OPD's first seven groups). Empty: none yet."
        ),
    )
    is_active = BooleanField(
        _l("Active"), description=_l("An inactive unit takes no new staff; its records stay.")
    )


# --------------------------------------------------------------------------- staff


def golongan_pairs() -> list[tuple[str, str]]:
    """PNS/CPNS golongan ruang, then PPPK golongan labelled as such (IX alone is ambiguous)."""
    return [*((g, g) for g in GOLONGAN), *((g, f"PPPK {g}") for g in GOLONGAN_PPPK)]


class StaffForm(FlaskForm):  # type: ignore[misc]
    nip = StringField(
        _l("NIP"),
        validators=[required(), at_most(30)],
        description=_l(
            "18 digits: birth date YYYYMMDD, appointment YYYYMM, sex 1 or 2, sequence 001."
        ),
    )
    name = StringField(_l("Name"), validators=[required(), at_most(200)])
    status = ChoiceField(
        _l("Status"), choices=options((s, s) for s in STATUSES), validators=[required()]
    )
    golongan = ChoiceField(
        _l("Golongan"),
        choices=options([("", "—"), *golongan_pairs()]),
        default="",
        description=_l("Required for PNS and CPNS (I/a ... IV/e); PPPK use I ... XVII."),
    )
    position = StringField(_l("Position"), validators=[required(), at_most(200)])
    position_class = ChoiceField(
        _l("Position class (kelas jabatan)"),
        coerce=optional_int,
        choices=options([(None, "—"), *((c, str(c)) for c in POSITION_CLASSES)]),
    )
    echelon = ChoiceField(
        _l("Echelon"), choices=options([("", "—"), *((e, e) for e in ECHELONS)]), default=""
    )
    unit_id = ChoiceField(_l("Org unit"), coerce=optional_int, validators=[required()])
    supervisor_nip = StringField(
        _l("Supervisor (NIP)"),
        validators=[Optional(), at_most(30)],
        description=_l("Type the supervisor's NIP, or pick one of the suggested officials."),
    )
    is_active = BooleanField(
        _l("Active"), description=_l("Inactive staff stay in the records but not in new work.")
    )


# --------------------------------------------------------------------------- roster


class RosterUploadForm(FlaskForm):  # type: ignore[misc]
    file = FileField(
        _l("Roster file"),
        validators=[
            FileRequired(message=REQUIRED),
            FileAllowed(["csv", "xlsx"], message=_l("Upload a .csv or .xlsx file.")),
        ],
        description=_l("CSV (UTF-8, comma or semicolon) or XLSX; the first row names the columns."),
    )


class OrgUnitUploadForm(FlaskForm):  # type: ignore[misc]
    file = FileField(
        _l("Org-unit file"),
        validators=[
            FileRequired(message=REQUIRED),
            FileAllowed(["csv", "xlsx"], message=_l("Upload a .csv or .xlsx file.")),
        ],
        description=_l("CSV (UTF-8, comma or semicolon) or XLSX; the first row names the columns."),
    )


# --------------------------------------------------------------------------- calendar


class HolidayForm(FlaskForm):  # type: ignore[misc]
    day = DayField(_l("Date"), validators=[InputRequired(message=REQUIRED)])
    name = StringField(_l("Name"), validators=[required(), at_most(200)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("prefix", "holiday")
        super().__init__(*args, **kwargs)


class WorkWeekForm(FlaskForm):  # type: ignore[misc]
    work_days = MultiCheckboxField(_l("Working days"), coerce=int)
    weekly_hours = HoursField(
        _l("Working hours a week"),
        places=1,
        validators=[
            InputRequired(message=REQUIRED),
            NumberRange(min=1, max=60, message=_l("Between 1 and 60 hours.")),
        ],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("prefix", "week")
        super().__init__(*args, **kwargs)


# --------------------------------------------------------------------------- settings


class SettingsForm(FlaskForm):  # type: ignore[misc]
    display_name = StringField(
        _l("Display name"),
        validators=[Optional(), at_most(200)],
        description=_l("Shown in the page header instead of the registered name; may be empty."),
    )
    timezone = ChoiceField(_l("Time zone"), validators=[required()])
    primary_color = ColorField(
        _l("Primary colour"),
        validators=[required(), at_most(7)],
        description=_l("The page header and the main buttons."),
    )
    accent_color = ColorField(
        _l("Accent colour"),
        validators=[required(), at_most(7)],
        description=_l("The stripe under the page header."),
    )
    logo_file = FileField(
        _l("Logo"),
        validators=[
            FileAllowed(["png", "jpg", "jpeg"], message=_l("A PNG or JPEG image.")),
        ],
        description=_l("PNG or JPEG, at most 512 KB; leave empty to keep the current logo."),
    )


class PublicPagesForm(FlaskForm):  # type: ignore[misc]
    """The public forms' proof of work; the number is read by the service (text, bounded)."""

    pow_bits = StringField(
        _l("Proof-of-work difficulty (bits)"),
        validators=[Optional(), at_most(3)],
        description=_l(
            "0 switches the check off. From 8 to 24: each bit doubles the work a browser "
            "does before a public form goes. 16 takes about a second in a browser, done "
            "while the person fills the form in; 18 takes a few seconds, 20 and more are "
            "slow on phones."
        ),
    )


# --------------------------------------------------------------------------- audit


class AuditFilterForm(FlaskForm):  # type: ignore[misc]
    """Read from the query string; a filter changes nothing, so it needs no CSRF token."""

    class Meta:
        csrf = False

    actor = StringField(_l("Who"), validators=[Optional(), at_most(100)])
    action = ChoiceField(_l("Action"), validators=[Optional()])
    entity = ChoiceField(_l("Record type"), validators=[Optional()])
    start = DayField(_l("From"), validators=[Optional()])
    end = DayField(_l("Until"), validators=[Optional()])
