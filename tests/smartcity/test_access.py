"""Deny by default: every route declares who may use it, and the gate enforces it.

The rule is declared once per endpoint (``smartcity.access``; API operations
with ``ApiSpec.route``) and checked before the view runs, so API reads
authenticate exactly like writes and a page that forgets its rule is refused,
not open. The walks below cover every route the app serves, including the
test apps', the console and the platform API.
"""

from __future__ import annotations

import re

import pytest
from smartcity.access import Who, rule_of
from smartcity.api.spec import DOCUMENT_ENDPOINT, EXTENSION

from tests.conftest import PASSWORD, bearer, tenant_token

#: Every endpoint anyone may use without signing in. Opening one is a decision:
#: add it here with the reason.
PUBLIC_ENDPOINTS = {
    "health.healthz",  # probes
    "health.readyz",
    "console.login",  # sign-in forms and the sign-out button
    "console.login_code",
    "console.logout",
    "tenant_web.login",
    "tenant_web.logout",
    "tenant_web.set_password_link",  # the link's token is the credential
    "tenant_web.set_password",
    "tenant_web.logo",  # shown on the sign-in page
    "support_web.enter",  # the hand-over token is the credential
    "support_web.end",  # ends only a support session, else redirects
    "platform_api.issue_operator_token",  # token exchanges
    "tenant_api.issue_user_token",
    "platform_api.openapi",  # the API documents
    "tenant_api.openapi",
    "console.forgot_password",  # forgotten passwords: for visitors who cannot sign in
    "console.reset_password_link",
    "console.reset_password",
    "tenant_web.forgot_password",
    "noticeboard_public.board",  # an app's public pages and API (AppManifest.public_*)
    "noticeboard_public.suggest",
    "noticeboard_public_api.notices",
    # Public services: citizens report, track and rate without an account.
    "pelayanan_public.home",
    "pelayanan_public.complaint_form",
    "pelayanan_public.submit_complaint",
    "pelayanan_public.track_form",
    "pelayanan_public.track",
    "pelayanan_public.rate",
    "pelayanan_public.reply",
    "pelayanan_public.catalogue",
    "pelayanan_public.service",
    "pelayanan_public_api.submit_complaint",
    "pelayanan_public_api.lookup",
    "pelayanan_public_api.rate",
    "pelayanan_public_api.services",
    "pelayanan_public_api.service",
    "pelayanan_public.survey_form",
    "pelayanan_public.survey_submit",
    "pelayanan_public.skm",
    "pelayanan_public.board",
    "pelayanan_public_api.survey_submit",
    "pelayanan_public_api.skm",
    "pelayanan_public_api.board",
    "pelayanan_public_api.challenge",  # a proof-of-work challenge to solve before posting
    "pelayanan_public.consultations",
    "pelayanan_public.consultation",
    "pelayanan_public.comment",
    "pelayanan_public_api.performance_of",  # a published service beside its standard
}
ALL_APPS = ("ebudgeting", "noticeboard", "digest", "pelayanan", "ekinerja", "sakip")


def _kind(state, endpoint: str) -> str:
    return state.blueprint_kind[endpoint.rpartition(".")[0]]


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue  # Flask's file routes
        yield rule, rule_of(app.view_functions[rule.endpoint])


def _url(rule) -> str:
    """The rule with every argument filled in: 1, or the first choice of an ``any``."""

    def fill(match: re.Match[str]) -> str:
        choices = re.match(r"any\(([^)]*)\)", match["converter"] or "")
        return choices.group(1).split(",")[0].strip() if choices else "1"

    return re.sub(r"<(?:(?P<converter>[^:>]+):)?\w+>", fill, rule.rule)


def _methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


@pytest.fixture
def everything(provision):
    """A regency with every test app enabled: every tenant route is served there."""
    return provision(apps=ALL_APPS)


def test_every_route_declares_who_may_use_it(app, state):
    undeclared, misplaced, public = [], [], set()
    for rule, access in _routes(app):
        if access is None:
            undeclared.append(f"{rule.rule} ({rule.endpoint})")
            continue
        if access.is_public:
            public.add(rule.endpoint)
        kind = _kind(state, rule.endpoint)
        if kind == "platform" and access.who not in (Who.OPERATOR, Who.PUBLIC):
            misplaced.append(f"{rule.rule}: {access} on the console")
        if kind == "tenant" and access.who is Who.OPERATOR:
            misplaced.append(f"{rule.rule}: {access} on a regency")
    assert undeclared == []
    assert misplaced == []
    assert public == PUBLIC_ENDPOINTS


