"""The regency admin's console: access, forms, roster import, invitations, audit, branding."""

from __future__ import annotations

import html
import io
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from smartcity.tenantcore import orgunits, users
from smartcity.tenantcore.models import AuditEntry, Holiday, OrgUnit, Staff, TenantSettings, User
from sqlalchemy import Engine, event, func, select

from tests.conftest import PASSWORD
from tests.support.web import (
    GOOD,
    HEADER,
    admin_client,
    csrf_token,
    field_errors,
    post_form,
    shown_errors,
    sign_in,
)

ADMIN = "admin@example.go.id"
JAKARTA = ZoneInfo("Asia/Jakarta")
MEMBER = "anggota@example.go.id"
ADMIN_PAGES = (
    "/admin/",
    "/admin/users",
    "/admin/users/new",
    "/admin/units",
    "/admin/units/new",
    "/admin/staff",
    "/admin/staff/new",
    "/admin/roster",
    "/admin/roster/template.csv",
    "/admin/calendar",
    "/admin/settings",
    "/admin/apps",
    "/admin/audit",
)
# A 1x1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e3f1c1e3"
    "0000000049454e44ae426082"
)


def _csv(*rows: str) -> bytes:
    return ("\n".join((HEADER, *rows)) + "\n").encode()


@pytest.fixture
def regency(provision, tenant_db):
    """A regency (Pati, 33.18) with two units and a member who is no admin."""
    slug = provision(apps=("noticeboard",), region_code="33.18")
    with tenant_db(slug) as session:
        setda = orgunits.create_unit(
            session,
            code="4.01",
            name="Sekretariat Daerah",
            kind="sekretariat_daerah",
            regency_code="33.18",
            actor="t",
        )
        orgunits.create_unit(
            session,
            code="4.01.01",
            name="Bagian Umum",
            kind="bagian",
            parent_id=setda.id,
            regency_code="33.18",
            actor="t",
        )
        users.create_user(
            session,
            email=MEMBER,
            name="Anggota Biasa",
            password=PASSWORD,
            roles=["member"],
            allowed_roles=["admin", "member"],
            actor="t",
        )
    return slug


def staff_count(tenant_db, slug: str) -> int:
    with tenant_db(slug) as session:
        return int(session.scalar(select(func.count()).select_from(Staff)))


# --------------------------------------------------------------------------- access


def test_every_admin_page_is_for_admins_only(app, regency):
    admin = admin_client(app, regency)
    member = app.test_client()
    assert sign_in(member, regency, email=MEMBER).status_code in (302, 303)
    anonymous = app.test_client()
    for path in ADMIN_PAGES:
        url = f"/t/{regency}{path}"
        assert admin.get(url).status_code == 200, path
        assert member.get(url).status_code == 403, path
        response = anonymous.get(url)
        assert response.status_code == 302, path
        assert f"/t/{regency}/login?next=" in response.headers["Location"], path
    # The menu offers the console to admins only.
    assert "/admin/" in admin.get(f"/t/{regency}/").get_data(as_text=True)
    assert f"/t/{regency}/admin/" not in member.get(f"/t/{regency}/").get_data(as_text=True)
    # Actions are refused to members too, not only pages.
    refused = post_form(
        member,
        f"/t/{regency}/admin/units/new",
        {"code": "4.02", "name": "Dinas X", "kind": "dinas"},
        page=f"/t/{regency}/",
    )
    assert refused.status_code == 403


def test_another_regencys_ids_are_not_found(app, regency, provision, tenant_db):
    other = provision()
    with tenant_db(other) as session:
        unit = orgunits.create_unit(
            session, code="7.01", name="Dinas Lain", kind="dinas", regency_code="33.18", actor="t"
        )
        from smartcity.tenantcore import staff

        person = staff.create_staff(
            session,
            actor="t",
            nip="198609262015051001",
            name="Orang Lain",
            status="PNS",
            golongan="III/a",
            position="Analis",
            unit_id=unit.id,
        )
        ids = {"unit": unit.id, "staff": person.id}
    with tenant_db(regency) as session:
        taken = set(session.scalars(select(OrgUnit.id))) | set(session.scalars(select(Staff.id)))
        top_user = session.scalar(select(func.max(User.id)))
    admin = admin_client(app, regency)
    # Ids that exist only in the other regency (identity columns count per schema).
    for path in (
        f"/admin/units/{max(ids['unit'], *taken) + 50}",
        f"/admin/staff/{max(ids['staff'], *taken) + 50}",
        f"/admin/users/{top_user + 50}",
        "/admin/roster/999999",
    ):
        assert admin.get(f"/t/{regency}{path}").status_code == 404, path
    # And the other regency's unit, by the very id it has there, is not shown here.
    page = admin.get(f"/t/{regency}/admin/units/{ids['unit']}")
    assert "Dinas Lain" not in page.get_data(as_text=True)


# --------------------------------------------------------------------------- org units


