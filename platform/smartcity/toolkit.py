"""The core as a granted app sees it: the one module apps are meant to import.

Modelled on CKAN's ``plugins.toolkit``: the core may move things around behind
these names without breaking an app. It grows as apps move onto it; a name is
added here when an app needs it, never by re-exporting the core wholesale.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from flask import g

from smartcity import access, signals
from smartcity.api.spec import ApiSpec
from smartcity.apps import Capability, CapabilityNotDeclared, SubActivityBudget
from smartcity.i18n import AppTranslations
from smartcity.public import HoneypotGuard, SpamGuard, check_spam, spam_fields
from smartcity.state import platform_state

__all__ = [
    "ApiSpec",
    "AppTranslations",
    "Capability",
    "CapabilityNotDeclared",
    "HoneypotGuard",
    "SpamGuard",
    "SubActivityBudget",
    "access",
    "capability",
    "check_spam",
    "signals",
    "spam_fields",
    "translations",
]


def capability(consumer: str, name: str) -> Callable[..., Any] | None:
    """The capability ``name`` for this request's regency, bound to its session; or None.

    None when the providing app is not enabled for the regency: the caller shows
    that plainly ("e-Budgeting is not enabled here") instead of failing.
    ``consumer`` is the asking app's name; it must list ``name`` in its ``uses``.
    """
    provide = platform_state().registry.capability(name, consumer=consumer, enabled=g.tenant.apps)
    return None if provide is None else partial(provide, g.db)


def translations(app_name: str) -> AppTranslations:
    """``gettext``, ``ngettext`` and ``lazy_gettext`` bound to the app's own domain.

    The app declares its catalogue in its manifest (``translations``); messages it
    lacks fall back to the core's catalogue. Typically, at the top of a module:
    ``_ = translations("ebudgeting").gettext``.
    """
    return AppTranslations(app_name)
