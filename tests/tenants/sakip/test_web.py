"""SAKIP's pages: the dashboard, the PK and realization with evidence, in both languages."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from smartcity.jobs.models import Job
from sqlalchemy import select

from tenants.sakip import agreements, realization
from tenants.sakip.access import GRANTS, Actor
from tenants.sakip.models import Evidence, Realization
from tests.conftest import PASSWORD
from tests.sakip_support import ADMIN, YEAR, make_regency, make_users


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def _signed_pk(session: Any, regency: Any) -> Any:
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
    return pk


def test_pages_for_an_opd_user(
    provision: Any, tenant_db: Any, state: Any, page_sign_in: Any
) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        make_users(session, state.registry, regency, PASSWORD, ("sakip",))
        pk = _signed_pk(session, regency)
        draft = agreements.create(
            session,
            ADMIN,
            org_unit_id=regency.dinkes,
            year=YEAR + 1,
            official=agreements.Official("dr. Sri", "Kepala Dinas Kesehatan"),
            superior=agreements.Official("H. Bupati", "Bupati"),
            place="Pati",
        )
    web = page_sign_in(slug, "operator@dinkes.go.id")
    base = f"/t/{slug}/sakip"
    index = web.get(f"{base}/?year={YEAR}")
    assert index.status_code == 200
    text = index.get_data(as_text=True)
    assert "Dinas Kesehatan" in text and "Dinas Pendidikan" not in text  # only their OPD
    # The tab's title is the app's name, not the page's links and scripts.
    title = text.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.startswith("SAKIP") and "<" not in title and "href" not in title
    assert '<span class="badge text-bg-light border">disahkan</span>' in text  # the RPJMD
    plans = web.get(f"{base}/opd/{regency.dinkes}/plans").get_data(as_text=True)
    assert "v1 disahkan" in plans and "approved" not in plans
    # Without e-Budgeting the page says so, in Indonesian by default.
    page = web.get(f"{base}/agreements/{draft.id}").get_data(as_text=True)
    assert "e-Budgeting tidak diaktifkan" in page
    assert "e-Budgeting is not enabled" in web.get(
        f"{base}/agreements/{draft.id}?lang=en"
    ).get_data(as_text=True)
    # Enter a figure with a PDF as evidence, on a day inside Q... (today's quarter only
    # when the demo year is now): enter through the page for the current quarter.
    opd = web.get(f"{base}/opd/{regency.dinkes}/{YEAR}")
    assert opd.status_code == 200
    assert "R / T x 100" in opd.get_data(as_text=True) or "belum ada" in opd.get_data(as_text=True)
    # Another OPD's pages are refused.
    assert web.get(f"{base}/opd/{regency.disdik}/{YEAR}").status_code == 403
    assert web.get(f"{base}/plans/{regency.renstra_id + 99999}").status_code == 404
    # The PK's PDF is a job of record.
    form = _csrf(web.get(f"{base}/agreements/{pk.id}").get_data(as_text=True))
    asked = web.post(f"{base}/agreements/{pk.id}/pdf", data={"csrf_token": form})
    assert asked.status_code == 303
    with tenant_db(slug) as session:
        kinds = session.scalars(select(Job.kind)).all()
    assert "report:sakip_pk" in kinds


def test_realization_form_with_evidence(
    provision: Any, tenant_db: Any, state: Any, page_sign_in: Any
) -> None:
    today = date.today()  # noqa: DTZ011 - the page enters figures for "today" in the regency
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        make_users(session, state.registry, regency, PASSWORD, ("sakip",))
        # A PK for this calendar year, so this quarter is open.
        pk = agreements.create(
            session,
            ADMIN,
            org_unit_id=regency.dinkes,
            year=today.year,
            official=agreements.Official("dr. Sri", "Kepala Dinas"),
            superior=agreements.Official("Bupati", "Bupati"),
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
        agreements.sign(session, Actor("kadis", GRANTS["opd_head"], None), pk, today)
    quarter = (today.month - 1) // 3 + 1
    web = page_sign_in(slug, "operator@dinkes.go.id")
    url = f"/t/{slug}/sakip/opd/{regency.dinkes}/{today.year}"
    token = _csrf(web.get(url).get_data(as_text=True))
    bad = web.post(
        f"{url}/realizations",
        data={
            "csrf_token": token,
            "indicator_lineage": str(regency.dinkes_indicator),
            "quarter": str(quarter),
            "value": "abc",
        },
    )
    assert bad.status_code == 303  # refused with a message, nothing saved
    with tenant_db(slug) as session:
        assert session.scalars(select(Realization)).all() == []
    from io import BytesIO

    saved = web.post(
        f"{url}/realizations",
        data={
            "csrf_token": token,
            "indicator_lineage": str(regency.dinkes_indicator),
            "quarter": str(quarter),
            "value": "1.250,5",
            "note": "register",
            "evidence": (BytesIO(b"%PDF-1.4 bukti"), "bukti imunisasi.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert saved.status_code == 303
    with tenant_db(slug) as session:
        row = session.scalars(select(Realization)).one()
        assert row.value == Decimal("1250.5")
        evidence_id = session.scalars(select(Evidence.id)).one()
    download = web.get(f"/t/{slug}/sakip/evidence/{evidence_id}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 bukti"
    # The viewer of another regency's OPD, or a user not assigned to it, gets nothing.
    other = page_sign_in(slug, "viewer@example.go.id")
    assert other.get(f"/t/{slug}/sakip/evidence/{evidence_id}").status_code == 200  # sees all
    stranger_slug = provision(apps=("sakip",))
    with tenant_db(stranger_slug) as session:
        stranger_regency = make_regency(session)
        make_users(session, state.registry, stranger_regency, PASSWORD, ("sakip",))
    stranger = page_sign_in(stranger_slug, "viewer@example.go.id")
    assert stranger.get(f"/t/{slug}/sakip/evidence/{evidence_id}").status_code in (
        302,
        401,
        403,
        404,
    )


def test_dashboard_chart_and_evaluation_pages(
    provision: Any, tenant_db: Any, state: Any, page_sign_in: Any
) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        make_users(session, state.registry, regency, PASSWORD, ("sakip",))
        _signed_pk(session, regency)
        realization.enter(
            session,
            Actor("op", GRANTS["operator"], None),
            org_unit_id=regency.dinkes,
            indicator_lineage=regency.dinkes_indicator,
            year=YEAR,
            quarter=1,
            value=Decimal(200),
            note="",
            today=date(YEAR, 4, 2),
        )
    admin = page_sign_in(slug, "bappeda@example.go.id")
    base = f"/t/{slug}/sakip"
    page = admin.get(f"{base}/?year={YEAR}").get_data(as_text=True)
    assert 'id="sakip-chart-data"' in page and "Dinas Pendidikan" in page
    assert "<script>" not in page  # CSP: data as JSON, code in a file
    assert admin.get(f"{base}/static/sakip.js").status_code == 200
    sheet = admin.get(f"{base}/evaluations/{YEAR}").get_data(as_text=True)
    assert "Buka lembar kerja" in sheet
    started = admin.post(f"{base}/evaluations/{YEAR}", data={"csrf_token": _csrf(sheet)})
    assert started.status_code == 303
    sheet = admin.get(f"{base}/evaluations/{YEAR}").get_data(as_text=True)
    assert "Yang menaikkan nilai kita" in sheet and "Perencanaan Kinerja" in sheet
    with tenant_db(slug) as session:
        from tenants.sakip.models import Evaluation, LkeCriterion

        evaluation_id = session.scalars(select(Evaluation.id)).one()
        first = session.scalars(select(LkeCriterion).order_by(LkeCriterion.code)).first()
    saved = admin.post(
        f"{base}/evaluation/{evaluation_id}/answers/{first.id}",
        data={"csrf_token": _csrf(sheet), "answer": "Y", "evidence": "renstra.pdf"},
    )
    assert saved.status_code == 303
    assert "renstra.pdf" in admin.get(f"{base}/evaluations/{YEAR}").get_data(as_text=True)
    bad = admin.post(
        f"{base}/evaluation/{evaluation_id}/answers/{first.id}",
        data={"csrf_token": _csrf(sheet), "answer": "Z"},
    )
    assert bad.status_code == 303  # refused with a message
    operator = page_sign_in(slug, "operator@dinkes.go.id")
    assert (
        operator.get(f"{base}/evaluations/{YEAR}?org_unit_id={regency.disdik}").status_code == 403
    )


def test_lkjip_page_text_and_file(
    provision: Any, tenant_db: Any, state: Any, page_sign_in: Any
) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        make_users(session, state.registry, regency, PASSWORD, ("sakip",))
    officer = page_sign_in(slug, "officer@dinkes.go.id")
    url = f"/t/{slug}/sakip/lkjip/{YEAR}?org_unit_id={regency.dinkes}"
    page = officer.get(url).get_data(as_text=True)
    assert "Bab IV Penutup" in page
    saved = officer.post(url, data={"csrf_token": _csrf(page), "closing": "Target tercapai."})
    assert saved.status_code == 303
    assert "Target tercapai." in officer.get(url).get_data(as_text=True)
    asked = officer.post(
        f"/t/{slug}/sakip/lkjip/{YEAR}/file?org_unit_id={regency.dinkes}",
        data={"csrf_token": _csrf(page), "format": "xlsx"},
    )
    assert asked.status_code == 303
    with tenant_db(slug) as session:
        job = session.scalars(select(Job)).one()
        assert job.kind == "report:sakip_lkjip" and job.params["format"] == "xlsx"
    foreign = f"/t/{slug}/sakip/lkjip/{YEAR}?org_unit_id={regency.disdik}"
    assert officer.get(foreign).status_code == 403
    refused = officer.post(foreign, data={"csrf_token": _csrf(page), "closing": "x"})
    assert refused.status_code == 303  # refused with a message, nothing saved
    with tenant_db(slug) as session:
        from tenants.sakip.models import Narrative

        assert [n.org_unit_id for n in session.scalars(select(Narrative))] == [regency.dinkes]


def test_admin_page_assigns_opds_and_sets_the_rules(
    provision: Any, tenant_db: Any, state: Any, page_sign_in: Any
) -> None:
    slug = provision(apps=("sakip",))
    with tenant_db(slug) as session:
        regency = make_regency(session)
        ids = make_users(session, state.registry, regency, PASSWORD, ("sakip",))
    admin = page_sign_in(slug, "admin@example.go.id")  # the regency's admin, no SAKIP role
    page = admin.get(f"/t/{slug}/sakip/admin")
    assert page.status_code == 200
    # Each user's SAKIP roles by their names, not the codes they carry ("sakip.operator").
    assert "Operator OPD" in page.get_data(as_text=True)
    assert "sakip.operator" not in page.get_data(as_text=True)
    token = _csrf(page.get_data(as_text=True))
    user = ids["operator@dinkes.go.id"]
    moved = admin.post(
        f"/t/{slug}/sakip/admin/members/{user}",
        data={"csrf_token": token, "org_unit_ids": [str(regency.disdik)]},
    )
    assert moved.status_code == 303
    with tenant_db(slug) as session:
        from smartcity.tenantcore.memberships import units_of

        assert units_of(session, user, "sakip") == {regency.disdik}
    rules = {
        "csrf_token": token,
        "negative_formula": "t_over_r",
        "cap_percent": "",
        "green_from": "85",
        "amber_from": "60",
        "cutoff_days": "20",
    }
    assert admin.post(f"/t/{slug}/sakip/admin/settings", data=rules).status_code == 303
    with tenant_db(slug) as session:
        from tenants.sakip.models import SakipSettings

        found = session.get(SakipSettings, 1)
        assert (found.negative_formula, found.cap_percent, found.cutoff_days) == (
            "t_over_r",
            None,
            20,
        )
        assert found.grade_bound_inclusive is False
    bad = dict(rules, negative_formula="t_minus_r", cutoff_days="999")
    assert admin.post(f"/t/{slug}/sakip/admin/settings", data=bad).status_code == 303
    with tenant_db(slug) as session:
        assert session.get(SakipSettings, 1).negative_formula == "t_over_r"  # nothing half-written
    operator = page_sign_in(slug, "operator@dinkes.go.id")
    assert operator.get(f"/t/{slug}/sakip/admin").status_code == 403
