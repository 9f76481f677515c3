"""Links between apps without imports: capabilities through the core, and core signals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from smartcity import signals
from smartcity.apps import (
    AppManifest,
    AppRegistry,
    AppRegistryError,
    Capability,
    CapabilityNotDeclared,
)
from smartcity.db import db
from smartcity.tenancy import lifecycle
from smartcity.tenantcore import staff

from tests.conftest import bearer, tenant_token
from tests.ebudgeting_support import (
    HVS,
    PAPER_ACCOUNT,
    SUB_PLANNING,
    YEAR,
    budget_year,
    factors,
    item,
    make_opds,
    sub_activity,
)


def _answer(session, **params):
    return []


def test_the_registry_refuses_capabilities_outside_their_namespace_and_unknown_uses():
    stray = AppManifest(
        name="alpha", title="A", version="1", provides=(Capability("beta.rows", _answer),)
    )
    with pytest.raises(AppRegistryError, match=r"capability 'beta.rows' must be named alpha"):
        AppRegistry([stray])
    provider = AppManifest(
        name="alpha", title="A", version="1", provides=(Capability("alpha.rows", _answer),)
    )
    typo = AppManifest(name="gamma", title="G", version="1", uses=("alpha.rowz",))
    with pytest.raises(AppRegistryError, match=r"uses 'alpha.rowz', which alpha does not"):
        AppRegistry([provider, typo])
    # a provider this deployment does not install is absent, not an error
    absent = AppManifest(name="gamma", title="G", version="1", uses=("omega.rows",))
    registry = AppRegistry([provider, absent])
    assert registry.capability("omega.rows", consumer="gamma", enabled=["gamma"]) is None


def test_a_capability_is_handed_out_only_while_its_provider_is_enabled():
    provider = AppManifest(
        name="alpha", title="A", version="1", provides=(Capability("alpha.rows", _answer),)
    )
    consumer = AppManifest(name="gamma", title="G", version="1", uses=("alpha.rows",))
    registry = AppRegistry([provider, consumer])
    assert registry.capability("alpha.rows", consumer="gamma", enabled=["alpha"]) is _answer
    assert registry.capability("alpha.rows", consumer="gamma", enabled=["gamma"]) is None
    with pytest.raises(CapabilityNotDeclared):
        registry.capability("alpha.rows", consumer="alpha", enabled=["alpha"])


def _set_enabled(state, slug, app, on):
    with db.platform_transaction() as session:
        tenant = lifecycle.get_tenant(session, slug, for_update=True)
        kwargs = {
            "registry": state.registry,
            "role_prefix": state.settings.role_prefix,
            "actor": "tests",
        }
        if on:
            lifecycle.enable_app(session, tenant, app, migrations=state.migrations, **kwargs)
        else:
            lifecycle.disable_app(session, tenant, app, **kwargs)


def test_noticeboard_reads_ebudgeting_figures_through_the_core(client, state, provision, tenant_db):
    slug = provision(apps=("noticeboard", "ebudgeting"))
    with tenant_db(slug) as session:
        opds = make_opds(session)
        fiscal_year = budget_year(session, opds)
        sub = sub_activity(session, fiscal_year, opds)
        from tenants.ebudgeting import planning as rka

        rka.add_line(
            session,
            sub.id,
            catalogue_item_id=item(session, HVS).id,
            account_code=PAPER_ACCOUNT,
            factors=factors(("10", "rim")),
            actor=opds.operator,
        )
    token = tenant_token(client, slug)
    url = f"/t/{slug}/api/v1/noticeboard/budget?year={YEAR}&org_unit_id={opds.dinkes}"
    body = client.get(url, headers=bearer(token)).get_json()
    assert body["available"] is True
    assert body["sub_activities"] == [
        {"code": SUB_PLANNING, "budget": str(Decimal("550000.00")), "realization": "0.00"}
    ]
    other_opd = client.get(url.replace(f"={opds.dinkes}", f"={opds.disdik}"), headers=bearer(token))
    assert other_opd.get_json() == {"available": True, "sub_activities": []}

    _set_enabled(state, slug, "ebudgeting", on=False)
    absent = client.get(url, headers=bearer(token))
    assert absent.status_code == 200
    assert absent.get_json() == {"available": False, "sub_activities": []}


def test_core_signals_reach_subscribers_inside_the_changing_transaction(
    state, provision, tenant_db
):
    slug = provision()
    seen: list[tuple[str, object]] = []

    def on_staff(sender, **kw):
        seen.append(("staff", (kw["action"], kw["nips"])))

    def on_unit(sender, **kw):
        seen.append(("unit", kw["action"]))

    def on_enabled(sender, **kw):
        # the receiver writes through the same transaction that enabled the app
        assert kw["tenant_session"].in_transaction()
        seen.append(("enabled", (sender, kw["app"])))

    def on_disabled(sender, **kw):
        seen.append(("disabled", (sender, kw["app"])))

    def on_suspended(sender, **kw):
        seen.append(("suspended", sender))

    with (
        signals.staff_changed.connected_to(on_staff),
        signals.org_unit_changed.connected_to(on_unit),
        signals.app_enabled.connected_to(on_enabled),
        signals.app_disabled.connected_to(on_disabled),
        signals.tenant_suspended.connected_to(on_suspended),
    ):
        with tenant_db(slug) as session:
            opds = make_opds(session)
            person = staff.create_staff(
                session,
                actor="tests",
                nip="197001101992011001",
                name="Siti Aminah",
                status="PNS",
                golongan="III/a",
                position="Analis",
                unit_id=opds.dinkes,
            )
            staff.update_staff(session, person, actor="tests", position="Analis Kebijakan")
        _set_enabled(state, slug, "noticeboard", on=True)
        _set_enabled(state, slug, "noticeboard", on=False)
        with db.platform_transaction() as session:
            tenant = lifecycle.get_tenant(session, slug, for_update=True)
            lifecycle.change_status(session, tenant, "suspend", actor="tests", reason="tests")
    assert seen == [
        ("unit", "created"),
        ("unit", "created"),
        ("staff", ("created", ("197001101992011001",))),
        ("staff", ("updated", ("197001101992011001",))),
        ("enabled", (slug, "noticeboard")),
        ("disabled", (slug, "noticeboard")),
        ("suspended", slug),
    ]
