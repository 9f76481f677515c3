"""Who may use each endpoint: declared on the view, decided in one place before it runs.

Deny by default. Every endpoint the app serves (pages, the tenant and platform
APIs, every app's pages and API) carries exactly one :class:`Rule`, recorded on
its view function by the decorators below (or by ``ApiSpec.route``, which
declares an API operation's route, OpenAPI entry and rule at once). The app's
``before_request`` gate (``smartcity.app``) looks the rule up and refuses the
request before the view runs: an endpoint that declared nothing is refused with
403, and ``tests/test_access.py`` walks ``url_map`` and fails on it, so a
forgotten decorator is a failing test rather than an open page.

The rules, from the most open:

- ``public``: no sign-in at all (sign-in forms, token-bearing links, health,
  OpenAPI documents, and an app's public pages and API). Public endpoints are
  listed explicitly in the test, so opening one is a visible decision.
- ``signed_in``: any signed-in user of this regency (their home page, their own
  jobs: finer rules are the services').
- ``requires(p, ...)``: a signed-in user of this regency holding any of the
  permissions (finer rules, e.g. per OPD, stay in the services).
- ``operator``: one of Bandung's operators (the console and the platform API).

Views may still check finer rules in services; they never replace the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

from smartcity.auth.principal import OperatorPrincipal, TenantPrincipal

if TYPE_CHECKING:
    from flask import Blueprint
    from flask.blueprints import BlueprintSetupState

F = TypeVar("F", bound=Callable[..., Any])

#: The attribute a view function carries its rule in (copied by ``functools.wraps``).
ATTRIBUTE = "__smartcity_access__"


class Who(Enum):
    PUBLIC = "public"
    SIGNED_IN = "signed_in"
    PERMISSION = "permission"
    OPERATOR = "operator"


@dataclass(frozen=True)
class Rule:
    """Who may call an endpoint; ``permissions`` (any of them) only for ``PERMISSION``."""

    who: Who
    permissions: tuple[str, ...] = ()

    @property
    def is_public(self) -> bool:
        return self.who is Who.PUBLIC

    def __str__(self) -> str:
        if self.who is Who.PERMISSION:
            return "requires " + " or ".join(self.permissions)
        return str(self.who.value)


PUBLIC = Rule(Who.PUBLIC)
SIGNED_IN = Rule(Who.SIGNED_IN)
OPERATOR = Rule(Who.OPERATOR)


def permission(*permissions: str) -> Rule:
    """A signed-in user of this regency holding any of ``permissions``."""
    if not permissions or not all(p.strip() for p in permissions):
        raise ValueError("a permission rule names at least one permission")
    return Rule(Who.PERMISSION, tuple(permissions))


def declare(view: F, rule: Rule) -> F:
    """Record ``rule`` on ``view``; one endpoint has one rule, so a second one is an error."""
    existing = getattr(view, ATTRIBUTE, None)
    if existing is not None and existing != rule:
        raise TypeError(f"{view.__qualname__}: access declared twice ({existing}, then {rule})")
    setattr(view, ATTRIBUTE, rule)
    return view


def public(view: F) -> F:
    """Declare ``view`` open to anyone, signed in or not."""
    return declare(view, PUBLIC)


def signed_in(view: F) -> F:
    """Declare ``view`` open to any signed-in user of this regency."""
    return declare(view, SIGNED_IN)


def operator(view: F) -> F:
    """Declare ``view`` open to Bandung's operators only."""
    return declare(view, OPERATOR)


def requires(*permissions: str) -> Callable[[F], F]:
    """Declare ``view`` open to this regency's users holding any of ``permissions``."""
    rule = permission(*permissions)

    def decorate(view: F) -> F:
        return declare(view, rule)

    return decorate


def open_blueprint(blueprint: Blueprint, rule: Rule = PUBLIC) -> Blueprint:
    """Declare ``rule`` on every view of ``blueprint`` that declares none, when it is registered.

    For blueprints whose manifest field already says who may use them (an app's
    public pages and public API): call it once the blueprint's routes are defined
    and before it is registered, as the declaration runs after theirs.
    """

    def declare_all(state: BlueprintSetupState) -> None:
        prefix = f"{state.name}."
        for endpoint, view in state.app.view_functions.items():
            if endpoint.startswith(prefix) and rule_of(view) is None:
                declare(view, rule)

    blueprint.record(declare_all)
    return blueprint


def rule_of(view: Callable[..., Any] | None) -> Rule | None:
    """The rule declared on ``view`` or on a function it wraps; None if none was."""
    seen = 0
    while view is not None and seen < 20:
        rule = getattr(view, ATTRIBUTE, None)
        if isinstance(rule, Rule):
            return rule
        view = getattr(view, "__wrapped__", None)
        seen += 1
    return None


class Verdict(Enum):
    ALLOW = "allow"
    #: Nobody (or nobody of the right kind) is signed in: 401, or the sign-in page.
    SIGN_IN = "sign_in"
    FORBIDDEN = "forbidden"


def judge(rule: Rule | None, principal: Callable[[], object]) -> Verdict:
    """What ``rule`` says about the caller; ``principal`` is asked only when it matters,
    so a public endpoint never loads a user."""
    if rule is None:
        return Verdict.FORBIDDEN
    if rule.who is Who.PUBLIC:
        return Verdict.ALLOW
    who = principal()
    if rule.who is Who.OPERATOR:
        return Verdict.ALLOW if isinstance(who, OperatorPrincipal) else Verdict.SIGN_IN
    if not isinstance(who, TenantPrincipal):
        return Verdict.SIGN_IN
    if rule.who is Who.SIGNED_IN or any(who.can(p) for p in rule.permissions):
        return Verdict.ALLOW
    return Verdict.FORBIDDEN


def refusal_message(rule: Rule | None) -> str:
    """Why a signed-in caller was refused (English; the API shows it as it is)."""
    if rule is None:
        return "no access rule is declared for this address"
    if rule.who is Who.PERMISSION:
        return "requires the permission " + " or ".join(rule.permissions)
    return "not allowed here"
