"""SAKIP indicators fed by Pelayanan Publik's figures through its capability: linked by the
OPD, offered per quarter, taken only on purpose (with the source kept and audited),
absent where the regency has no Pelayanan, unavailable once it is switched off."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from smartcity.db import db
from smartcity.errors import Conflict, Forbidden, InvalidInput, NotFound
from smartcity.tenancy import lifecycle
from smartcity.tenantcore import users
from smartcity.tenantcore.models import AuditEntry
from sqlalchemy import select

from tenants.pelayanan import performance, survey
from tenants.pelayanan.models import Service
from tenants.sakip import realization, sources
from tenants.sakip.access import GRANTS, Actor
from tenants.sakip.models import IndicatorLink, Realization
from tests.conftest import PASSWORD, bearer, tenant_token
from tests.pelayanan_support import Regency as PelayananRegency
from tests.pelayanan_support import known_quarter
from tests.sakip_support import (
    make_regency,
    make_users,
    public_services,
    signed_pk,
    today_in,
)

REGION = "33.18"
BOTH = ("sakip", "pelayanan")


def _provider(state: Any, session: Any) -> Any:
    """The capability as the core hands it to SAKIP, bound to the regency's session."""
    provide = state.registry.capability(
        sources.CAPABILITY, consumer="sakip", enabled=["sakip", "pelayanan"]
    )
    assert provide is not None
    return partial(provide, session)


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def test_an_opd_links_an_indicator_and_takes_the_quarters_figure_on_purpose(
    provision: Any, tenant_db: Any, state: Any
) -> None:
    slug = provision(apps=BOTH, region_code=REGION)
    with tenant_db(slug) as session:
        today = today_in(session)
        quarter = (today.month - 1) // 3 + 1
        regency = make_regency(session)
        signed_pk(session, regency, today.year)
        services = public_services(session, regency, REGION, today)
        provide = _provider(state, session)
        operator = Actor("operator", GRANTS["operator"], frozenset({regency.dinkes}), user_id=None)
        link = sources.link(
            session,
            operator,
            provide,
            org_unit_id=regency.dinkes,
            indicator_lineage=regency.dinkes_indicator,
            measure="skm_index",
            service_id=services.dinkes_service,
            today=today,
        )
        assert (link.label, link.source) == ("Surat Keterangan Sehat", sources.CAPABILITY)
        # Nothing is entered by linking: the figure is offered beside the (empty) record.
        views = sources.views(
            session,
            provide,
            org_unit_id=regency.dinkes,
            year=today.year,
            monthly=False,
            today=today,
        )
        offer = views[regency.dinkes_indicator].offers[quarter]
        assert offer.value == Decimal("81.94") and offer.key == f"{today.year}-Q{quarter}"
        assert session.scalars(select(Realization)).all() == []
        # The OPD typed its own figure first: the offer does not replace it by itself.
        typed = realization.enter(
            session,
            operator,
            org_unit_id=regency.dinkes,
            indicator_lineage=regency.dinkes_indicator,
            year=today.year,
            quarter=quarter,
            value=Decimal(75),
            note="Rekap manual loket",
            today=today,
        )
        assert typed.value == Decimal(75) and typed.source is None
        taken = sources.take(
            session,
            operator,
            provide,
            org_unit_id=regency.dinkes,
            indicator_lineage=regency.dinkes_indicator,
            year=today.year,
            quarter=quarter,
            today=today,
        )
        assert taken.id == typed.id and taken.value == Decimal("81.94")
        assert taken.status == "entered" and taken.note == "Rekap manual loket"
        assert taken.source == {
            "capability": "pelayanan.service_performance",
            "measure": "skm_index",
            "service_id": services.dinkes_service,
            "name": "Surat Keterangan Sehat",
            "period": f"{today.year}-Q{quarter}",
            "value": "81.94",
        }
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "sakip.realization.take")
        ).one()
        assert Decimal(audit.before["value"]) == 75 and "source" not in audit.before
        assert audit.after["source"]["value"] == "81.94"
        assert session.scalars(
            select(AuditEntry).where(AuditEntry.action == "sakip.indicator.link")
        ).one()
        # Typed again by hand: the source goes, the figure is the OPD's own again.
        again = realization.enter(
            session,
            operator,
            org_unit_id=regency.dinkes,
            indicator_lineage=regency.dinkes_indicator,
            year=today.year,
            quarter=quarter,
            value=Decimal(80),
            note="",
            today=today,
        )
        assert again.source is None
        sources.take(
            session,
            operator,
            provide,
            org_unit_id=regency.dinkes,
            indicator_lineage=regency.dinkes_indicator,
            year=today.year,
            quarter=quarter,
            today=today,
        )
        # Verified by someone else, then locked: not even the source replaces it.
        officer = Actor("officer", GRANTS["officer"], frozenset({regency.dinkes}), user_id=None)
        realization.review(session, officer, taken, accept=True, note="")
        with pytest.raises(Conflict):
            sources.take(
                session,
                operator,
                provide,
                org_unit_id=regency.dinkes,
                indicator_lineage=regency.dinkes_indicator,
                year=today.year,
                quarter=quarter,
                today=today,
            )
        # A quarter that has not started has nothing to take; a bad quarter is refused.
        for bad in (0, 5):
            with pytest.raises(InvalidInput):
                sources.take(
                    session,
                    operator,
                    provide,
                    org_unit_id=regency.dinkes,
                    indicator_lineage=regency.dinkes_indicator,
                    year=today.year,
                    quarter=bad,
                    today=today,
                )
        # The other indicator is not linked.
        with pytest.raises(NotFound):
            sources.take(
                session,
                operator,
                provide,
                org_unit_id=regency.dinkes,
                indicator_lineage=regency.dinkes_negative,
                year=today.year,
                quarter=quarter,
                today=today,
            )