def test_org_units_are_created_through_the_form_and_shown_as_a_tree(app, regency, tenant_db):
    admin = admin_client(app, regency)
    base = f"/t/{regency}/admin/units"
    with tenant_db(regency) as session:
        setda_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "4.01"))
    created = post_form(
        admin,
        f"{base}/new",
        {"code": "4.01.02", "name": "Bagian Hukum", "kind": "bagian", "parent_id": setda_id},
    )
    assert created.status_code == 303, shown_errors(created)
    # A kecamatan picks its kode wilayah from the regency's own list.
    form_page = admin.get(f"{base}/new").get_data(as_text=True)
    assert 'value="33.18.01"' in form_page and "Sukolilo" in form_page
    assert 'value="35.19.01"' not in form_page  # Madiun's kecamatan are not Pati's
    kec = post_form(
        admin,
        f"{base}/new",
        {
            "code": "7.01",
            "name": "Kecamatan Sukolilo",
            "kind": "kecamatan",
            "region_code": "33.18.01",
        },
    )
    assert kec.status_code == 303, shown_errors(kec)
    tree = admin.get(base).get_data(as_text=True)
    rows = re.findall(r'data-unit="([\d.]+)" data-depth="(\d)"', tree)
    assert rows == [("4.01", "0"), ("4.01.01", "1"), ("4.01.02", "1"), ("7.01", "0")]
    assert "Sukolilo" in tree
    # A sub-unit whose code does not start with its parent's: the reason is by the code.
    bad = post_form(
        admin,
        f"{base}/new?lang=en",
        {"code": "5.01", "name": "Salah", "kind": "bagian", "parent_id": setda_id},
    )
    assert bad.status_code == 422
    assert "must start with its parent's code 4.01." in field_errors(
        bad.get_data(as_text=True), "code"
    )
    with tenant_db(regency) as session:
        assert session.scalar(select(OrgUnit.id).where(OrgUnit.code == "5.01")) is None


def test_an_org_unit_is_renamed_and_deactivated_but_not_while_staffed(app, regency, tenant_db):
    admin = admin_client(app, regency)
    with tenant_db(regency) as session:
        unit = session.scalars(select(OrgUnit).where(OrgUnit.code == "4.01.01")).one()
        unit_id = unit.id
        from smartcity.tenantcore import staff

        staff.create_staff(
            session,
            actor="t",
            nip=GOOD[0].split(",")[0],
            name="Budi",
            status="PNS",
            golongan="IV/a",
            position="Kepala",
            unit_id=unit.id,
        )
    url = f"/t/{regency}/admin/units/{unit_id}"
    refused = post_form(admin, url + "?lang=en", {"name": "Bagian Umum", "kind": "bagian"})
    assert refused.status_code == 409  # is_active unticked, one active staff member
    assert "still has 1 active staff" in refused.get_data(as_text=True)
    saved = post_form(
        admin, url, {"name": "Bagian Umum dan Protokol", "kind": "bagian", "is_active": "y"}
    )
    assert saved.status_code == 303, shown_errors(saved)
    with tenant_db(regency) as session:
        unit = session.get(OrgUnit, unit_id)
        assert (unit.name, unit.code, unit.is_active) == (
            "Bagian Umum dan Protokol",
            "4.01.01",
            True,
        )


def test_the_sipd_code_is_entered_on_the_unit_form_and_checked(app, regency, tenant_db):
    admin = admin_client(app, regency)
    base = f"/t/{regency}/admin/units"
    with tenant_db(regency) as session:
        setda, bagian = (
            session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))
            for code in ("4.01", "4.01.01")
        )
    setda_form = {"name": "Sekretariat Daerah", "kind": "sekretariat_daerah", "is_active": "y"}
    # A sub-unit's code before its OPD has one: refused, the reason by the field.
    early = post_form(
        admin,
        f"{base}/{bagian}",
        {
            "name": "Bagian Umum",
            "kind": "bagian",
            "is_active": "y",
            "sipd_code": "4.01.0.00.0.00.01.0001",
        },
    )
    assert early.status_code == 422
    assert "unit induknya belum memiliki kode SIPD" in field_errors(
        early.get_data(as_text=True), "sipd_code"
    )
    for bad, why in (
        ("4.01.0.00.0.00.01.0001", "kode OPD berakhir .0000"),
        ("4.0².0.00.0.00.01.0000", "seperti 1.02.0.00.0.00.01.0000"),
        ("9.99.0.00.0.00.01.0000", "bidang 9.99 tidak ada dalam daftar urusan"),
    ):
        refused = post_form(admin, f"{base}/{setda}", {**setda_form, "sipd_code": bad})
        assert refused.status_code == 422, bad
        assert why in field_errors(refused.get_data(as_text=True), "sipd_code"), bad
    saved = post_form(
        admin, f"{base}/{setda}", {**setda_form, "sipd_code": " 4.01.0.00.0.00.01.0000 "}
    )
    assert saved.status_code == 303, shown_errors(saved)
    # "Add a sub-unit" begins the sub-unit's SIPD code with the OPD's unit part.
    new_page = admin.get(f"{base}/new?parent={setda}").get_data(as_text=True)
    assert 'value="4.01.0.00.0.00.01."' in new_page
    created = post_form(
        admin,
        f"{base}/new",
        {
            "code": "4.01.02",
            "name": "Bagian Hukum",
            "kind": "bagian",
            "parent_id": setda,
            "sipd_code": "4.01.0.00.0.00.01.0002",
        },
    )
    assert created.status_code == 303, shown_errors(created)
    taken = post_form(
        admin,
        f"{base}/new?lang=en",
        {
            "code": "4.01.03",
            "name": "Bagian Organisasi",
            "kind": "bagian",
            "parent_id": setda,
            "sipd_code": "4.01.0.00.0.00.01.0002",
        },
    )
    assert taken.status_code == 409
    assert "already used" in field_errors(taken.get_data(as_text=True), "sipd_code")
    tree = admin.get(base).get_data(as_text=True)
    assert re.findall(r"<code data-sipd-code>([\d.]+)</code>", tree) == [
        "4.01.0.00.0.00.01.0000",
        "4.01.0.00.0.00.01.0002",
    ]
    found = admin.get(f"{base}?q=4.01.0.00.0.00.01.0002").get_data(as_text=True)
    assert re.findall(r'data-unit="([\d.]+)"', found) == ["4.01.02"]  # searched by SIPD code
    with tenant_db(regency) as session:
        codes = dict(session.execute(select(OrgUnit.code, OrgUnit.sipd_code)).all())
    assert codes == {
        "4.01": "4.01.0.00.0.00.01.0000",
        "4.01.01": None,
        "4.01.02": "4.01.0.00.0.00.01.0002",
    }


