"""e-Budgeting pages: drafting, refusals in Bahasa Indonesia, review, realization, members."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import func, select

from tenants.ebudgeting import planning as rka
from tenants.ebudgeting import review, stages
from tenants.ebudgeting.models import BudgetLine, Payment, SubActivity
from tenants.ebudgeting.years import get_year
from tests.conftest import PASSWORD
from tests.ebudgeting_support import (
    CHAIR,
    FEES_ACCOUNT,
    HVS,
    MEALS_ACCOUNT,
    PAPER_ACCOUNT,
    SNACK,
    SPEAKER,
    SUB_MOTHERS,
    SUB_PLANNING,
    agree_kua_ppas,
    budget_year,
    factors,
    item,
    make_opds,
    make_users,
    paper_line,
    stage_document,
    sub_activity,
)
from tests.support.web import csrf_token, sign_in


@pytest.fixture
def regency(provision, tenant_db, state):
    slug = provision(apps=("ebudgeting",))
    with tenant_db(slug) as session:
        opds = make_opds(session)
        make_users(session, state.registry, opds, PASSWORD)
        fiscal_year = budget_year(session, opds, pagu="300000000")
        items = {code: item(session, code).id for code in (HVS, SNACK, SPEAKER)}
        year_id = fiscal_year.id
    return slug, opds, items, year_id


def browser(app, slug, email):
    client = app.test_client()
    assert sign_in(client, slug, email, PASSWORD).status_code in (302, 303)
    return client


def post(client, page, url, data, **kw):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, **kw)


def text(response):
    """What a reader sees: the page without its tags, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def html(response):
    return response.get_data(as_text=True)


def test_an_opd_drafts_on_the_pages_and_reads_refusals_in_indonesian(app, regency):
    slug, opds, items, _ = regency
    base = f"/t/{slug}/ebudgeting"
    operator = browser(app, slug, "operator@dinkes.go.id")
    assert operator.get(f"{base}/").headers["Location"].endswith("/ebudgeting/2026/")
    overview = text(operator.get(f"{base}/2026/"))
    assert "Anggaran 2026" in overview and "Dinas Kesehatan" in overview
    assert "Dinas Pendidikan" not in overview  # an OPD user sees only their OPD
    opd_page = f"{base}/2026/opd/{opds.dinkes}"
    assert operator.get(f"{base}/2026/opd/{opds.disdik}").status_code == 404

    created = post(
        operator,
        opd_page,
        f"{opd_page}/sub-activities",
        {
            "sub_kegiatan_code": SUB_MOTHERS,
            "target": "1.200",
            "location": "25 Puskesmas",
            "funding_source": "DAK Non Fisik",
            "ceiling": "150.000.000",
        },
    )
    assert created.status_code == 303, text(created)
    rka_page = created.headers["Location"]
    page = text(operator.get(rka_page))
    assert "Pengelolaan Pelayanan Kesehatan Ibu Hamil" in page and "Draf" in page
    assert "1.200 Orang" in page
    # The trail and the coefficient's example are read (or heard) in the page's language.
    assert '<nav aria-label="Jejak navigasi">' in html(operator.get(rka_page))
    assert 'placeholder="mis. 2 orang x 3 hari"' in html(operator.get(rka_page))
    english = html(operator.get(f"{rka_page}?lang=en"))
    assert '<nav aria-label="Breadcrumb">' in english and 'aria-label="breadcrumb"' not in english
    assert 'placeholder="e.g. 2 people x 3 days"' in english
    operator.get(f"{rka_page}?lang=id")
    # The edit form offers the target as it is typed in Indonesia, never 1.2E+3.
    assert 'name="target" value="1.200" inputmode="decimal"' in html(operator.get(rka_page))

    refused = post(
        operator,
        rka_page,
        f"{rka_page}/lines",
        {
            "catalogue_item_id": items[SPEAKER],
            "account_code": FEES_ACCOUNT,
            "coefficient": "1 orang x 2 jam",
            "unit_price": "1.250.000",
        },
    )
    assert refused.status_code == 422
    body = text(refused)
    assert (
        "harga Rp 1.250.000 melebihi harga maksimum standar Rp 1.000.000 untuk komponen "
        "SBU.01.01.001 Honorarium Narasumber Pejabat Eselon II"
    ) in body
    # The refusal reads as one sentence: no rule title or id glued in front of it.
    assert "harga tidak melebihi standar harga:" not in body and "[catalogue_price]" not in body
    assert 'value="1 orang x 2 jam"' in html(refused)  # what was typed is kept
    english = post(
        operator,
        f"{rka_page}?lang=en",
        f"{rka_page}/lines",
        {
            "catalogue_item_id": items[SPEAKER],
            "account_code": FEES_ACCOUNT,
            "coefficient": "1 orang x 2 jam",
            "unit_price": "1250000",
        },
    )
    assert "price Rp 1.250.000 exceeds the catalogue maximum Rp 1.000.000" in text(english)
    assert "price within the catalogue maximum:" not in text(english)
    operator.get(f"{rka_page}?lang=id")

    added = post(
        operator,
        rka_page,
        f"{rka_page}/lines",
        {
            "catalogue_item_id": items[SNACK],
            "account_code": MEALS_ACCOUNT,
            "coefficient": "25 orang x 4 kali",
            "description": "kelas ibu hamil",
        },
    )
    assert added.status_code == 303
    page = text(operator.get(rka_page))
    assert "25 orang x 4 kali" in page and "Rp 2.000.000" in page and "kelas ibu hamil" in page
    # The operator cannot submit; there is no button for it either.
    assert "Ajukan ke TAPD" not in page