def test_hostile_links_are_refused(provision: Any, tenant_db: Any, state: Any) -> None:
    foreign = provision(apps=BOTH, region_code="33.19")
    with tenant_db(foreign) as session:
        other = make_regency(session, "33.19")
        elsewhere = public_services(session, other, "33.19", today_in(session))
        # More services there than here, so its newest id does not exist here.
        extra = Service(
            org_unit_id=other.dinkes,
            name="Layanan Jepara",
            status="published",
            components={},
            drafted_by="t",
        )
        session.add(extra)
        session.flush()
        foreign_id = extra.id
        assert foreign_id > elsewhere.disdik_service
    slug = provision(apps=BOTH, region_code=REGION)
    with tenant_db(slug) as session:
        today = today_in(session)
        regency = make_regency(session)
        services = public_services(session, regency, REGION, today)
        assert foreign_id not in (services.dinkes_service, services.disdik_service)
        provide = _provider(state, session)
        operator = Actor("operator", GRANTS["operator"], frozenset({regency.dinkes}), user_id=None)

        def link(**changes: Any) -> IndicatorLink:
            values: dict[str, Any] = {
                "org_unit_id": regency.dinkes,
                "indicator_lineage": regency.dinkes_indicator,
                "measure": "complaints_finished",
                "service_id": services.dinkes_service,
            } | changes
            actor = values.pop("actor", operator)
            return sources.link(session, actor, provide, today=today, **values)

        # Another regency's service, another OPD's service, a service that never was.
        for service_id in (foreign_id, services.disdik_service, 2**63 - 1):
            with pytest.raises(InvalidInput) as refused:
                link(service_id=service_id)
            assert "no such service of this OPD" in str(refused.value)
        # Another OPD's indicator: as their OPD (not ours), or smuggled under ours.
        with pytest.raises(Forbidden):
            link(org_unit_id=regency.disdik, service_id=services.disdik_service)
        with pytest.raises(InvalidInput):
            link(indicator_lineage=regency.rpjmd_indicator)
        with pytest.raises(InvalidInput):
            link(measure="skm_grade")  # a letter, not a figure: not a measure
        viewer = Actor("viewer", GRANTS["viewer"], None)
        with pytest.raises(Forbidden):
            link(actor=viewer)
        assert session.scalars(select(IndicatorLink)).all() == []
        # The OPD as a whole, then replaced by a service's measure: one link per indicator.
        first = link(service_id=None, measure="on_time_percent")
        assert first.label == "Dinas Kesehatan"
        second = link(measure="complaints_received")
        assert second.id == first.id and second.service_id == services.dinkes_service
        # Another OPD's operator cannot remove it.
        stranger = Actor("op", GRANTS["operator"], frozenset({regency.disdik}), user_id=None)
        with pytest.raises(NotFound):
            sources.get(session, stranger, second.id)
        sources.unlink(session, operator, second)
        assert session.scalars(select(IndicatorLink)).all() == []


