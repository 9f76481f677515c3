"""Forms of the operator console."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField

from smartcity.web.forms import NOT_A_CHOICE, LoginForm, MultiCheckboxField, at_most, required

# A service field name -> the form field that shows its problem.
PROVISIONING_FIELDS = {
    "admin.email": "admin_email",
    "admin.password": "admin_password",
    "admin.name": "admin_name",
}


class OperatorLoginForm(LoginForm):
    """The same fields as a tenant sign-in; kept apart so either can change alone."""


class TenantForm(FlaskForm):  # type: ignore[misc]
    name = StringField(
        _l("Name"),
        validators=[required(), at_most(200)],
        description=_l("As the regency calls itself, e.g. Kabupaten Pati."),
    )
    region_code = SelectField(
        _l("Regency (kode wilayah)"),
        validators=[required()],
        invalid_choice_message=NOT_A_CHOICE,
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
    admin_email = EmailField(_l("First admin's email"), validators=[required(), at_most(254)])
    admin_name = StringField(
        _l("First admin's name"), validators=[required(), at_most(200)], default="Administrator"
    )
    admin_password = PasswordField(
        _l("First admin's password"),
        validators=[required(), at_most(256)],
        description=_l("At least 12 characters; mix letters with digits or symbols."),
    )


class DomainForm(FlaskForm):  # type: ignore[misc]
    domain = StringField(
        _l("Custom domain"),
        validators=[required(), at_most(253)],
        description=_l("A host name such as smartcity.patikab.go.id, pointed at this platform."),
    )