def test_review_on_the_pages_with_notes_the_opd_reads(app, regency, tenant_db):
    slug, opds, items, _ = regency
    base = f"/t/{slug}/ebudgeting"
    with tenant_db(slug) as session:
        from tenants.ebudgeting.years import get_year

        sub = sub_activity(session, get_year(session, 2026), opds)
        rka.add_line(
            session,
            sub.id,
            catalogue_item_id=items[HVS],
            account_code=PAPER_ACCOUNT,
            factors=factors(("10", "rim")),
            actor=opds.operator,
        )
        sub_id = sub.id
    page = f"{base}/sub/{sub_id}"
    head = browser(app, slug, "kadis@dinkes.go.id")
    assert "Ajukan ke TAPD" in text(head.get(page))
    assert post(head, page, f"{page}/review", {"action": "submit"}).status_code == 303
    assert "Diajukan" in text(head.get(page))

    tapd = browser(app, slug, "tapd@example.go.id")
    returned = post(
        tapd, page, f"{page}/review", {"action": "return", "note": "Kertas cukup 6 rim"}
    )
    assert returned.status_code == 303
    operator = browser(app, slug, "operator@dinkes.go.id")
    overview = text(operator.get(f"{base}/2026/"))
    assert "TAPD mengembalikan rencana berikut dengan catatan" in overview
    assert "Kertas cukup 6 rim" in overview
    assert "“Kertas cukup 6 rim”" in text(operator.get(page))

    post(head, page, f"{page}/review", {"action": "submit"})
    chair = browser(app, slug, "sekda@example.go.id")
    assert post(chair, page, f"{page}/review", {"action": "lock"}).status_code == 303
    locked = text(operator.get(page))
    assert "Dikunci" in locked and "Tambah rincian" not in locked
    # A refused step is explained, and nothing changes.
    refused = post(tapd, page, f"{page}/review", {"action": "lock"}, follow_redirects=True)
    assert "memerlukan izin ebudgeting.lock" in text(refused)

    viewer = browser(app, slug, "dprd@example.go.id")
    assert viewer.get(page).status_code == 200
    assert (
        "Kunci"
        not in text(viewer.get(page)).split("Riwayat verifikasi")[0].split("Rincian belanja")[0]
    )