def _api_regency(provision: Any, tenant_db: Any, state: Any, apps: tuple[str, ...]) -> Any:
    slug = provision(apps=apps, region_code=REGION)
    with tenant_db(slug) as session:
        today = today_in(session)
        regency = make_regency(session)
        make_users(session, state.registry, regency, PASSWORD, apps)
        signed_pk(session, regency, today.year)
        services = public_services(session, regency, REGION, today) if "pelayanan" in apps else None
    return slug, regency, services, today


def test_pages_and_api_link_offer_and_take_in_both_languages(
    app: Any, provision: Any, tenant_db: Any, state: Any, page_sign_in: Any
) -> None:
    slug, regency, services, today = _api_regency(provision, tenant_db, state, BOTH)
    quarter = (today.month - 1) // 3 + 1
    client = app.test_client()
    operator = bearer(tenant_token(client, slug, "operator@dinkes.go.id"))
    api = f"/t/{slug}/api/v1/sakip"
    listed = client.get(f"{api}/indicator-links?org_unit_id={regency.dinkes}", headers=operator)
    data = listed.get_json()
    assert listed.status_code == 200 and data["pelayanan"] is True and data["links"] == []
    assert [c["service_id"] for c in data["choices"]] == [None, services.dinkes_service]
    assert {m["key"] for m in data["measures"]} == set(sources.MEASURES)
    body = {
        "org_unit_id": regency.dinkes,
        "indicator_lineage": regency.dinkes_indicator,
        "measure": "complaints_finished",
        "service_id": services.dinkes_service,
    }
    made = client.put(f"{api}/indicator-links", json=body, headers=operator)
    assert made.status_code == 200, made.get_data(as_text=True)
    link_id = made.get_json()["id"]
    # Hostile bodies are 4xx, never 500.
    for bad in (
        {"service_id": 2**63},
        {"service_id": services.disdik_service},
        {"org_unit_id": regency.disdik},
        {"measure": "x" * 41},
        {"measure": "drop table"},
        {"extra": 1},
    ):
        answer = client.put(f"{api}/indicator-links", json=body | bad, headers=operator)
        assert answer.status_code in (403, 422), (bad, answer.status_code)
    listed = client.get(f"{api}/indicator-links?org_unit_id={regency.dinkes}", headers=operator)
    (shown,) = listed.get_json()["links"]
    assert shown["available"] and shown["found"] and shown["label"] == "Surat Keterangan Sehat"
    assert shown["offers"][-1] == {
        "period": quarter,
        "key": f"{today.year}-Q{quarter}",
        "value": "1",
    }
    # A year Pelayanan does not answer for offers nothing and breaks nothing.
    old = client.get(
        f"{api}/indicator-links?org_unit_id={regency.dinkes}&year=1999", headers=operator
    )
    assert old.status_code == 200 and old.get_json()["links"][0]["offers"] == []
    # The page offers it, in Indonesian by default and in English.
    web = page_sign_in(slug, "operator@dinkes.go.id")
    page_url = f"/t/{slug}/sakip/opd/{regency.dinkes}/{today.year}"
    page = web.get(page_url).get_data(as_text=True)
    assert "Angka dari Pelayanan Publik" in page and "Ambil dari Pelayanan Publik" in page
    assert web.get(f"/t/{slug}/sakip/opd/{regency.dinkes}/1999").status_code == 200
    english = web.get(f"{page_url}?lang=en").get_data(as_text=True)
    assert "Figures from Pelayanan Publik" in english and "Take from Pelayanan Publik" in english
    taken = web.post(
        f"/t/{slug}/sakip/opd/{regency.dinkes}/{today.year}/take",
        data={
            "csrf_token": _csrf(english),
            "indicator_lineage": str(regency.dinkes_indicator),
            "quarter": str(quarter),
        },
    )
    assert taken.status_code == 303
    page = web.get(page_url).get_data(as_text=True)
    assert "from Pelayanan Publik: Complaints finished, Surat Keterangan Sehat" in page
    roman = {1: "I", 2: "II", 3: "III", 4: "IV"}[quarter]
    assert f"Surat Keterangan Sehat, quarter {roman} {today.year}" in page, re.findall(
        r"from Pelayanan Publik: [^<]*", page
    )
    assert 'data-source="complaints_finished"' in page
    # The same through the API: the answer carries the source.
    again = client.post(
        f"{api}/realizations/take",
        json={
            "org_unit_id": regency.dinkes,
            "indicator_lineage": regency.dinkes_indicator,
            "year": today.year,
            "quarter": quarter,
        },
        headers=operator,
    )
    assert (
        again.status_code == 200 and again.get_json()["source"]["measure"] == "complaints_finished"
    )
    for bad in ({"quarter": 9}, {"quarter": None}, {"quarter": 1, "month": 1}, {"year": 1900}):
        answer = client.post(
            f"{api}/realizations/take",
            json={
                "org_unit_id": regency.dinkes,
                "indicator_lineage": regency.dinkes_indicator,
                "year": today.year,
                "quarter": quarter,
            }
            | bad,
            headers=operator,
        )
        assert answer.status_code == 422, (bad, answer.status_code)
    # A viewer reads but neither links nor takes; another OPD's indicator is not ours.
    viewer = bearer(tenant_token(client, slug, "viewer@example.go.id"))
    assert client.put(f"{api}/indicator-links", json=body, headers=viewer).status_code == 403
    assert client.delete(f"{api}/indicator-links/{link_id}", headers=viewer).status_code == 403
    assert (
        client.get(
            f"{api}/indicator-links?org_unit_id={regency.disdik}", headers=operator
        ).status_code
        == 403
    )
    assert client.delete(f"{api}/indicator-links/{link_id}", headers=operator).status_code == 204
    assert client.delete(f"{api}/indicator-links/{link_id}", headers=operator).status_code == 404
    with tenant_db(slug) as session:
        kept = session.scalars(select(Realization)).one()
        assert kept.source is not None and kept.value == Decimal(1)  # taken figures stay


