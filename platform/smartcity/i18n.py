"""Message catalogues: the core's and each app's Flask-Babel domain, through its public API.

Flask-Babel 4 takes several translation directories and domains, ``;``-separated.
The default domain merges every app's catalogue with the core's, the core's
last so that an app never changes a core page's wording; it serves the core's
pages and templates (and the menu, which shows the apps' titles everywhere).
Each app also gets a :class:`flask_babel.Domain` of its own (the core's
catalogue, then the app's, so the app's wording wins on its own pages and the
core's fills the gaps): it is the request's domain while one of the app's
blueprints serves it (templates included), and ``smartcity.toolkit.translations``
gives app code a ``gettext`` bound to it wherever it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, Domain, LazyString, get_domain

from smartcity.apps import AppRegistry

EXTENSION = "smartcity.i18n"
CORE_DIRECTORY = Path(__file__).parent / "translations"
CORE_DOMAIN = "messages"


def init_app(
    app: Flask,
    registry: AppRegistry,
    *,
    locale_selector: Callable[[], str | None],
    timezone_selector: Callable[[], str | None],
) -> Babel:
    """Bind a Babel of ``app``'s own with every domain, and each app's bound domain.

    One Babel per Flask app, not a module-level one: Flask-Babel caches the
    default domain on its instance, and two apps in one process (tests, tools)
    with different apps installed would otherwise share one domain list.
    """
    catalogues = [m.translations for m in registry if m.translations is not None]
    directories = [*(str(c.directory) for c in catalogues), str(CORE_DIRECTORY)]
    domains = [*(c.domain for c in catalogues), CORE_DOMAIN]
    babel = Babel(
        app,
        default_domain=";".join(domains),
        default_translation_directories=";".join(directories),
        default_locale=app.config["BABEL_DEFAULT_LOCALE"],
        locale_selector=locale_selector,
        timezone_selector=timezone_selector,
    )
    app.extensions[EXTENSION] = {
        m.name: Domain(
            translation_directories=[str(CORE_DIRECTORY), str(m.translations.directory)],
            domain=f"{CORE_DOMAIN};{m.translations.domain}",
        )
        for m in registry
        if m.translations is not None
    }
    app.before_request(_use_app_domain)
    return babel


def app_domain(app_name: str) -> Domain:
    """The domain bound to ``app_name``'s catalogue; the default one if it has none."""
    domains: dict[str, Domain] = current_app.extensions.get(EXTENSION, {})
    return domains.get(app_name) or get_domain()


def _use_app_domain() -> None:
    """While an app's blueprint serves the request, its domain is the request's."""
    from smartcity.state import platform_state

    top = request.blueprints[-1] if request.blueprints else None
    owner = platform_state().blueprint_app.get(top or "")
    domains: dict[str, Domain] = current_app.extensions.get(EXTENSION, {})
    if owner is not None and owner in domains:
        domains[owner].as_default()


class AppTranslations:
    """``gettext`` and friends bound to one app's domain (see ``smartcity.toolkit``).

    Safe to create at import time: the domain is looked up when a message is
    translated, in the Flask app then current. Outside a request (a worker, a
    shell) Flask-Babel translates nothing and the English msgid comes back.
    """

    def __init__(self, app_name: str) -> None:
        self.app_name = app_name

    def gettext(self, string: str, **variables: Any) -> str:
        if not has_request_context():
            return string % variables if variables else string
        return str(app_domain(self.app_name).gettext(string, **variables))

    def ngettext(self, singular: str, plural: str, num: int, **variables: Any) -> str:
        if not has_request_context():
            variables.setdefault("num", num)
            return (singular if num == 1 else plural) % variables
        return str(app_domain(self.app_name).ngettext(singular, plural, num, **variables))

    def lazy_gettext(self, string: str, **variables: Any) -> LazyString:
        """Translated when shown (form labels declared at import time)."""
        return LazyString(self.gettext, string, **variables)