def test_stage_changes_and_realization_pages(app, regency, tenant_db):
    slug, opds, items, _ = regency
    base = f"/t/{slug}/ebudgeting"
    with tenant_db(slug) as session:
        from tenants.ebudgeting.years import get_year

        fiscal_year = get_year(session, 2026)
        sub = sub_activity(session, fiscal_year, opds, code=SUB_PLANNING)
        line = rka.add_line(
            session,
            sub.id,
            catalogue_item_id=items[HVS],
            account_code=PAPER_ACCOUNT,
            factors=factors(("20", "rim")),
            actor=opds.operator,
        )
        review.transition(session, sub.id, "submit", note=None, actor=opds.head)
        review.transition(session, sub.id, "lock", note=None, actor=CHAIR)
        agree_kua_ppas(session, fiscal_year)
        stages.take_snapshot(
            session, fiscal_year, "rka", document=stage_document("rka"), actor=CHAIR
        )
        review.transition(session, sub.id, "reopen", note="Pembahasan Banggar DPRD", actor=CHAIR)
        rka.update_line(session, line, factors=factors(("12", "rim")), actor=opds.operator)
        review.transition(session, sub.id, "submit", note=None, actor=opds.head)
        review.transition(session, sub.id, "lock", note=None, actor=CHAIR)
        stages.take_snapshot(
            session, fiscal_year, "apbd", document=stage_document("apbd"), actor=CHAIR
        )

    # The chair takes the DPA on the page: its number and date, after confirming.
    chair = browser(app, slug, "sekda@example.go.id")
    overview = f"{base}/2026/"
    form = text(chair.get(overview))
    assert "Nomor DPA" in form and "tidak dapat dibatalkan" in form
    assert "membekukan 1 sub kegiatan dengan 1 baris, seluruhnya Rp 660.000" in form
    dpa = {"stage": "dpa", "document_number": "DPA/1.02.01/001/2026", "document_date": "2026-01-02"}
    unconfirmed = post(chair, overview, f"{base}/2026/stage", dpa)
    assert unconfirmed.status_code == 422
    assert "tidak dapat dibatalkan" in text(unconfirmed)
    undated = post(
        chair, overview, f"{base}/2026/stage", {**dpa, "document_date": "", "confirm": "yes"}
    )
    assert undated.status_code == 422 and "DPA memerlukan dokumennya" in text(undated)
    taken = post(chair, overview, f"{base}/2026/stage", {**dpa, "confirm": "yes"})
    assert taken.status_code == 303, text(taken)
    with tenant_db(slug) as session:
        snap = stages.snapshot_of(session, get_year(session, 2026), "dpa")
        assert (snap.document_number, str(snap.document_date)) == (
            "DPA/1.02.01/001/2026",
            "2026-01-02",
        )

    tapd = browser(app, slug, "tapd@example.go.id")
    changes = text(tapd.get(f"{base}/2026/changes?from=rka&to=apbd"))
    assert "RKA Rp 1.100.000 → APBD Rp 660.000 -Rp 440.000" in changes
    assert 'data-kind="changed"' in html(tapd.get(f"{base}/2026/changes?from=rka&to=apbd"))

    realization = f"{base}/2026/realization"
    bad = (
        "nomor_sp2d,tanggal,kode_opd,kode_sub_kegiatan,kode_rekening,nilai\n"
        f"1/SP2D,2026-02-01,1.02.01,{SUB_PLANNING},{PAPER_ACCOUNT},700000\n"
        f"2/SP2D,2026-02-01,1.02.01,{SUB_PLANNING},{MEALS_ACCOUNT},1000\n"
    ).encode()
    refused = post(
        tapd,
        realization,
        f"{base}/2026/payments/import",
        {"file": (io.BytesIO(bad), "sp2d.csv")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    body = text(refused)
    assert "sp2d.csv tidak diimpor: 2 masalah" in body
    # Every bad row in Indonesian, without a rule id glued in front.
    assert "DPA tidak memuat rekening 5.1.02.01.01.0052" in body
    assert "akan mencapai Rp 700.000, melebihi anggaran DPA sebesar Rp 660.000" in body
    assert "[dpa_line_budget]" not in body and "above its DPA amount" not in body
    with tenant_db(slug) as session:
        assert session.scalar(select(func.count()).select_from(Payment)) == 0

    good = bad.split(b"\n2/")[0].replace(b"700000", b"600000") + b"\n"
    imported = post(
        tapd,
        realization,
        f"{base}/2026/payments/import",
        {"file": (io.BytesIO(good), "sp2d.csv")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 303
    page = tapd.get(realization).get_data(as_text=True)
    chart = json.loads(
        re.search(
            r'<script type="application/json" id="eb-chart-data">(.*?)</script>', page, re.S
        ).group(1)
    )
    assert chart["realized"][1] == 600000.0 and chart["labels"][4] == "Mei"
    assert "90,91" in page  # 600.000 of 660.000 paid, the Indonesian way
    assert 'id="eb-chart"' in page
    # The payment form offers the DPA's lines (sub-activity and account) and nothing else.
    form = html(tapd.get(f"{base}/2026/realization"))
    offered = re.findall(r'name="dpa_line"[^>]*>(.*?)</select>', form, re.S)[0]
    assert re.findall(r'<option value="([^"]+)"', offered) == [f"{sub.id}:{PAPER_ACCOUNT}"]
    paid = post(
        tapd,
        f"{base}/2026/realization",
        f"{base}/2026/payments",
        {
            "sp2d_number": "9/SP2D",
            "paid_on": "2026-02-02",
            "dpa_line": f"{sub.id}:{PAPER_ACCOUNT}",
            "amount": "10.000",
        },
    )
    assert paid.status_code == 303, text(paid)


def test_catalogue_proposals_and_member_assignment_pages(app, regency, tenant_db):
    slug, opds, _items, _ = regency
    base = f"/t/{slug}/ebudgeting"
    operator = browser(app, slug, "operator@dinkes.go.id")
    catalogue = f"{base}/catalogue?year=2026"
    assert "Kertas HVS" in text(operator.get(f"{catalogue}&q=kertas"))
    proposed = post(
        operator,
        catalogue,
        f"{base}/catalogue",
        {
            "year": "2026",
            "kind": "SSH",
            "name": "Madu Hutan",
            "specification": "botol 500 ml",
            "unit": "Botol",
            "max_price": "95000",
            "account_codes": "5.1.02.01.01.0053",
        },
    )
    assert proposed.status_code == 303
    tapd = browser(app, slug, "tapd@example.go.id")
    pending = text(tapd.get(catalogue))
    assert "Komponen lokal menunggu keputusan TAPD" in pending and "Madu Hutan" in pending
    item_id = re.search(r"/catalogue/(\d+)/decision", tapd.get(catalogue).get_data(as_text=True))
    decided = post(
        tapd,
        catalogue,
        f"{base}/catalogue/{item_id.group(1)}/decision",
        {"decision": "approve", "note": ""},
    )
    assert decided.status_code == 303
    assert "LOKAL-2026-0001" in text(tapd.get(f"{catalogue}&q=madu"))

    admin = browser(app, slug, "admin@example.go.id")
    members = text(admin.get(f"{base}/members"))
    assert "operator@dinkes.go.id" in members
    assert "Pengguna e-Budgeting" in text(admin.get(f"/t/{slug}/"))
    assert operator.get(f"{base}/members").status_code == 403
    with tenant_db(slug) as session:
        from smartcity.tenantcore.models import User

        user_id = session.scalar(select(User.id).where(User.email == "operator@dinkes.go.id"))
    moved = post(
        admin, f"{base}/members", f"{base}/members/{user_id}", {"org_unit_ids": str(opds.disdik)}
    )
    assert moved.status_code == 303
    operator = browser(app, slug, "operator@dinkes.go.id")
    assert "Dinas Pendidikan" in text(operator.get(f"{base}/2026/"))
    assert operator.get(f"{base}/2026/opd/{opds.dinkes}").status_code == 404


def test_the_rka_page_of_a_long_plan(app, regency, tenant_db):
    """500 lines render on one page, grouped by account with subtotals."""
    slug, opds, items, _ = regency
    with tenant_db(slug) as session:
        from tenants.ebudgeting.years import get_year

        sub = sub_activity(session, get_year(session, 2026), opds, ceiling="250000000")
        for n in range(250):
            rka.add_line(
                session,
                sub.id,
                catalogue_item_id=items[HVS],
                account_code=PAPER_ACCOUNT,
                factors=factors((str(n % 5 + 1), "rim")),
                actor=opds.operator,
            )
            rka.add_line(
                session,
                sub.id,
                catalogue_item_id=items[SNACK],
                account_code=MEALS_ACCOUNT,
                factors=factors(("10", "orang")),
                actor=opds.operator,
            )
        sub_id = sub.id
    tapd = browser(app, slug, "tapd@example.go.id")
    page = tapd.get(f"/t/{slug}/ebudgeting/sub/{sub_id}").get_data(as_text=True)
    assert page.count('id="line-') == 500
    paper = sum(n % 5 + 1 for n in range(250)) * 55000  # Rp 41.250.000
    assert "Rp 41.250.000" in page and paper == 41_250_000
    assert "Rp 50.000.000" in page  # 250 x 10 boxes of snacks
    assert "Rp 91.250.000" in page


def test_tapd_lowers_a_pagu_on_the_page_only_with_a_written_reason(app, regency, tenant_db):
    slug, opds, _items, _ = regency
    base = f"/t/{slug}/ebudgeting"
    with tenant_db(slug) as session:
        from tenants.ebudgeting.years import get_year

        sub_activity(session, get_year(session, 2026), opds, ceiling="100000000")
    tapd = browser(app, slug, "tapd@example.go.id")
    overview = f"{base}/2026/"
    plain = post(
        tapd,
        overview,
        f"{base}/2026/ceilings/{opds.dinkes}",
        {"amount": "90000000"},
        follow_redirects=True,
    )
    assert (
        "pagu Rp 90.000.000 Dinas Kesehatan di bawah pagu sub kegiatan-nya Rp 100.000.000"
    ) in text(plain)
    overridden = post(
        tapd,
        overview,
        f"{base}/2026/ceilings",
        {
            "unit_id": str(opds.dinkes),
            "amount": "90000000",
            "override_reason": "Rasionalisasi KUA-PPAS perubahan",
        },
        follow_redirects=True,
    )
    assert "Pagu disimpan." in text(overridden)
    with tenant_db(slug) as session:
        from smartcity.tenantcore.models import AuditEntry

        entry = session.scalar(
            select(AuditEntry).where(AuditEntry.action == "ebudgeting.rule_override")
        )
        assert entry.after["reason"] == "Rasionalisasi KUA-PPAS perubahan"


def test_pages_offer_only_what_the_services_allow_and_a_refusal_is_a_4xx(app, regency, tenant_db):
    """The submit button follows review.available_transitions (a plan without lines
    cannot be submitted), and a refused action answers 4xx with why, writing nothing."""
    slug, opds, _items, _ = regency
    with tenant_db(slug) as session:
        from tenants.ebudgeting.years import get_year

        sub_id = sub_activity(session, get_year(session, 2026), opds).id
    page = f"/t/{slug}/ebudgeting/sub/{sub_id}"
    head = browser(app, slug, "kadis@dinkes.go.id")
    assert "Ajukan ke TAPD" not in text(head.get(page))
    refused = post(head, page, f"{page}/review", {"action": "submit"})
    assert refused.status_code == 409
    assert "belum memiliki rincian belanja untuk diajukan" in text(refused)
    with tenant_db(slug) as session:
        from tenants.ebudgeting.models import ReviewEvent, SubActivity

        assert session.get(SubActivity, sub_id).status == "draft"
        assert session.scalar(select(func.count()).select_from(ReviewEvent)) == 0


def test_the_sub_kegiatan_list_offers_the_opds_own_bidang_with_a_search(app, regency, tenant_db):
    """714 codes from every urusan are no pick-list: once the OPD carries its SIPD code
    (on the core's org unit), the health office sees health's sub kegiatan only, can
    search them, and a code of another bidang posted by hand is refused."""
    from smartcity.tenantcore import orgunits

    slug, opds, _items, _ = regency
    base = f"/t/{slug}/ebudgeting"
    page = f"{base}/2026/opd/{opds.dinkes}"
    operator = browser(app, slug, "operator@dinkes.go.id")
    assert "belum mempunyai kode SIPD" in text(operator.get(page))
    with tenant_db(slug) as session:
        unit = orgunits.get_unit(session, opds.dinkes)
        orgunits.update_unit(
            session,
            unit,
            name=unit.name,
            kind=unit.kind,
            region_code=None,
            is_active=True,
            sipd_code="1.02.0.00.0.00.01.0000",
            regency_code="33.18",
            actor="admin",
        )
    options = re.findall(r'<option value="([^"]+)"', html(operator.get(page)))
    assert SUB_MOTHERS in options and len(options) > 5
    assert all(code.startswith("1.02.") for code in options)
    found = re.findall(r'<option value="([^"]+)"', html(operator.get(f"{page}?q=ibu+hamil")))
    assert found == [SUB_MOTHERS]
    refused = post(
        operator,
        page,
        f"{page}/sub-activities",
        {
            "sub_kegiatan_code": "1.01.02.2.01.0002",
            "target": "2",
            "location": "SDN 3",
            "funding_source": "PAD",
            "ceiling": "1.000.000",
        },
    )
    assert refused.status_code == 422
    assert "bukan sub kegiatan bidang yang dilayani Dinas Kesehatan (1.02)" in text(refused)


def test_a_sub_kegiatan_is_budgeted_at_a_sub_unit_sipd_knows(app, regency, tenant_db):
    """The OPD page offers the OPD's sub-units with a SIPD code; the plan's page names its
    unit by SIPD code and moves it back to the OPD; a sub-unit of another OPD is refused."""
    from smartcity.tenantcore import orgunits

    slug, opds, _items, _ = regency
    page = f"/t/{slug}/ebudgeting/2026/opd/{opds.dinkes}"
    with tenant_db(slug) as session:
        for unit_id, sipd_code in (
            (opds.dinkes, "1.02.0.00.0.00.01.0000"),
            (opds.disdik, "1.01.0.00.0.00.01.0000"),
        ):
            unit = orgunits.get_unit(session, unit_id)
            orgunits.update_unit(
                session,
                unit,
                name=unit.name,
                kind=unit.kind,
                region_code=None,
                is_active=True,
                sipd_code=sipd_code,
                regency_code="33.18",
                actor="admin",
            )
        puskesmas, uptd_sd = (
            orgunits.create_unit(
                session,
                code=code,
                name=name,
                kind="uptd",
                parent_id=parent,
                sipd_code=sipd_code,
                regency_code="33.18",
                actor="admin",
            ).id
            for code, name, parent, sipd_code in (
                ("1.02.01.01", "UPTD Puskesmas Kayen", opds.dinkes, "1.02.0.00.0.00.01.0001"),
                ("1.01.01.01", "UPTD SD Kayen", opds.disdik, "1.01.0.00.0.00.01.0001"),
            )
        )
    operator = browser(app, slug, "operator@dinkes.go.id")
    form = html(operator.get(page))
    offered = re.findall(r'<select[^>]*name="sub_unit_id".*?</select>', form, re.S)[0]
    assert re.findall(r'<option value="(\d*)"', offered) == ["", str(puskesmas)]
    assert "1.02.0.00.0.00.01.0001 UPTD Puskesmas Kayen" in offered
    fields = {
        "sub_kegiatan_code": SUB_MOTHERS,
        "target": "40",
        "location": "Kayen",
        "funding_source": "PAD",
        "ceiling": "2.000.000",
    }
    for wrong in (str(uptd_sd), "²", "99999999999999999999"):
        refused = post(operator, page, f"{page}/sub-activities", {**fields, "sub_unit_id": wrong})
        assert refused.status_code == 422, wrong
    assert "bukan subunit OPD ini" in text(
        post(operator, page, f"{page}/sub-activities", {**fields, "sub_unit_id": str(uptd_sd)})
    )
    created = post(
        operator, page, f"{page}/sub-activities", {**fields, "sub_unit_id": str(puskesmas)}
    )
    assert created.status_code == 303, text(created)[:2000]
    sub_page = created.headers["Location"]
    shown = text(operator.get(sub_page))
    assert "Unit (SIPD) 1.02.0.00.0.00.01.0001 UPTD Puskesmas Kayen" in shown
    moved = post(operator, sub_page, sub_page, {"location": "Kayen", "sub_unit_id": ""})
    assert moved.status_code == 303
    assert "Unit (SIPD) 1.02.0.00.0.00.01.0000 Dinas Kesehatan" in text(operator.get(sub_page))
    with tenant_db(slug) as session:
        sub = session.scalar(
            select(SubActivity).where(SubActivity.sub_kegiatan_code == SUB_MOTHERS)
        )
        assert sub.sub_unit_id is None


def test_deleting_a_line_or_a_plan_and_opening_the_revision_ask_first(app, regency, tenant_db):
    slug, opds, _items, _ = regency
    base = f"/t/{slug}/ebudgeting"
    with tenant_db(slug) as session:
        fiscal_year = get_year(session, 2026)
        plan = sub_activity(session, fiscal_year, opds, code=SUB_PLANNING)
        kept_line = paper_line(session, plan, opds, "10")
        extra = paper_line(session, plan, opds, "2")
        other = sub_activity(session, fiscal_year, opds, code=SUB_MOTHERS)
        plan_id, kept_id, extra_id, other_id = plan.id, kept_line.id, extra.id, other.id

    operator = browser(app, slug, "operator@dinkes.go.id")
    page = f"{base}/sub/{plan_id}"
    shown = html(operator.get(page))
    assert f'action="{base}/line/{extra_id}/delete"' in shown
    assert 'name="confirm" value="yes" required' in shown
    # A line: a stray click deletes nothing; the ticked box does.
    stray = post(operator, page, f"{base}/line/{extra_id}/delete", {})
    assert stray.status_code == 422 and "konfirmasikan penghapusan rincian" in text(stray)
    with tenant_db(slug) as session:
        assert session.get(BudgetLine, extra_id) is not None
    gone = post(operator, page, f"{base}/line/{extra_id}/delete", {"confirm": "yes"})
    assert gone.status_code == 303
    with tenant_db(slug) as session:
        assert session.get(BudgetLine, extra_id) is None
        assert session.get(BudgetLine, kept_id) is not None

    # A whole plan, likewise.
    other_page = f"{base}/sub/{other_id}"
    stray = post(operator, other_page, f"{other_page}/delete", {})
    assert stray.status_code == 422
    with tenant_db(slug) as session:
        assert session.get(SubActivity, other_id) is not None
    assert post(operator, other_page, f"{other_page}/delete", {"confirm": "yes"}).status_code == 303
    with tenant_db(slug) as session:
        assert session.get(SubActivity, other_id) is None
        # Through the DPA, then the revision, which puts every plan back in draft.
        fiscal_year = get_year(session, 2026)
        review.transition(session, plan_id, "submit", note=None, actor=opds.head)
        review.transition(session, plan_id, "lock", note=None, actor=CHAIR)
        agree_kua_ppas(session, fiscal_year)
        for stage in ("rka", "apbd", "dpa"):
            stages.take_snapshot(
                session, fiscal_year, stage, document=stage_document(stage), actor=CHAIR
            )
    chair = browser(app, slug, "sekda@example.go.id")
    overview = f"{base}/2026/"
    assert 'id="confirm-revision"' in html(chair.get(overview))
    stray = post(chair, overview, f"{base}/2026/revision", {})
    assert stray.status_code == 422 and "tidak dapat dibatalkan" in text(stray)
    with tenant_db(slug) as session:
        assert session.get(SubActivity, plan_id).status == "locked"
    opened = post(chair, overview, f"{base}/2026/revision", {"confirm": "yes"})
    assert opened.status_code == 303, text(opened)
    with tenant_db(slug) as session:
        assert session.get(SubActivity, plan_id).status == "draft"


def test_a_pagu_keeps_its_sen_in_its_row_as_in_the_total(app, regency):
    slug, opds, _items, _ = regency
    base = f"/t/{slug}/ebudgeting"
    tapd = browser(app, slug, "tapd@example.go.id")
    overview = f"{base}/2026/"
    saved = post(tapd, overview, f"{base}/2026/ceilings/{opds.dinkes}", {"amount": "1500000000,50"})
    assert saved.status_code == 303, text(saved)
    page = html(tapd.get(overview))
    # The field holds what was typed (sen and all), ready to edit; the total agrees.
    assert f'id="pagu-{opds.dinkes}" name="amount" inputmode="decimal" value="1500000000,50"' in (
        page
    )
    assert "Rp 1.500.000.000,50" in text(tapd.get(overview))  # the pagu total