def test_a_regency_without_pelayanan_offers_no_link_and_nothing_breaks(
    app: Any, provision: Any, tenant_db: Any, state: Any, page_sign_in: Any
) -> None:
    slug, regency, _services, today = _api_regency(provision, tenant_db, state, ("sakip",))
    client = app.test_client()
    operator = bearer(tenant_token(client, slug, "operator@dinkes.go.id"))
    api = f"/t/{slug}/api/v1/sakip"
    data = client.get(f"{api}/indicator-links?org_unit_id={regency.dinkes}", headers=operator)
    assert data.status_code == 200
    assert data.get_json() | {"measures": []} == {
        "pelayanan": False,
        "org_unit_id": regency.dinkes,
        "year": today.year,
        "measures": [],
        "choices": [],
        "links": [],
    }
    refused = client.put(
        f"{api}/indicator-links?lang=id",
        json={
            "org_unit_id": regency.dinkes,
            "indicator_lineage": regency.dinkes_indicator,
            "measure": "skm_index",
        },
        headers=operator,
    )
    assert refused.status_code == 409
    assert "Pelayanan Publik tidak diaktifkan" in refused.get_json()["error"]["localized"]
    take = client.post(
        f"{api}/realizations/take",
        json={
            "org_unit_id": regency.dinkes,
            "indicator_lineage": regency.dinkes_indicator,
            "year": today.year,
            "quarter": 1,
        },
        headers=operator,
    )
    assert take.status_code == 404
    web = page_sign_in(slug, "operator@dinkes.go.id")
    page = web.get(f"/t/{slug}/sakip/opd/{regency.dinkes}/{today.year}")
    assert page.status_code == 200 and 'id="pelayanan-links"' not in page.get_data(as_text=True)


