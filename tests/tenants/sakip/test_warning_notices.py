"""Early warnings by notice: each OPD's SAKIP officers hear of its red-band indicators,
once per quarter per indicator, through the worker's task and a real SMTP catcher."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from smartcity.tenantcore import memberships, users
from smartcity.tenantcore.models import Notice, User
from sqlalchemy import select

from tenants.sakip import agreements, realization
from tenants.sakip.access import GRANTS, Actor
from tenants.sakip.warnings import notify_red_indicators
from tests.conftest import PASSWORD
from tests.sakip_support import ADMIN, YEAR, make_regency, make_users
from tests.support.notices import run_notice_messages, worker_celery
from tests.workers import broker_of, redis_server
from worker.apps import app_beat_schedule


@pytest.fixture(scope="module")
def private_broker(app: Any) -> Any:
    with redis_server() as server, broker_of(app, server.url):
        yield server


def _red_dinkes(session: Any, regency: Any) -> None:
    """A signed PK for Dinas Kesehatan whose first two quarters project 60 %: red."""
    pk = agreements.create(
        session,
        ADMIN,
        org_unit_id=regency.dinkes,
        year=YEAR,
        official=agreements.Official("dr. Sri", "Kepala Dinas Kesehatan"),
        superior=agreements.Official("H. Bupati", "Bupati"),
        place="Pati",
    )
    agreements.set_target(
        session,
        ADMIN,
        pk,
        indicator_lineage=regency.dinkes_indicator,
        year_target=Decimal(1000),
        quarters=[Decimal(250)] * 4,
    )
    agreements.sign(session, Actor("kadis", GRANTS["opd_head"], None), pk, date(2026, 2, 1))
    op = Actor("op", GRANTS["operator"], frozenset({regency.dinkes}), user_id=None)
    for quarter, value in ((1, "180"), (2, "120")):
        realization.enter(
            session,
            op,
            org_unit_id=regency.dinkes,
            indicator_lineage=regency.dinkes_indicator,
            year=YEAR,
            quarter=quarter,
            value=Decimal(value),
            note="",
            today=date(2026, quarter * 3 + 1, 2),
        )


def test_officers_of_the_opd_hear_of_red_indicators_once_a_quarter(
    app: Any, provision: Any, tenant_db: Any, mailbox: Any, private_broker: Any
) -> None:
    state = app.extensions["smartcity"]
    assert app_beat_schedule(state.registry)["sakip.early-warnings"]["args"] == (
        "sakip.early_warnings",
        "sakip",
    )
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        make_users(session, state.registry, regency, PASSWORD, ("sakip",))
        other = users.create_user(
            session,
            email="officer@disdik.go.id",
            name="Officer Disdik",
            password=PASSWORD,
            roles=["sakip.officer"],
            allowed_roles=state.registry.role_names(["sakip"]),
            actor="tests",
        )
        memberships.set_units(session, other.id, "sakip", [regency.disdik], actor="tests")
        _red_dinkes(session, regency)
    with app.app_context():
        with tenant_db(slug) as session:
            assert notify_red_indicators(session, YEAR, 3) == 1
        with tenant_db(slug) as session:  # the same quarter again: nothing new
            assert notify_red_indicators(session, YEAR, 3) == 0
    queue = f"{state.settings.role_prefix}.default"
    assert run_notice_messages(worker_celery(app), private_broker, queue) == 1
    letter = mailbox.wait_for(
        lambda m: "officer@dinkes.go.id" in m.to and f"Kabupaten {slug}" in m.subject
    )
    assert "Peringatan dini: Bayi diimunisasi lengkap" in letter.subject
    assert "menuju pita merah" in letter.body and "600" in letter.body
    assert f"/sakip/opd/{regency.dinkes}/{YEAR}" in letter.body
    with tenant_db(slug) as session:
        recipients = session.scalars(select(Notice.user_id)).all()
        officer = session.scalar(select(User.id).where(User.email == "officer@dinkes.go.id"))
    assert recipients == [officer]  # not Disdik's officer, not Dinkes's operator or head
    with app.app_context(), tenant_db(slug) as session:  # next quarter: told again
        assert notify_red_indicators(session, YEAR, 4) == 1
