"""Forms of the operator console."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    StringField,
    TextAreaField,
)

from smartcity.web import N_
from smartcity.web.forms import (
    NOT_A_CHOICE,
    LoginForm,
    MultiCheckboxField,
    at_most,
    options,
    required,
)

# Messages of the operator, support and usage services that console pages show
# (see smartcity.web.translate); listed so pybabel extracts them.
SERVICE_MESSAGES = (
    N_("the code is not valid"),
    N_("not valid"),
    N_("two-factor sign-in is already on"),
    N_("two-factor sign-in is not on"),
    N_("start the enrolment first"),
    N_("the support session cannot start as asked"),
    N_("required, at most 500 characters"),
    N_("between 1 and 240 minutes"),
    N_("only an active regency that is not under maintenance can be entered"),
    N_("only the operator who started a support session can enter with it"),
    N_("this support session has ended"),
)

# A service field name -> the form field that shows its problem.
PROVISIONING_FIELDS = {
    "admin.email": "admin_email",
    "admin.password": "admin_password",
    "admin.name": "admin_name",
    "reprovision": "reprovision",
}


class OperatorLoginForm(LoginForm):
    """The same fields as a tenant sign-in; kept apart so either can change alone."""


class TenantForm(FlaskForm):  # type: ignore[misc]
    name = StringField(
        _l("Name"),
        validators=[required(), at_most(200)],
        description=_l("As the regency calls itself, e.g. Kabupaten Pati."),
    )
    # A text box with a <datalist> of the 514 kab/kota: the browser filters it as
    # the operator types a name or a code, with no script.
    region_code = StringField(
        _l("Regency (kode wilayah)"),
        validators=[required(), at_most(160)],
        description=_l("Type part of the name or the code (e.g. Sleman or 34.04), then choose."),
    )
    slug = StringField(
        _l("Slug"),
        validators=[required(), at_most(40)],
        description=_l(
            "Lowercase letters, digits and hyphens; it names the schema and the address "
            "/t/<slug>/ and cannot be changed later."
        ),
    )
    apps = MultiCheckboxField(
        _l("Apps"),
        description=_l("Apps that another app requires are added automatically."),
    )
    standard_units = BooleanField(
        _l("Start with the standard list of org units"),
        default=True,
        description=_l(
            "Sekretariat, Inspektorat, the usual dinas and badan, and every kecamatan of the "
            "region; the regency's admin edits it afterwards."
        ),
    )
    reprovision = BooleanField(
        _l("Provision again a region whose regency was archived"),
        description=_l("Only after an archive; the audit log records which regency it succeeds."),
    )
    admin_email = EmailField(
        _l("First admin's email"),
        validators=[required(), at_most(254)],
        description=_l(
            "The platform e-mails an invitation to choose a password; nobody else learns it."
        ),
    )
    admin_name = StringField(
        _l("First admin's name"), validators=[required(), at_most(200)], default="Administrator"
    )


class DomainForm(FlaskForm):  # type: ignore[misc]
    domain = StringField(
        _l("Custom domain"),
        validators=[required(), at_most(253)],
        description=_l("A host name such as smartcity.patikab.go.id, pointed at this platform."),
    )


class CodeForm(FlaskForm):  # type: ignore[misc]
    """A six-digit code from the operator's authenticator app."""

    code = StringField(
        _l("Code from your authenticator app"),
        validators=[required(), at_most(10)],
        description=_l("Six digits; a new code appears every 30 seconds."),
    )


#: Support sessions last at most four hours: long enough to help, short enough
#: that a forgotten session closes by itself the same day.
SUPPORT_MINUTES = (15, 30, 60, 120, 240)


class SupportForm(FlaskForm):  # type: ignore[misc]
    reason = TextAreaField(
        _l("Reason"),
        validators=[required(), at_most(500)],
        description=_l("Shown to the regency's administrators, e.g. the ticket being answered."),
    )
    minutes = SelectField(
        _l("Duration"),
        coerce=int,
        default=60,
        choices=options((m, _l("%(num)d minutes", num=m)) for m in SUPPORT_MINUTES),
        invalid_choice_message=NOT_A_CHOICE,
    )


class SuspendForm(FlaskForm):  # type: ignore[misc]
    """Suspending says why and whom to contact: the regency's users read both instead
    of their pages, so the step cannot be a bare click."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[required(), at_most(500)],
        description=_l("Shown to the regency's users on the notice that replaces their pages."),
    )
    contact = StringField(
        _l("Whom to contact"),
        validators=[at_most(200)],
        description=_l("An e-mail address or telephone number the regency's users can reach."),
    )


class ArchiveForm(FlaskForm):  # type: ignore[misc]
    """Archiving takes the slug typed out, so it cannot be a stray click."""

    confirm_slug = StringField(
        _l("Type the slug to confirm"),
        validators=[required(), at_most(40)],
    )