# --------------------------------------------------------------------------- staff


def staff_form(**overrides):
    values = {
        "nip": "198609262015051001",
        "name": "Budi Santoso",
        "status": "PNS",
        "golongan": "IV/a",
        "position": "Kepala Bagian Umum",
        "position_class": "12",
        "echelon": "III.b",
        "unit_id": "",
        "supervisor_nip": "",
    }
    values.update(overrides)
    return values


def test_staff_are_added_through_the_form_and_a_bad_nip_says_why(app, regency, tenant_db):
    admin = admin_client(app, regency)
    with tenant_db(regency) as session:
        unit_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "4.01.01"))
    url = f"/t/{regency}/admin/staff/new"
    bad = post_form(admin, url, staff_form(nip="198602302015051001", unit_id=unit_id))
    assert bad.status_code == 422
    reason = field_errors(bad.get_data(as_text=True), "nip")
    assert "19860230" in reason and "bukan tanggal yang benar" in reason  # Indonesian by default
    short = post_form(admin, url + "?lang=en", staff_form(nip="1986", unit_id=unit_id))
    assert "must be 18 digits, got 4 characters" in field_errors(
        short.get_data(as_text=True), "nip"
    )
    assert staff_count(tenant_db, regency) == 0

    boss = post_form(admin, url, staff_form(unit_id=unit_id))
    assert boss.status_code == 303, shown_errors(boss)
    sari = post_form(
        admin,
        url,
        staff_form(
            nip="199203152019032005",
            name="Sari Dewi",
            golongan="III/a",
            position="Analis",
            position_class="8",
            echelon="",
            unit_id=unit_id,
            supervisor_nip="198609262015051001",
        ),
    )
    assert sari.status_code == 303, shown_errors(sari)
    with tenant_db(regency) as session:
        budi = session.scalars(select(Staff).where(Staff.nip == "198609262015051001")).one()
        dewi = session.scalars(select(Staff).where(Staff.nip == "199203152019032005")).one()
        assert dewi.supervisor_id == budi.id and dewi.sex == "P"
        dewi_id = dewi.id
    # A supervisor NIP nobody has: said next to the supervisor field.
    unknown = post_form(
        admin,
        f"/t/{regency}/admin/staff/{dewi_id}?lang=en",
        staff_form(
            nip="",
            name="Sari Dewi",
            golongan="III/a",
            position="Analis",
            unit_id=unit_id,
            supervisor_nip="199912312020121001",
            is_active="y",
        ),
    )
    assert unknown.status_code == 422
    assert "no staff with this NIP" in field_errors(
        unknown.get_data(as_text=True), "supervisor_nip"
    )


def test_the_nip_cannot_be_changed_on_edit(app, regency, tenant_db):
    admin = admin_client(app, regency)
    with tenant_db(regency) as session:
        unit_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "4.01.01"))
    assert (
        post_form(admin, f"/t/{regency}/admin/staff/new", staff_form(unit_id=unit_id)).status_code
        == 303
    )
    with tenant_db(regency) as session:
        person_id = session.scalar(select(Staff.id))
    url = f"/t/{regency}/admin/staff/{person_id}"
    page = admin.get(url).get_data(as_text=True)
    assert re.search(r'value="198609262015051001" readonly', page)
    saved = post_form(
        admin,
        url,
        staff_form(nip="199203152019032005", name="Budi S.", unit_id=unit_id, is_active="y"),
    )
    assert saved.status_code == 303, shown_errors(saved)
    with tenant_db(regency) as session:
        person = session.get(Staff, person_id)
        assert (person.nip, person.name) == ("198609262015051001", "Budi S.")