def test_every_api_view_is_its_declared_operation(app):
    """Route and OpenAPI operation are one declaration: no API view without its operation,
    no operation without its route (same method, same path)."""
    mounted = app.extensions[EXTENSION]
    assert {"platform_api", "tenant_api", "ebudgeting_api", "noticeboard_api"} <= set(mounted)
    routed = {
        (rule.endpoint, method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in _methods(rule)
    }
    api_endpoints = {e for e, _, path in routed if path.startswith(("/api/", "/platform/api/"))}
    declared = set()
    for name, spec in mounted.items():
        for op in spec.spec.operations:
            declared.add(op.endpoint)
            assert (op.endpoint, op.method, spec.prefix + op.path) in routed, op
            assert rule_of(app.view_functions[op.endpoint]) == op.rule, op
        declared.add(f"{name}.{DOCUMENT_ENDPOINT}")
    # The two documents are routes of their specs; apps have none of their own any more.
    assert api_endpoints - declared == set()
    assert "ebudgeting_api.openapi" not in api_endpoints


def test_every_api_route_refuses_a_caller_without_a_token(client, everything):
    """Reads and writes alike: 401 before the view (or the body) is looked at."""
    let_through = []
    for rule, _ in _routes(client.application):
        if rule.endpoint in PUBLIC_ENDPOINTS or not rule.rule.startswith(
            ("/api/", "/platform/api/")
        ):
            continue
        base = "" if rule.rule.startswith("/platform/") else f"/t/{everything}"
        for method in _methods(rule):
            for headers in ({}, bearer("not-a-token")):
                response = client.open(base + _url(rule), method=method, json={}, headers=headers)
                error = (response.get_json(silent=True) or {}).get("error", {})
                if response.status_code != 401 or error.get("code") != "unauthorized":
                    let_through.append(f"{method} {rule.rule}: {response.status_code}")
    assert let_through == []


def test_every_page_sends_a_visitor_to_sign_in(client, everything):
    went_elsewhere = []
    for rule, _ in _routes(client.application):
        if rule.endpoint in PUBLIC_ENDPOINTS or "GET" not in rule.methods or "/api/" in rule.rule:
            continue
        console = rule.rule.startswith("/platform/") or rule.rule == "/platform"
        base = "" if console else f"/t/{everything}"
        response = client.get(base + _url(rule))
        login = "/platform/login" if console else f"/t/{everything}/login"
        if response.status_code != 302 or not response.location.startswith(login):
            went_elsewhere.append(f"{rule.rule}: {response.status_code} {response.location}")
    assert went_elsewhere == []


@pytest.fixture
def plain_user(client, everything):
    """A signed-in user of the regency holding no role at all."""
    admin = bearer(tenant_token(client, everything))
    created = client.post(
        f"/t/{everything}/api/v1/users",
        json={"email": "plain@example.go.id", "name": "Plain", "password": PASSWORD, "roles": []},
        headers=admin,
    )
    assert created.status_code == 201, created.get_json()
    return "plain@example.go.id"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/users"),
        ("GET", "/api/v1/users/1"),
        ("DELETE", "/api/v1/users/1"),
        ("GET", "/api/v1/ebudgeting/years"),
        ("GET", "/api/v1/ebudgeting/sub-activities/1"),
        ("GET", "/api/v1/ebudgeting/catalogue"),
        ("GET", "/api/v1/ebudgeting/members"),
        ("PUT", "/api/v1/ebudgeting/members"),
        ("POST", "/api/v1/noticeboard/notices"),
    ],
)
def test_the_api_refuses_a_user_without_the_permission(
    client, everything, plain_user, method, path
):
    token = bearer(tenant_token(client, everything, plain_user))
    response = client.open(f"/t/{everything}{path}", method=method, json={}, headers=token)
    assert response.status_code == 403, response.get_json()
    assert response.get_json()["error"]["code"] == "forbidden"
    assert "requires the permission" in response.get_json()["error"]["message"]


def test_pages_refuse_a_user_without_the_permission(everything, plain_user, page_sign_in):
    client = page_sign_in(everything, plain_user)
    assert client.get(f"/t/{everything}/").status_code == 200  # signed in: their home page
    assert client.get(f"/t/{everything}/noticeboard/").status_code == 200
    for path in ("/admin/users", "/admin/staff", "/admin/", "/ebudgeting/", "/ebudgeting/members"):
        assert client.get(f"/t/{everything}{path}").status_code == 403, path


def test_an_endpoint_without_a_rule_is_refused(app, everything, page_sign_in):
    """Deny by default: a view that declares nothing is closed even to the regency's admin."""
    client = page_sign_in(everything)
    assert client.get(f"/t/{everything}/noticeboard/").status_code == 200
    declared = app.view_functions["noticeboard.index"]

    def undeclared() -> str:
        return "open"

    app.view_functions["noticeboard.index"] = undeclared
    try:
        assert client.get(f"/t/{everything}/noticeboard/").status_code == 403
        token = bearer(tenant_token(client, everything))
        assert client.get(f"/t/{everything}/api/v1/me", headers=token).status_code == 200
    finally:
        app.view_functions["noticeboard.index"] = declared


def test_a_blueprint_declared_public_opens_only_its_undeclared_views():
    """``open_blueprint`` is how a manifest's public pages get their rule in one place."""
    from flask import Blueprint, Flask
    from smartcity.access import PUBLIC, SIGNED_IN, open_blueprint, signed_in

    bp = Blueprint("board", __name__)
    bp.add_url_rule("/", "board", lambda: "board")
    bp.add_url_rule("/mine", "mine", signed_in(lambda: "mine"))
    flask_app = Flask(__name__)
    flask_app.register_blueprint(open_blueprint(bp))
    assert rule_of(flask_app.view_functions["board.board"]) == PUBLIC
    assert rule_of(flask_app.view_functions["board.mine"]) == SIGNED_IN
