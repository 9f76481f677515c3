"""Escalations by notice: the coordinators and the flagged OPD's heads are told, once per
complaint and deadline, by e-mail after the deadline task commits."""

from __future__ import annotations

from typing import Any

import pytest
from smartcity.tenantcore.models import Notice, User
from sqlalchemy import select

from tenants.pelayanan import complaints
from tenants.pelayanan.access import GRANTS, Actor
from tests.conftest import PASSWORD
from tests.pelayanan_support import REGENCY, make_regency, submission
from tests.support.notices import run_notice_messages, worker_celery
from tests.workers import broker_of, redis_server

COORDINATOR = Actor("koordinator@pati.go.id", GRANTS["coordinator"], None)


@pytest.fixture(scope="module")
def private_broker(app: Any) -> Any:
    with redis_server() as server, broker_of(app, server.url):
        yield server


def test_escalations_notify_the_coordinator_and_that_opds_head_once(
    app: Any, provision: Any, tenant_db: Any, mailbox: Any, private_broker: Any
) -> None:
    state = app.extensions["smartcity"]
    regency = make_regency(provision, tenant_db, state, PASSWORD)
    with app.app_context():
        with tenant_db(regency.slug) as session:
            waiting, _ = complaints.submit(
                session, submission(), [], regency_code=REGENCY, channel="web"
            )
            dispatched, _ = complaints.submit(
                session, submission(), [], regency_code=REGENCY, channel="web"
            )
            (row,) = complaints.dispatch(session, COORDINATOR, dispatched, [regency.dinkes], "cek")
            today = complaints.now(session).date()
            waiting.verify_due = today
            row.due = today
            assert complaints.escalate_due(session) == 2
        with tenant_db(regency.slug) as session:
            assert complaints.escalate_due(session) == 0
    queue = f"{state.settings.role_prefix}.default"
    assert run_notice_messages(worker_celery(app), private_broker, queue) == 1
    with tenant_db(regency.slug) as session:
        told = sorted(
            session.execute(
                select(User.email, Notice.subject_params["number"].as_integer()).join(
                    Notice, Notice.user_id == User.id
                )
            ).all()
        )
    assert told == sorted(
        [
            ("koordinator@pati.go.id", waiting.id),
            ("koordinator@pati.go.id", dispatched.id),
            ("kadis@dinkes.go.id", dispatched.id),
        ]
    )  # not the liaisons, not another OPD's people
    letter = mailbox.wait_for(
        lambda m: "kadis@dinkes.go.id" in m.to and f"Kabupaten {regency.slug}" in m.subject
    )
    assert f"Pengaduan {dispatched.id} dieskalasi" in letter.subject
    assert f"/pelayanan/complaints/{dispatched.id}" in letter.body