def test_the_staff_list_searches_filters_sorts_and_pages(app, regency, tenant_db):
    admin = admin_client(app, regency)
    token = csrf_token(admin.get(f"/t/{regency}/admin/roster").get_data(as_text=True))
    rows = [*GOOD]
    # 30 more staff in another unit, to need a second page.
    with tenant_db(regency) as session:
        orgunits.create_unit(
            session,
            code="4.02",
            name="Dinas Pendidikan",
            kind="dinas",
            regency_code="33.18",
            actor="t",
        )
    rows += [f"1990010120150510{i:02d},Guru {i:02d},PNS,III/b,Guru,8,,4.02," for i in range(1, 31)]
    upload = admin.post(
        f"/t/{regency}/admin/roster",
        data={"csrf_token": token, "file": (io.BytesIO(_csv(*rows)), "roster.csv")},
    )
    assert upload.status_code == 303, shown_errors(upload)
    preview = upload.headers["Location"]
    applied = admin.post(preview + "/apply", data={"csrf_token": token})
    assert applied.status_code == 303, shown_errors(applied)
    base = f"/t/{regency}/admin/staff"

    def names(query: str) -> list[str]:
        page = admin.get(f"{base}?{query}").get_data(as_text=True)
        return [html.unescape(n) for n in re.findall(r'data-name="([^"]*)"', page)]

    assert names("q=sari") == ["Sari Dewi"]
    assert names("q=19860926") == ["Budi Santoso"]
    assert names("q=199001012015051")[:3] == ["Guru 01", "Guru 02", "Guru 03"]
    assert names("unit=4.01") == ["Budi Santoso", "Rina", "Sari Dewi"]  # with sub-units
    assert names("status=PPPK") == ["Rina"]
    assert names("golongan=IV/a") == ["Budi Santoso"]
    assert names("unit=4.01&sort=-name") == ["Sari Dewi", "Rina", "Budi Santoso"]
    assert names("unit=4.01&sort=golongan") == ["Sari Dewi", "Budi Santoso", "Rina"]
    first, second = names("unit=4.02"), names("unit=4.02&page=2")
    assert len(first) == 25 and len(second) == 5 and not set(first) & set(second)
    assert names("sort=nonsense&unit=4.01") == ["Budi Santoso", "Rina", "Sari Dewi"]


# --------------------------------------------------------------------------- roster


