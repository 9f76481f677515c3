"""The OpenAPI documents are valid OpenAPI 3, and no generated request gets a 5xx.

A regency has one document: the core's operations and those of every app it
enabled, and none of the others'; public operations say so (``security: []``).

The fuzz run is property-based (Schemathesis over Hypothesis): every operation
of the platform's document and of a regency's with every granted app gets a bounded number
of valid and invalid requests, derandomized so CI sees the same requests each
run, sent through WSGI with a valid bearer token. A 5xx fails the test with
the requests that caused it.
"""

from __future__ import annotations

from collections.abc import Iterator

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from openapi_spec_validator import validate
from smartcity.tenantcore.models import User

from tests.conftest import PASSWORD, operator_token, tenant_token
from tests.ebudgeting_support import HVS, budget_year, item, make_opds, make_users

#: Examples per operation and mode: enough to try each parameter's edges, small
#: enough that the two documents (about 60 operations) take about a minute on 2 cores.
EXAMPLES = 15


#: Every granted app, so the fuzz run reaches each one's operations.
GRANTED = ("ebudgeting", "ekinerja", "pelayanan", "sakip")
#: What the fuzzing user holds beside TAPD: the widest role of each other app.
WIDEST = ("ekinerja.bkpsdm_admin", "pelayanan.coordinator", "sakip.coordinator")


@pytest.fixture
def regency(provision, tenant_db, state):
    slug = provision(apps=GRANTED)
    with tenant_db(slug) as session:
        opds = make_opds(session)
        ids = make_users(session, state.registry, opds, PASSWORD)
        tapd = session.get(User, ids["tapd@example.go.id"])
        tapd.roles = [*tapd.roles, *WIDEST]
        budget_year(session, opds)
        item(session, HVS)
    return slug


@pytest.fixture
def every_app(provision):
    return provision(apps=(*GRANTED, "noticeboard", "digest"))


def _documents(client, *slugs: str) -> Iterator[tuple[str, dict]]:
    for url in (
        "/platform/api/v1/openapi.json",
        *(f"/t/{slug}/api/v1/openapi.json" for slug in slugs),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        yield url, response.get_json()


def test_every_document_is_valid_openapi(client, regency, every_app, provision, app):
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    core_only = provision()
    for url, document in _documents(client, regency, every_app, core_only):
        validate(document)  # raises with the first problem, e.g. an undeclared path parameter
        # The documented paths are the routed ones (the parameters are derived from them).
        base = document["servers"][0]["url"].removeprefix(f"/t/{regency}")
        base = base.removeprefix(f"/t/{every_app}").removeprefix(f"/t/{core_only}")
        for path, item_ in document["paths"].items():
            for operation in item_.values():
                declared = {p["name"] for p in operation.get("parameters", ())}
                assert declared == set(_names(path)), (url, path)
        routed = {_openapi(rule).removeprefix(base) for rule in rules if rule.startswith(base)}
        assert set(document["paths"]) <= routed, set(document["paths"]) - routed


def _paths(client, slug: str) -> dict[str, dict]:
    response = client.get(f"/t/{slug}/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()["paths"]


def test_a_regency_document_lists_the_apps_it_enabled_and_no_other(client, provision):
    core = _paths(client, provision())
    budgeting = _paths(client, provision(apps=("ebudgeting",)))
    both = _paths(client, provision(apps=("ebudgeting", "noticeboard")))

    def app_paths(paths: dict, app_name: str) -> set[str]:
        return {p for p in paths if p.startswith(f"/{app_name}/")}

    assert "/users" in core and "/jobs" in core
    assert app_paths(core, "ebudgeting") == set() and app_paths(core, "noticeboard") == set()
    assert "/ebudgeting/years" in budgeting
    assert len(app_paths(budgeting, "ebudgeting")) > 20
    assert app_paths(budgeting, "noticeboard") == set()
    assert set(core) < set(budgeting) < set(both)
    assert "/noticeboard/notices" in both
    # The app's separate document is gone: one document per regency.
    slug = provision(apps=("ebudgeting",))
    assert client.get(f"/t/{slug}/api/v1/ebudgeting/openapi.json").status_code == 404


def test_public_operations_are_marked_public(client, provision):
    paths = _paths(client, provision(apps=("ebudgeting",)))
    public = {
        f"{method.upper()} {path}"
        for path, item in paths.items()
        for method, operation in item.items()
        if operation["security"] == []
    }
    assert public == {"POST /auth/token"}
    me = paths["/me"]["get"]
    assert me["security"] == [{"bearer": []}] and "401" in me["responses"]
    users = paths["/users"]["get"]
    assert users["x-permissions"] == ["users.manage"] and "403" in users["responses"]
    assert paths["/ebudgeting/years"]["get"]["x-permissions"] == ["ebudgeting.view"]
    platform = client.get("/platform/api/v1/openapi.json").get_json()["paths"]
    assert platform["/auth/token"]["post"]["security"] == []
    assert platform["/tenants"]["get"]["security"] == [{"bearer": []}]


def _names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def _openapi(rule: str) -> str:
    from smartcity.api.spec import openapi_path

    return openapi_path(rule)[0]


def _fuzz(app, url: str, headers: dict[str, str]) -> list[str]:
    """Every operation of the document at ``url``, positive and negative; the 5xx seen."""
    schema = schemathesis.openapi.from_wsgi(url, app)
    failures: list[str] = []
    operations = 0
    sent: set[str] = set()
    for result in schema.get_all_operations():
        operations += 1
        operation = result.ok()
        for mode in schemathesis.GenerationMode:

            @hypothesis.settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
            def send(case: schemathesis.Case) -> None:
                response = case.call(headers=headers)
                sent.add(f"{case.method} {case.path}")
                if response.status_code >= 500:
                    failures.append(
                        f"{response.status_code} {case.method} {case.formatted_path} "
                        f"query={case.query} body={case.body!r:.300}"
                    )

            try:
                send()
            except hypothesis.errors.Unsatisfiable:
                # No invalid request exists for this operation (nothing in it can be
                # wrong), or no valid one in the other mode: nothing to send.
                continue
    # Every operation was tried (none skipped as unusable), so a pass means something.
    assert operations > 5 and len(sent) == operations, (operations, len(sent))
    return failures


def test_no_generated_request_gets_a_server_error(app, client, regency):
    slug = regency
    tenant = {"Authorization": f"Bearer {tenant_token(client, slug, 'tapd@example.go.id')}"}
    failures = _fuzz(app, f"/t/{slug}/api/v1/openapi.json", tenant)
    operator = {"Authorization": f"Bearer {operator_token(client)}"}
    failures += _fuzz(app, "/platform/api/v1/openapi.json", operator)
    assert failures == []