def test_links_say_their_source_is_unavailable_once_pelayanan_is_switched_off(
    app: Any, provision: Any, tenant_db: Any, state: Any, page_sign_in: Any
) -> None:
    slug, regency, services, today = _api_regency(provision, tenant_db, state, BOTH)
    quarter = (today.month - 1) // 3 + 1
    client = app.test_client()
    operator = bearer(tenant_token(client, slug, "operator@dinkes.go.id"))
    api = f"/t/{slug}/api/v1/sakip"
    made = client.put(
        f"{api}/indicator-links",
        json={
            "org_unit_id": regency.dinkes,
            "indicator_lineage": regency.dinkes_indicator,
            "measure": "skm_respondents",
            "service_id": services.dinkes_service,
        },
        headers=operator,
    )
    take = {
        "org_unit_id": regency.dinkes,
        "indicator_lineage": regency.dinkes_indicator,
        "year": today.year,
        "quarter": quarter,
    }
    assert made.status_code == 200
    assert client.post(f"{api}/realizations/take", json=take, headers=operator).status_code == 200
    with db.platform_transaction() as session:
        tenant = lifecycle.get_tenant(session, slug, for_update=True)
        lifecycle.disable_app(
            session,
            tenant,
            "pelayanan",
            registry=state.registry,
            role_prefix=state.settings.role_prefix,
            actor="tests",
        )
    data = client.get(
        f"{api}/indicator-links?org_unit_id={regency.dinkes}", headers=operator
    ).get_json()
    assert data["pelayanan"] is False and data["choices"] == []
    (shown,) = data["links"]
    assert shown["available"] is False and shown["offers"] == []
    refused = client.post(f"{api}/realizations/take?lang=en", json=take, headers=operator)
    assert refused.status_code == 409
    assert "not enabled for this regency" in refused.get_json()["error"]["localized"]
    web = page_sign_in(slug, "operator@dinkes.go.id")
    page = web.get(f"/t/{slug}/sakip/opd/{regency.dinkes}/{today.year}?lang=en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="source-unavailable"' in text
    assert "source unavailable" in text
    assert "from Pelayanan Publik: SKM respondents, Surat Keterangan Sehat" in text  # kept
    assert "Take from Pelayanan Publik" not in text
    # The link can still be removed.
    link_id = shown["id"]
    assert client.delete(f"{api}/indicator-links/{link_id}", headers=operator).status_code == 204


def test_the_figures_offered_are_pelayanans_own_for_the_same_period(
    app: Any, provision: Any, tenant_db: Any, state: Any
) -> None:
    """What SAKIP is offered equals Pelayanan's own figures, pages and report of the period."""
    slug = provision(apps=BOTH, region_code=REGION)
    with tenant_db(slug) as session:
        regency = make_regency(session)
        make_users(session, state.registry, regency, PASSWORD, BOTH)
        users.create_user(
            session,
            email="pelayanan@example.go.id",
            name="Pelayanan",
            password=PASSWORD,
            roles=["pelayanan.viewer", "sakip.viewer"],
            allowed_roles=state.registry.role_names(list(BOTH)),
            actor="tests",
        )
    # March 2025, counted by hand in tests/pelayanan_support.py.
    skd, _ppdb = known_quarter(tenant_db, PelayananRegency(slug, regency.dinkes, regency.disdik))
    client = app.test_client()
    operator = bearer(tenant_token(client, slug, "operator@dinkes.go.id"))
    api = f"/t/{slug}/api/v1/sakip"
    for lineage, measure, service_id in (
        (regency.dinkes_indicator, "median_days", skd),
        (regency.dinkes_negative, "skm_index", None),
    ):
        made = client.put(
            f"{api}/indicator-links",
            json={
                "org_unit_id": regency.dinkes,
                "indicator_lineage": lineage,
                "measure": measure,
                "service_id": service_id,
            },
            headers=operator,
        )
        assert made.status_code == 200, made.get_data(as_text=True)
    links = client.get(
        f"{api}/indicator-links?org_unit_id={regency.dinkes}&year=2025", headers=operator
    ).get_json()["links"]
    offered = {link["measure"]: {o["key"]: o["value"] for o in link["offers"]} for link in links}
    assert offered["median_days"]["2025-Q1"] == "4.5"
    assert offered["skm_index"]["2025-Q1"] == "80.56"
    assert offered["skm_index"]["2025-Q2"] == "25.00"  # April's one answer
    # Pelayanan's own API and public report of the same quarter say the same.
    viewer = bearer(tenant_token(client, slug, "pelayanan@example.go.id"))
    own = client.get(
        f"/t/{slug}/api/v1/pelayanan/services/{skd}/performance?period=2025-Q1", headers=viewer
    ).get_json()["service"]
    assert Decimal(own["median_days_to_finish"]) == Decimal(offered["median_days"]["2025-Q1"])
    skm = client.get(f"/t/{slug}/api/v1/public/pelayanan/skm?period=2025-Q1").get_json()
    (dinkes_skm,) = [o for o in skm["opds"] if o["name"] == "Dinas Kesehatan"]
    assert Decimal(dinkes_skm["index"]) == Decimal(offered["skm_index"]["2025-Q1"])
    with tenant_db(slug) as session:
        report = survey.results(session, survey.period("2025-Q2", today_in(session)))
        (april,) = [s for _u, s in report.opds if s.name == "Dinas Kesehatan"]
        assert april.index == Decimal(offered["skm_index"]["2025-Q2"])
        # And the capability's records are the figures of performance.figures.
        records = performance.service_performance(
            session, year=2025, quarter=1, org_unit_id=regency.dinkes
        )
        (record,) = [r for r in records if r.service_id == skd]
        assert record.median_days == Decimal("4.5") and record.on_time_percent == Decimal("50.00")


def test_a_regency_reporting_monthly_takes_the_months_figure(
    provision: Any, tenant_db: Any, state: Any
) -> None:
    slug = provision(apps=BOTH, region_code=REGION)
    with tenant_db(slug) as session:
        today = today_in(session)
        regency = make_regency(session)
        signed_pk(session, regency, today.year)
        services = public_services(session, regency, REGION, today)
        found = realization.settings(session)
        found.monthly_realization = True
        provide = _provider(state, session)
        operator = Actor("operator", GRANTS["operator"], frozenset({regency.dinkes}), user_id=None)
        sources.link(
            session,
            operator,
            provide,
            org_unit_id=regency.dinkes,
            indicator_lineage=regency.dinkes_indicator,
            measure="skm_respondents",
            service_id=services.dinkes_service,
            today=today,
        )
        views = sources.views(
            session, provide, org_unit_id=regency.dinkes, year=today.year, monthly=True, today=today
        )
        offers = views[regency.dinkes_indicator].offers
        assert sorted(offers) == list(range(1, today.month + 1))
        assert offers[today.month].key == f"{today.year}-{today.month:02d}"
        assert offers[today.month].value == 2
        quarter = (today.month - 1) // 3 + 1
        # The quarter is refused where months are reported; the month is taken.
        with pytest.raises(Conflict):
            sources.take(
                session,
                operator,
                provide,
                org_unit_id=regency.dinkes,
                indicator_lineage=regency.dinkes_indicator,
                year=today.year,
                quarter=quarter,
                today=today,
            )
        row = sources.take(
            session,
            operator,
            provide,
            org_unit_id=regency.dinkes,
            indicator_lineage=regency.dinkes_indicator,
            year=today.year,
            month=today.month,
            today=today,
        )
        assert row.quarter == quarter and row.source is None  # rolled up from its months
        months = realization.months_of(session, regency.dinkes, today.year)
        taken = months[(regency.dinkes_indicator, today.month)]
        assert taken.value == 2 and taken.source is not None
        assert taken.source["period"] == f"{today.year}-{today.month:02d}"