def test_a_bad_roster_is_reported_row_by_row_and_writes_nothing(app, regency, tenant_db):
    admin = admin_client(app, regency)
    bad = _csv(
        GOOD[0],
        "198602302015051001,Tanggal Salah,PNS,III/a,Analis,8,,4.01.01,",
        "199203152019032005,Tanpa Unit,PNS,III/a,Analis,8,,9.99,",
    )
    response = post_form(
        admin,
        f"/t/{regency}/admin/roster?lang=en",
        {"file": (io.BytesIO(bad), "pegawai.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, shown_errors(response)
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-roster-state="rejected"' in page
    table = page[page.index('id="roster-problems"') :]
    problems = re.findall(
        r'<td class="text-end">(\d+)</td><td><code>(\w+)</code></td><td>([^<]+)</td>', table
    )
    assert [(row, col) for row, col, _ in problems] == [("3", "nip"), ("4", "kode_unit")]
    assert "19860230 is not a real date" in problems[0][2]
    assert "Apply" not in page and "/apply" not in page
    assert staff_count(tenant_db, regency) == 0
    # A file without the required columns is refused at the file field, and nothing is kept.
    no_columns = post_form(
        admin,
        f"/t/{regency}/admin/roster",
        {"file": (io.BytesIO(b"nip,nama\n1,2\n"), "pegawai.csv")},
        content_type="multipart/form-data",
    )
    assert no_columns.status_code == 422
    assert "status" in field_errors(no_columns.get_data(as_text=True), "file")


def test_a_good_roster_previews_then_applies(app, regency, tenant_db):
    admin = admin_client(app, regency)
    template = admin.get(f"/t/{regency}/admin/roster/template.csv")
    assert template.headers["Content-Disposition"].startswith("attachment")
    assert template.get_data(as_text=True).lstrip("\ufeff").startswith(HEADER)
    response = post_form(
        admin,
        f"/t/{regency}/admin/roster",
        {"file": (io.BytesIO(_csv(*GOOD)), "pegawai.csv")},
        content_type="multipart/form-data",
    )
    preview_url = response.headers["Location"]
    preview = admin.get(preview_url + "?lang=en").get_data(as_text=True)
    assert 'data-roster-state="ready"' in preview
    assert "3 rows were checked" in preview
    # The preview shows what applying would do, with the first rows of each kind.
    plan = dict(re.findall(r'data-plan="(\w+)">(\d+)<', preview))
    assert plan == {"created": "3", "changed": "0", "unchanged": "0", "not_in_file": "0"}
    assert "New staff" in preview and "Budi Santoso" in preview
    assert staff_count(tenant_db, regency) == 0  # not before Apply
    applied = post_form(admin, preview_url + "/apply", {}, page=preview_url)
    assert applied.status_code == 303, shown_errors(applied)
    summary = admin.get(preview_url).get_data(as_text=True)
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', summary))
    assert counts == {"created": "3", "updated": "0", "unchanged": "0", "supervisors": "2"}
    assert staff_count(tenant_db, regency) == 3
    # Applying again is refused (the import is applied) and changes nothing.
    again = post_form(admin, preview_url + "/apply", {}, page=preview_url)
    assert again.status_code == 409
    listing = admin.get(f"/t/{regency}/admin/roster").get_data(as_text=True)
    assert "pegawai.csv" in listing


# --------------------------------------------------------------------------- users


def test_an_invitation_link_sets_a_password_once(app, regency):
    admin = admin_client(app, regency)
    invited = post_form(
        admin,
        f"/t/{regency}/admin/users/new",
        {"email": "Baru@Example.go.id", "name": "Pegawai Baru", "roles": ["member"]},
    )
    assert invited.status_code == 303, shown_errors(invited)
    link_page = admin.get(invited.headers["Location"]).get_data(as_text=True)
    link = re.search(r'id="password-link" value="([^"]+)"', link_page).group(1)
    assert f"/t/{regency}/set-password/" in link
    # Shown once: a reload does not show it again.
    assert 'id="password-link"' not in admin.get(invited.headers["Location"]).get_data(as_text=True)
    path = link.split("localhost", 1)[1]
    # The invitee cannot sign in before choosing a password.
    invitee = app.test_client()
    assert sign_in(invitee, regency, email="baru@example.go.id").status_code == 200
    exchanged = invitee.get(path)
    assert exchanged.status_code == 303  # to a URL without the token
    clean = exchanged.headers["Location"]
    form = invitee.get(clean)
    assert form.status_code == 200 and "baru@example.go.id" in form.get_data(as_text=True)
    token = csrf_token(form.get_data(as_text=True))
    mismatch = invitee.post(
        clean + "?lang=en",
        data={"csrf_token": token, "password": "Kata-Sandi-Baru-1", "confirm": "lain"},
    )
    assert mismatch.status_code == 422
    assert "not the same" in field_errors(mismatch.get_data(as_text=True), "confirm")
    chosen = invitee.post(
        clean,
        data={"csrf_token": token, "password": "Kata-Sandi-Baru-1", "confirm": "Kata-Sandi-Baru-1"},
    )
    assert chosen.status_code == 303, shown_errors(chosen)
    assert "Pegawai Baru" in invitee.get(f"/t/{regency}/").get_data(as_text=True)  # signed in
    # The link is dead now, for anyone.
    assert app.test_client().get(path).status_code == 410
    assert invitee.get(path).status_code == 410
    fresh = app.test_client()
    assert sign_in(fresh, regency, "baru@example.go.id", "Kata-Sandi-Baru-1").status_code == 302


def test_a_reset_link_dies_when_the_password_changes_and_on_other_regencies(
    app, regency, provision, tenant_db
):
    admin = admin_client(app, regency)
    with tenant_db(regency) as session:
        member_id = session.scalar(select(User.id).where(User.email == MEMBER))
    edit = f"/t/{regency}/admin/users/{member_id}"
    made = post_form(admin, f"{edit}/password-link", {}, page=edit)
    link = re.search(
        r'id="password-link" value="([^"]+)"',
        admin.get(made.headers["Location"]).get_data(as_text=True),
    ).group(1)
    second = post_form(admin, f"{edit}/password-link", {}, page=edit)
    link2 = re.search(
        r'id="password-link" value="([^"]+)"',
        admin.get(second.headers["Location"]).get_data(as_text=True),
    ).group(1)
    path, path2 = (u.split("localhost", 1)[1] for u in (link, link2))
    # The old password works until a new one is chosen.
    assert sign_in(app.test_client(), regency, email=MEMBER).status_code == 302
    # The same token on another regency is nobody's.
    other = provision()
    assert app.test_client().get(path.replace(f"/t/{regency}/", f"/t/{other}/")).status_code == 410
    member = app.test_client()
    token = csrf_token(member.get(path, follow_redirects=True).get_data(as_text=True))
    assert (
        member.post(
            f"/t/{regency}/set-password",
            data={
                "csrf_token": token,
                "password": "Sandi-Anggota-99",
                "confirm": "Sandi-Anggota-99",
            },
        ).status_code
        == 303
    )
    # Both links made before the change are dead.
    assert app.test_client().get(path).status_code == 410
    assert app.test_client().get(path2).status_code == 410
    assert sign_in(app.test_client(), regency, email=MEMBER).status_code == 200  # old password
    with tenant_db(regency) as session:
        actions = set(
            session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(member_id)))
        )
    assert {"user.password_link.reset", "user.update"} <= actions


def test_deactivating_a_user_signs_them_out_and_admins_keep_their_own_access(
    app, regency, tenant_db
):
    admin = admin_client(app, regency)
    member = app.test_client()
    sign_in(member, regency, email=MEMBER)
    assert member.get(f"/t/{regency}/").status_code == 200
    with tenant_db(regency) as session:
        member_id = session.scalar(select(User.id).where(User.email == MEMBER))
        admin_id = session.scalar(select(User.id).where(User.email == ADMIN))
    edit = f"/t/{regency}/admin/users/{member_id}"
    assert post_form(admin, f"{edit}/active", {"active": "0"}, page=edit).status_code == 303
    assert member.get(f"/t/{regency}/").status_code == 302  # signed out
    assert sign_in(app.test_client(), regency, email=MEMBER).status_code == 200  # refused
    listing = admin.get(f"/t/{regency}/admin/users?status=inactive").get_data(as_text=True)
    assert MEMBER in listing and ADMIN not in listing
    # Roles: the member becomes an editor of the noticeboard app.
    assert post_form(admin, f"{edit}/active", {"active": "1"}, page=edit).status_code == 303
    saved = post_form(admin, edit, {"name": "Anggota", "roles": ["member", "noticeboard.editor"]})
    assert saved.status_code == 303, shown_errors(saved)
    assert MEMBER in admin.get(f"/t/{regency}/admin/users?role=noticeboard.editor").get_data(
        as_text=True
    )
    own = f"/t/{regency}/admin/users/{admin_id}"
    post_form(admin, f"{own}/active", {"active": "0"}, page=own)
    refused = post_form(admin, own, {"name": "Admin", "roles": ["member"]})
    assert refused.status_code == 422
    assert admin.get(f"/t/{regency}/admin/users").status_code == 200  # still an admin


# --------------------------------------------------------------------------- calendar


def test_local_holidays_are_added_and_removed_national_ones_are_read_only(app, regency, tenant_db):
    admin = admin_client(app, regency)
    with tenant_db(regency) as session:
        # Provisioning may already have synced the national holidays.
        national_id = session.scalar(select(Holiday.id).where(Holiday.day == date(2026, 8, 17)))
        if national_id is None:
            holiday = Holiday(day=date(2026, 8, 17), name="Hari Kemerdekaan", kind="national")
            session.add(holiday)
            session.flush()
            national_id = holiday.id
    page_url = f"/t/{regency}/admin/calendar?year=2026"
    added = post_form(
        admin,
        f"/t/{regency}/admin/calendar/holidays?year=2026",
        {"holiday-day": "2026-03-20", "holiday-name": "Hari Jadi Kabupaten"},
        page=page_url,
    )
    assert added.status_code == 303, shown_errors(added)
    page = admin.get(page_url).get_data(as_text=True)
    kinds = re.findall(r'data-kind="(\w+)"', page)
    assert kinds.count("local") == 1 and "national" in kinds
    assert "Hari Jadi Kabupaten" in page and "Kemerdekaan" in page
    assert page.count("/delete") == 1  # only the local one can be removed
    bad = post_form(
        admin,
        f"/t/{regency}/admin/calendar/holidays?year=2026&lang=en",
        {"holiday-day": "2026-02-30", "holiday-name": "X"},
        page=page_url,
    )
    assert bad.status_code == 422
    assert "Not a date" in field_errors(bad.get_data(as_text=True), "holiday-day")
    national = post_form(
        admin, f"/t/{regency}/admin/calendar/holidays/{national_id}/delete", {}, page=page_url
    )
    assert national.status_code == 409
    with tenant_db(regency) as session:
        local_id = session.scalar(select(Holiday.id).where(Holiday.kind == "local"))
    removed = post_form(
        admin, f"/t/{regency}/admin/calendar/holidays/{local_id}/delete", {}, page=page_url
    )
    assert removed.status_code == 303, shown_errors(removed)
    assert "local" not in re.findall(
        r'data-kind="(\w+)"', admin.get(page_url).get_data(as_text=True)
    )


def test_the_working_week_is_saved_in_the_settings(app, regency, tenant_db):
    admin = admin_client(app, regency)
    page_url = f"/t/{regency}/admin/calendar"
    saved = post_form(
        admin,
        f"/t/{regency}/admin/calendar/week",
        {"week-work_days": ["0", "1", "2", "3", "4", "5"], "week-weekly_hours": "40"},
        page=page_url,
    )
    assert saved.status_code == 303, shown_errors(saved)
    with tenant_db(regency) as session:
        settings = session.get(TenantSettings, 1)
        assert (list(settings.work_days), settings.weekly_hours) == ([0, 1, 2, 3, 4, 5], 40.0)
    none = post_form(
        admin,
        f"/t/{regency}/admin/calendar/week?lang=en",
        {"week-weekly_hours": "40"},
        page=page_url,
    )
    assert none.status_code == 422
    assert "at least one weekday" in field_errors(none.get_data(as_text=True), "week-work_days")


# --------------------------------------------------------------------------- settings


def test_branding_colours_and_logo_apply_to_the_pages(app, regency):
    admin = admin_client(app, regency)
    url = f"/t/{regency}/admin/settings"
    saved = post_form(
        admin,
        url,
        {
            "display_name": "Pemkab Pati",
            "timezone": "Asia/Jakarta",
            "primary_color": "#7A1F1F",
            "accent_color": "#f5c518",
            "logo_file": (io.BytesIO(PNG), "logo.png"),
        },
        content_type="multipart/form-data",
    )
    assert saved.status_code == 303, shown_errors(saved)
    login_page = app.test_client().get(f"/t/{regency}/login").get_data(as_text=True)
    assert "--sc-primary: #7a1f1f; --sc-accent: #f5c518;" in login_page
    assert "Pemkab Pati" in login_page
    logo_src = re.search(r'<img class="sc-logo[^"]*" src="([^"]+)"', login_page).group(1)
    logo = app.test_client().get(logo_src)
    assert logo.status_code == 200 and logo.data == PNG and logo.mimetype == "image/png"
    assert "max-age=86400" in logo.headers["Cache-Control"]
    again = app.test_client().get(logo_src, headers={"If-None-Match": logo.headers["ETag"]})
    assert again.status_code == 304
    # A light primary colour gets dark text.
    light = post_form(
        admin,
        url,
        {
            "display_name": "",
            "timezone": "Asia/Makassar",
            "primary_color": "#ffee88",
            "accent_color": "#000000",
        },
        content_type="multipart/form-data",
    )
    assert light.status_code == 303, shown_errors(light)
    page = admin.get(url).get_data(as_text=True)
    assert "sc-light" in page and f"Kabupaten {regency}" in page
    # A file that is no image is refused next to the logo field.
    bad = post_form(
        admin,
        url + "?lang=en",
        {
            "timezone": "Asia/Jakarta",
            "primary_color": "#123456",
            "accent_color": "#654321",
            "logo_file": (io.BytesIO(b"GIF89a not really"), "logo.png"),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    assert "a PNG or JPEG image" in field_errors(bad.get_data(as_text=True), "logo_file")
    # Removing the logo asks first: without the box ticked, the logo stays...
    kept = post_form(admin, url + "/logo/remove", {}, page=url)
    assert kept.status_code == 303
    assert app.test_client().get(logo_src).status_code == 200
    assert "tick the box" in admin.get(url + "?lang=en").get_data(as_text=True)
    # ...ticked, it goes: the header shows the name alone.
    removed = post_form(admin, url + "/logo/remove", {"confirm": "yes"}, page=url)
    assert removed.status_code == 303
    login_page = app.test_client().get(f"/t/{regency}/login").get_data(as_text=True)
    assert 'class="sc-logo' not in login_page
    assert app.test_client().get(logo_src).status_code == 404


def test_the_settings_row_is_read_once_per_page_and_never_by_the_api(app, regency):
    from tests.conftest import bearer, tenant_token

    admin = admin_client(app, regency)
    token = tenant_token(app.test_client(), regency)
    statements: list[str] = []

    def remember(_conn, _cursor, statement, *_args):
        statements.append(statement)

    # On the Engine class: tenant binds may derive from an engine other than db.engine.
    event.listen(Engine, "before_cursor_execute", remember)
    try:
        admin.get(f"/t/{regency}/admin/units")
        on_page = [s for s in statements if ".settings" in s]
        statements.clear()
        api = app.test_client().get(f"/t/{regency}/api/v1/me", headers=bearer(token))
        on_api = [s for s in statements if ".settings" in s]
    finally:
        event.remove(Engine, "before_cursor_execute", remember)
    assert len(on_page) == 1
    assert api.status_code < 500 and on_api == []


# --------------------------------------------------------------------------- apps, audit, language


def test_the_apps_page_lists_this_regencys_apps(app, regency, provision):
    page = admin_client(app, regency).get(f"/t/{regency}/admin/apps").get_data(as_text=True)
    assert re.findall(r'data-app="(\w+)"', page) == ["noticeboard"]
    assert "Papan Pengumuman" in page and ">2<" in page  # title and version
    other = provision(apps=("noticeboard", "digest"))
    page = admin_client(app, other).get(f"/t/{other}/admin/apps").get_data(as_text=True)
    assert re.findall(r'data-app="(\w+)"', page) == ["noticeboard", "digest"]


def test_the_audit_log_filters_and_shows_what_changed(app, regency):
    admin = admin_client(app, regency)
    base = f"/t/{regency}/admin/audit"
    everything = admin.get(base).get_data(as_text=True)
    actions = re.findall(r'data-action="([\w.]+)"', everything)
    assert actions[:2] == ["user.create", "org_unit.create"]  # newest first
    assert "org_unit.create" in actions and "user.create" in actions
    units = re.findall(
        r'data-action="([\w.]+)"',
        admin.get(f"{base}?action=org_unit.create").get_data(as_text=True),
    )
    assert units == ["org_unit.create", "org_unit.create"]
    assert (
        re.findall(
            r'data-action="([\w.]+)"', admin.get(f"{base}?actor=nobody").get_data(as_text=True)
        )
        == []
    )
    tomorrow = (datetime.now(JAKARTA).date() + timedelta(days=2)).isoformat()
    assert (
        re.findall(r"data-action", admin.get(f"{base}?start={tomorrow}").get_data(as_text=True))
        == []
    )
    yesterday = (datetime.now(JAKARTA).date() - timedelta(days=2)).isoformat()
    assert len(
        re.findall(
            r"data-action",
            admin.get(f"{base}?start={yesterday}&end={tomorrow}").get_data(as_text=True),
        )
    ) == len(actions)
    # An update shows the changed field, before and after.
    url = f"/t/{regency}/admin/settings"
    post_form(
        admin,
        url,
        {"timezone": "Asia/Jayapura", "primary_color": "#0d6efd", "accent_color": "#198754"},
        content_type="multipart/form-data",
    )
    page = admin.get(f"{base}?entity=settings").get_data(as_text=True)
    assert re.findall(r'data-action="([\w.]+)"', page) == ["settings.update"]
    assert re.search(r"<del[^>]*>Asia/Jakarta</del> → <ins[^>]*>Asia/Jayapura</ins>", page)
    assert "weekly_hours" not in page  # unchanged fields are not listed
    bad = admin.get(f"{base}?start=kemarin")
    assert bad.status_code == 200 and "start" in bad.get_data(as_text=True)


def test_the_audit_log_reads_in_words_not_codes(app, regency):
    admin = admin_client(app, regency)
    post_form(
        admin,
        f"/t/{regency}/admin/settings",
        {"timezone": "Asia/Makassar", "primary_color": "#0d6efd", "accent_color": "#112233"},
        content_type="multipart/form-data",
    )
    base = f"/t/{regency}/admin/audit"
    indonesian = admin.get(f"{base}?lang=id").get_data(as_text=True)
    assert "Unit organisasi dibuat" in indonesian and "Pengaturan diubah" in indonesian
    assert re.search(r">Warna aksen</th>\s*<td[^>]*><del[^>]*>#198754</del> → <ins", indonesian)
    assert ">accent_color<" not in indonesian
    # the filter offers events in words, keeping the code as the value
    assert '<option value="org_unit.create">Unit organisasi dibuat</option>' in indonesian
    english = admin.get(f"{base}?lang=en").get_data(as_text=True)
    assert "Org unit created" in english and ">Accent colour</th>" in english
    # The start page's recent changes too: in words, not "<code>settings.update</code>".
    home = admin.get(f"/t/{regency}/admin/?lang=id").get_data(as_text=True)
    assert "Pengaturan diubah" in home and "<code>settings.update</code>" not in home


LANGUAGE_CHECKS = (
    ("/admin/units", "Unit organisasi", "Org units"),
    ("/admin/staff", "Pegawai", "Staff"),
    ("/admin/roster", "Impor daftar pegawai", "Roster import"),
    ("/admin/calendar", "Kalender kerja", "Working calendar"),
    ("/admin/settings", "Pengaturan & tampilan", "Settings & branding"),
    ("/admin/audit", "Log audit", "Audit log"),
    ("/admin/users/new", "Undang pengguna", "Invite a user"),
)


def test_admin_pages_speak_indonesian_and_english_on_request(app, regency):
    admin = admin_client(app, regency)
    for path, indonesian, english in LANGUAGE_CHECKS:
        page = admin.get(f"/t/{regency}{path}?lang=id").get_data(as_text=True)
        assert indonesian in page and english not in page, path
        page = admin.get(f"/t/{regency}{path}?lang=en").get_data(as_text=True)
        assert english in page and indonesian not in page, path


def test_a_screen_reader_names_the_breadcrumb_in_the_pages_language(app, regency):
    """The trail above a form is announced by its aria-label, which a person hears."""
    admin = admin_client(app, regency)
    for path in ("/admin/users/new", "/admin/units/new", "/admin/staff/new"):
        page = admin.get(f"/t/{regency}{path}?lang=id").get_data(as_text=True)
        assert '<nav aria-label="Jejak navigasi">' in page, path
        assert 'aria-label="breadcrumb"' not in page.lower(), path
        english = admin.get(f"/t/{regency}{path}?lang=en").get_data(as_text=True)
        assert '<nav aria-label="Breadcrumb">' in english, path


#: Attribute values that are examples of a format, not words: the same in every language.
NOT_WORDS = {"https://", "XXXX-XXXX-XXXX-XXXX", "smartcity.example.go.id"}
_READ_ATTRIBUTE = re.compile(r'\b(aria-label|title|placeholder|alt)="([^"{]*[A-Za-z][^"{]*)"')


def test_no_template_hard_codes_an_attribute_a_person_reads():
    """aria-label, title, placeholder and alt are read (or heard) like the page's text,
    so they go through the catalogue as the text does; a literal stays in one language."""
    root = Path(__file__).resolve().parents[3]
    templates = [
        *(root / "platform" / "smartcity" / "templates").rglob("*.html"),
        *(root / "tenants").glob("*/templates/**/*.html"),
    ]
    assert len(templates) > 50
    literal = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in templates
        for match in _READ_ATTRIBUTE.finditer(path.read_text())
        if match.group(2) not in NOT_WORDS
    ]
    assert literal == []


def test_audit_values_read_the_indonesian_way(app):
    from smartcity.web.audit import show_value

    snapshot = {
        "amount": "250000000.50",
        "total": 1500000,
        "year": 2026,
        "code": "1.02",
        "nip": "198602302015051001",
        "paid_on": "2026-01-02",
        "ok": True,
    }
    with app.test_request_context("/?lang=id", headers={"Accept-Language": "id"}):
        assert show_value(snapshot) == (
            "amount: 250.000.000,50, total: 1.500.000, year: 2026, code: 1.02,"
            " nip: 198602302015051001, paid_on: 2 Jan 2026, ok: ✓"
        )
