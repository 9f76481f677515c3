"""Forms of the tenant pages, and the field helpers the console reuses.

Forms check only the shape of the input (present, not absurdly long); the
services decide what is valid, and their ``ServiceError.fields`` are put back
next to the fields they name, so a rule lives in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length
from wtforms.widgets import CheckboxInput, ListWidget

from smartcity.apps import AppRegistry, RoleInfo
from smartcity.errors import ServiceError
from smartcity.web import translate

REQUIRED = _l("This field is required.")
TOO_LONG = _l("At most %(max)d characters.")
NOT_A_CHOICE = _l("Not one of the choices offered.")


def required() -> DataRequired:
    return DataRequired(message=REQUIRED)


def at_most(limit: int) -> Length:
    return Length(max=limit, message=TOO_LONG)


class MultiCheckboxField(SelectMultipleField):  # type: ignore[misc]
    """A multiple choice shown as checkboxes, which a phone handles better than a list box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("invalid_choice_message", NOT_A_CHOICE)
        super().__init__(*args, **kwargs)


class LoginForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(_l("Email"), validators=[required(), at_most(254)])
    password = PasswordField(_l("Password"), validators=[required(), at_most(256)])


class UserInviteForm(FlaskForm):  # type: ignore[misc]
    """A new user gets no password from the admin: they choose one through a link."""

    email = EmailField(_l("Email"), validators=[required(), at_most(254)])
    name = StringField(_l("Full name"), validators=[required(), at_most(200)])
    roles = MultiCheckboxField(_l("Roles"))


class UserEditForm(FlaskForm):  # type: ignore[misc]
    name = StringField(_l("Full name"), validators=[required(), at_most(200)])
    roles = MultiCheckboxField(_l("Roles"))


class SetPasswordForm(FlaskForm):  # type: ignore[misc]
    password = PasswordField(
        _l("New password"),
        validators=[required(), at_most(256)],
        description=_l("At least 12 characters; mix letters with digits or symbols."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            required(),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[required(), at_most(256)])


class ForgotPasswordForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(_l("Email"), validators=[required(), at_most(254)])


def options(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """Choices of a select from (value, label) pairs (WTForms 3.3 deprecates bare tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


def role_choices(registry: AppRegistry, enabled_apps: Iterable[str]) -> list[SelectChoice]:
    """The roles a tenant can grant, each labelled with its title and what it belongs to.

    The page shows each role's description and permissions next to its box
    (``macros/roles.html``, from ``role_details``); the label is what stays
    when only the choice is shown.
    """
    return options(
        (info.name, " — ".join(translate(t) for t in (info.title, info.owner) if t))
        for info in registry.roles(enabled_apps)
    )


def role_details(registry: AppRegistry) -> dict[str, RoleInfo]:
    """Every role any app declares, by the name users carry, for pages that explain roles.

    All apps, not only the enabled ones: a role kept while its app is disabled
    is still shown in words.
    """
    return {info.name: info for info in registry.roles(registry.names)}


def attach_service_errors(
    form: FlaskForm, error: ServiceError, aliases: Mapping[str, str] | None = None
) -> list[str]:
    """Put a service's field errors next to the form's fields.

    ``aliases`` maps a service's field name (``admin.email``) to the form's
    (``admin_email``). Returns the problems no field of the form shows, so the
    page can list them above the form rather than lose them.
    """
    unplaced: list[str] = []
    for key, problem in error.fields.items():
        name = (aliases or {}).get(key, key)
        text = translate(problem)
        if name in form:
            field = form[name]
            field.errors = [*field.errors, text]
        else:
            unplaced.append(f"{key}: {text}")
    return unplaced


def confirmed() -> bool:
    """Whether the form's "I confirm" box was ticked (macros/ui.html ``confirm_step``).

    A step that cannot be undone does nothing without it, whatever sent the form;
    the view says so with ``flash_unconfirmed`` and changes nothing.
    """
    from flask import request

    return request.form.get("confirm") == "yes"


def flash_unconfirmed() -> None:
    from flask import flash
    from flask_babel import gettext

    flash(gettext("Nothing was done: tick the box to confirm the step first."), "warning")
