"""The set-up pages: offices with their fences and the office networks, office hours,
shifts, duty lists and the TPP rule versions from draft to Perbup; who may use them,
and that whatever is typed into them is a clear form error, never a 500."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from smartcity.toolkit import set_member_units
from sqlalchemy import select

from tenants.ekinerja import runs
from tenants.ekinerja.access import system_actor
from tenants.ekinerja.models import (
    Duty,
    Office,
    Punch,
    RuleSet,
    ScheduleRule,
    ScheduleRuleVersion,
    ShiftAssignment,
    TppMonth,
)
from tenants.ekinerja.settings import load as load_settings
from tests.support.ekinerja_pages import build, user
from tests.support.web import csrf_token

BASE = "/t/{slug}/ekinerja"


@pytest.fixture
def kab(provision: Any, tenant_db: Any) -> tuple[str, dict[str, int]]:
    slug = provision(apps=("ekinerja",))
    with tenant_db(slug) as s:
        ids = build(s)
        admin = user(s, "admindinkes@example.go.id", "ekinerja.unit_admin")
        set_member_units(s, admin.id, "ekinerja", [ids["dinkes"]], actor="test")
        office = Office(
            org_unit_id=ids["disdik"],
            name="Kantor Disdik",
            latitude=-6.9,
            longitude=107.6,
            radius_m=100,
        )
        s.add(office)
        s.flush()
        ids["disdik_office"] = office.id
    return slug, ids


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Jakarta")).date()


def _post(client: Any, page: str, url: str, data: dict[str, Any], **kw: Any) -> Any:
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, **kw)


def _error(html: str, key: str) -> str:
    found = re.search(rf'data-error="{re.escape(key)}">([^<]*)<', html)
    return found.group(1) if found else ""


OFFICE = {
    "name": "Puskesmas Cibeunying",
    "latitude": "-6,9175",
    "longitude": "107,6191",
    "radius_m": "150",
    "polygon": "",
}


def test_an_office_is_added_drawn_changed_and_removed_with_numbers_typed_the_indonesian_way(
    kab: Any, page_sign_in: Any, tenant_db: Any
) -> None:
    slug, ids = kab
    base = BASE.format(slug=slug)
    admin = page_sign_in(slug, "admindinkes@example.go.id")
    page = admin.get(f"{base}/setup/offices")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Kantor" in html and "Kantor Disdik" not in html  # another unit's office
    polygon = "-6,91730; 107,61890\n-6.91730, 107.61930\n[-6.91770, 107.61930]"
    sent = _post(
        admin,
        f"{base}/setup/offices",
        f"{base}/setup/offices",
        OFFICE | {"org_unit_id": str(ids["dinkes"]), "polygon": polygon},
    )
    assert sent.status_code == 303, _form_problems(sent)
    with tenant_db(slug) as s:
        office = s.scalars(select(Office).where(Office.name == OFFICE["name"])).one()
        assert (office.latitude, office.longitude) == (-6.9175, 107.6191)
        assert office.polygon == [[-6.9173, 107.6189], [-6.9173, 107.6193], [-6.9177, 107.6193]]
        office_id = office.id
    edit = admin.get(f"{base}/setup/offices/{office_id}").get_data(as_text=True)
    assert 'value="-6,9175"' in edit and "-6,9173; 107,6189" in edit  # shown the Indonesian way
    changed = _post(
        admin,
        f"{base}/setup/offices/{office_id}",
        f"{base}/setup/offices/{office_id}",
        OFFICE | {"org_unit_id": str(ids["dinkes"]), "radius_m": "300"},
    )
    assert changed.status_code == 303
    with tenant_db(slug) as s:
        office = s.get(Office, office_id)
        assert office.radius_m == 300 and office.polygon is None
    # Removing asks first: without the ticked box nothing happens.
    remove = f"{base}/setup/offices/{office_id}/remove"
    assert _post(admin, f"{base}/setup/offices", remove, {}).status_code == 303
    with tenant_db(slug) as s:
        assert s.get(Office, office_id) is not None
    assert _post(admin, f"{base}/setup/offices", remove, {"confirm": "yes"}).status_code == 303
    with tenant_db(slug) as s:
        assert s.get(Office, office_id) is None
    # An office punches were placed at stays (its fence can still be changed).
    with tenant_db(slug) as s:
        used = s.scalars(select(Office).where(Office.org_unit_id == ids["dinkes"])).first()
        if used is None:
            used = Office(
                org_unit_id=ids["dinkes"],
                name="Dinkes",
                latitude=-6.9,
                longitude=107.6,
                radius_m=100,
            )
            s.add(used)
            s.flush()
        s.add(
            Punch(
                staff_id=ids["worker"],
                idempotency_key="used-office",
                kind="in",
                source="mobile",
                at=datetime(2026, 11, 2, 0, 30, tzinfo=ZoneInfo("UTC")),
                day=date(2026, 11, 2),
                received_at=datetime(2026, 11, 2, 0, 30, tzinfo=ZoneInfo("UTC")),
                office_id=used.id,
                flags=[],
                review="accepted",
            )
        )
        used_id = used.id
    refused = _post(
        admin, f"{base}/setup/offices", f"{base}/setup/offices/{used_id}/remove", {"confirm": "yes"}
    )
    assert refused.status_code == 409
    assert "ubah pagarnya" in refused.get_data(as_text=True)


@pytest.mark.parametrize(
    "case",
    [
        ("latitude", "²", "latitude"),
        ("latitude", "-91", "latitude"),
        ("latitude", "abc", "latitude"),
        ("latitude", "1e5", "latitude"),
        ("longitude", "NaN", "longitude"),
        ("longitude", "\u0661\u0660\u0667", "longitude"),  # Arabic-Indic digits
        ("radius_m", "99999999999999999999999999", "radius_m"),
        ("radius_m", "5", "radius_m"),
        ("radius_m", "-10", "radius_m"),
        ("radius_m", "1.5", "radius_m"),  # not fifteen
        ("polygon", "-6,9; 107,6\n-6,91", "polygon"),  # half a corner
        ("polygon", "-6,9; 107,6\n-6,91; 107,61", "polygon"),  # two corners
        ("polygon", "a; b\nc; d\ne; f", "polygon"),
        ("polygon", "\n".join(["-6,9; 107,6"] * 101), "polygon"),
        ("polygon", "-6,9; 181\n-6,91; 107,61\n-6,92; 107,62", "polygon"),
        ("name", "", "name"),
        ("name", "x" * 300, "name"),
        ("org_unit_id", "²", "org_unit_id"),
        ("org_unit_id", "99999999", "org_unit_id"),
    ],
)
def test_a_hostile_office_form_is_a_form_error_beside_its_field(
    kab: Any, page_sign_in: Any, tenant_db: Any, case: tuple[str, str, str]
) -> None:
    field, value, key = case
    slug, ids = kab
    base = BASE.format(slug=slug)
    bkpsdm = page_sign_in(slug, "bkpsdm@example.go.id")
    form = OFFICE | {"org_unit_id": str(ids["dinkes"]), field: value}
    response = _post(bkpsdm, f"{base}/setup/offices", f"{base}/setup/offices", form)
    assert response.status_code in (404, 422), response.status_code
    html = response.get_data(as_text=True)
    assert 'id="ekn-form-errors"' in html
    if response.status_code == 422:
        assert _error(html, key), html[html.find("ekn-form-errors") :][:1500]
    with tenant_db(slug) as s:
        assert s.scalars(select(Office).where(Office.name == OFFICE["name"])).first() is None


def test_a_unit_admin_sets_up_their_units_only_and_staff_none(
    kab: Any, page_sign_in: Any, tenant_db: Any
) -> None:
    slug, ids = kab
    base = BASE.format(slug=slug)
    with tenant_db(slug) as s:
        dinkes_duty = ids["duty"]
        regency_hours = s.scalars(
            select(ScheduleRule).where(ScheduleRule.org_unit_id.is_(None))
        ).first()
        regency_hours_id = regency_hours.id
    admin = page_sign_in(slug, "adminunit@example.go.id")  # Disdik's admin
    offices = f"{base}/setup/offices"
    dinkes = str(ids["dinkes"])
    refused = _post(admin, offices, offices, OFFICE | {"org_unit_id": dinkes})
    assert refused.status_code == 403
    # the word beside the unit field is in the page's language too
    assert "bukan wewenang Anda" in refused.get_data(as_text=True)
    assert admin.get(f"{offices}/{ids['disdik_office']}").status_code == 200
    with tenant_db(slug) as s:
        theirs = Office(
            org_unit_id=ids["dinkes"], name="Dinkes", latitude=-6.9, longitude=107.6, radius_m=100
        )
        s.add(theirs)
        s.flush()
        theirs_id = theirs.id
    assert admin.get(f"{offices}/{theirs_id}").status_code == 403
    assert (
        _post(
            admin, offices, f"{offices}/{theirs_id}", OFFICE | {"org_unit_id": dinkes}
        ).status_code
        == 403
    )
    assert (
        _post(admin, offices, f"{offices}/{theirs_id}/remove", {"confirm": "yes"}).status_code
        == 403
    )
    # Moving its own office to another unit is refused too.
    moved = _post(
        admin, offices, f"{offices}/{ids['disdik_office']}", OFFICE | {"org_unit_id": dinkes}
    )
    assert moved.status_code == 403
    assert _post(admin, offices, f"{base}/setup/networks", {"web_networks": ""}).status_code == 403
    hours = f"{base}/setup/hours"
    form = {"name": "Jam", "weekdays": ["0"], "start": "07:30", "end": "16:00"}
    assert _post(admin, hours, hours, form | {"org_unit_id": dinkes}).status_code == 403
    assert _post(admin, hours, hours, form | {"org_unit_id": "regency"}).status_code == 403
    remove = f"{hours}/{regency_hours_id}/remove"
    assert _post(admin, hours, remove, {"confirm": "yes"}).status_code == 403
    assert admin.get(f"{base}/setup/shifts?unit={dinkes}").status_code == 403
    shifts = f"{base}/setup/shifts?unit={ids['disdik']}"
    shift = {
        "staff_id": str(ids["worker"]),
        "day": _today().isoformat(),
        "start": "07:00",
        "end": "14:00",
    }
    assert _post(admin, shifts, shifts, shift).status_code == 403
    assert admin.get(f"{base}/setup/duties?unit={dinkes}").status_code == 403
    duties = f"{base}/setup/duties"
    edit = {"name": "x", "standard_minutes": "10", "output_unit": "x", "is_active": "yes"}
    assert _post(admin, duties, f"{duties}/{dinkes_duty}", edit).status_code == 403
    add = {"org_unit_id": dinkes, "name": "x", "standard_minutes": "10", "output_unit": "x"}
    assert _post(admin, duties, duties, add).status_code == 403
    assert admin.get(f"{base}/rules").status_code == 403
    with tenant_db(slug) as s:
        assert s.get(Duty, dinkes_duty).name == "Menyusun laporan"
        assert s.get(ScheduleRule, regency_hours_id) is not None
        assert s.scalars(select(ShiftAssignment)).first() is None
    # Staff and viewers manage nothing.
    for who in ("pegawai", "viewer", "kadis"):
        reader = page_sign_in(slug, f"{who}@example.go.id")
        for path in ("/setup/offices", "/setup/hours", "/setup/shifts", "/setup/duties", "/rules"):
            assert reader.get(base + path).status_code == 403, (who, path)


def test_office_hours_are_added_and_removed_and_the_regency_keeps_its_own(
    kab: Any, page_sign_in: Any, tenant_db: Any
) -> None:
    slug, _ids = kab
    base = BASE.format(slug=slug)
    hours = f"{base}/setup/hours"
    bkpsdm = page_sign_in(slug, "bkpsdm@example.go.id")
    page = bkpsdm.get(hours).get_data(as_text=True)
    assert "Seluruh kabupaten" in page and "Senin" in page
    ramadan = {
        "org_unit_id": "regency",
        "name": "Jam kerja Ramadan",
        "weekdays": ["0", "1", "2", "3", "4"],
        "start": "08.00",
        "end": "15:00",
        "valid_from": "2027-02-08",
        "valid_to": "2027-03-09",
    }
    assert _post(bkpsdm, hours, hours, ramadan).status_code == 303
    page = bkpsdm.get(hours).get_data(as_text=True)
    assert "8 Februari 2027" in page and "08.00\u201315.00" in page
    for field, value in (
        ("start", "25:00"),
        ("start", "²"),
        ("end", "07:00"),
        ("valid_from", "2027-13-01"),
        ("valid_to", "2027-01-01"),
        ("weekdays", ["9"]),
        ("name", ""),
    ):
        bad = _post(bkpsdm, hours, hours, ramadan | {field: value})
        assert bad.status_code == 422, (field, value)
        html = bad.get_data(as_text=True)
        assert 'id="ekn-form-errors"' in html and _error(html, field), (field, value)
    with tenant_db(slug) as s:
        rows = {r.name: r for r in s.scalars(select(ScheduleRule))}
        assert rows["Jam kerja Ramadan"].start_time == time(8, 0)
        default = next(r for r in rows.values() if r.org_unit_id is None and r.valid_from is None)
        ramadan_id, default_id = rows["Jam kerja Ramadan"].id, default.id
    # The regency's last undated rule stays; a dated one goes once confirmed.
    last = _post(bkpsdm, hours, f"{hours}/{default_id}/remove", {"confirm": "yes"})
    assert last.status_code == 409
    assert _post(bkpsdm, hours, f"{hours}/{ramadan_id}/remove", {}).status_code == 303
    assert (
        _post(bkpsdm, hours, f"{hours}/{ramadan_id}/remove", {"confirm": "yes"}).status_code == 303
    )
    with tenant_db(slug) as s:
        assert s.get(ScheduleRule, ramadan_id) is None and s.get(ScheduleRule, default_id)


def test_shifts_are_set_and_removed_until_the_month_is_locked(
    kab: Any, page_sign_in: Any, tenant_db: Any
) -> None:
    slug, ids = kab
    base = BASE.format(slug=slug)
    admin = page_sign_in(slug, "admindinkes@example.go.id")
    page = f"{base}/setup/shifts?unit={ids['dinkes']}&year=2026&month=11"
    night = {"staff_id": str(ids["worker"]), "day": "2026-11-20", "start": "21:00", "end": "07:00"}
    assert _post(admin, page, page, night).status_code == 303
    html = admin.get(page).get_data(as_text=True)
    assert "20 November 2026" in html and "21.00\u201307.00" in html
    for field, value in (
        ("day", "1999-12-31"),  # 07.00-07.00 is 24 hours now (the fire brigade's)
        ("day", "2026-02-30"),
        ("staff_id", str(ids["teacher"])),
    ):
        bad = _post(
            admin,
            page,
            page,
            night | {field: value, "end": night["end"] if field != "start" else "07:00"},
        )
        assert bad.status_code in (403, 422), (field, value)
        assert 'id="ekn-form-errors"' in bad.get_data(as_text=True)
    with tenant_db(slug) as s:
        shift = s.scalars(select(ShiftAssignment)).one()
        assert (shift.start_time, shift.end_time) == (time(21), time(7))
        shift_id = shift.id
        runs.compute_month(s, system_actor("test"), 2026, 11, today=date(2026, 12, 1))
        s.scalars(select(TppMonth)).one().locked_at = datetime(2026, 12, 6, tzinfo=ZoneInfo("UTC"))
    remove = f"{base}/setup/shifts/{shift_id}/remove?unit={ids['dinkes']}&year=2026&month=11"
    locked = _post(admin, page, remove, {"confirm": "yes"})
    assert locked.status_code == 409 and "dikunci" in locked.get_data(as_text=True)
    assert _post(admin, page, page, night | {"day": "2026-11-21"}).status_code == 409
    with tenant_db(slug) as s:
        assert s.get(ShiftAssignment, shift_id) is not None


def test_a_duty_is_added_changed_and_retired(kab: Any, page_sign_in: Any, tenant_db: Any) -> None:
    slug, ids = kab
    base = BASE.format(slug=slug)
    admin = page_sign_in(slug, "admindinkes@example.go.id")
    duties = f"{base}/setup/duties?unit={ids['dinkes']}"
    add = {
        "org_unit_id": str(ids["dinkes"]),
        "name": "Kunjungan rumah",
        "standard_minutes": "45",
        "output_unit": "kunjungan",
    }
    assert _post(admin, duties, f"{base}/setup/duties?unit={ids['dinkes']}", add).status_code == 303
    for field, value in (
        ("standard_minutes", "²"),
        ("standard_minutes", "0"),
        ("standard_minutes", "9" * 40),
        ("name", ""),
    ):
        bad = _post(admin, duties, duties, add | {field: value})
        assert bad.status_code == 422, (field, value)
        assert _error(bad.get_data(as_text=True), field), (field, value)
    edit = f"{base}/setup/duties/{ids['duty']}?unit={ids['dinkes']}"
    retired = {
        "name": "Menyusun laporan bulanan",
        "standard_minutes": "1.440",
        "output_unit": "laporan",
    }
    assert _post(admin, duties, edit, retired).status_code == 303
    with tenant_db(slug) as s:
        duty = s.get(Duty, ids["duty"])
        assert duty.name == "Menyusun laporan bulanan" and duty.standard_minutes == 1440
        assert duty.is_active is False
        assert (
            s.scalars(select(Duty).where(Duty.name == "Kunjungan rumah")).one().standard_minutes
            == 45
        )
    # A retired duty is no longer offered on the work-log page.
    worker = page_sign_in(slug, "pegawai@example.go.id")
    logs = worker.get(f"{base}/worklogs").get_data(as_text=True)
    assert "Kunjungan rumah" in logs and "Menyusun laporan bulanan" not in logs


def test_the_office_networks_are_set_and_a_bad_range_is_named(
    kab: Any, page_sign_in: Any, tenant_db: Any
) -> None:
    slug, _ids = kab
    base = BASE.format(slug=slug)
    bkpsdm = page_sign_in(slug, "bkpsdm@example.go.id")
    offices, networks = f"{base}/setup/offices", f"{base}/setup/networks"
    ok = _post(bkpsdm, offices, networks, {"web_networks": "10.20.0.0/16\r\n\r\n2001:db8::/32"})
    assert ok.status_code == 303
    for bad in (
        "10.20.0.0/33",
        "not a network",
        "²",
        "\n".join(f"10.0.{i}.0/24" for i in range(101)),
    ):
        refused = _post(bkpsdm, offices, networks, {"web_networks": bad})
        assert refused.status_code == 422, bad[:20]
        assert _error(refused.get_data(as_text=True), "web_networks"), bad[:20]
    with tenant_db(slug) as s:
        assert load_settings(s).web_networks == ["10.20.0.0/16", "2001:db8::/32"]


# --------------------------------------------------------------------------- rule versions


def test_a_draft_is_made_from_the_version_in_force_edited_tried_and_published(
    kab: Any, page_sign_in: Any, tenant_db: Any, client: Any
) -> None:
    slug, _ids = kab
    base = BASE.format(slug=slug)
    bkpsdm = page_sign_in(slug, "bkpsdm@example.go.id")
    listing = bkpsdm.get(f"{base}/rules").get_data(as_text=True)
    assert "berlaku" in listing and "Aturan bawaan" in listing
    # With no draft, the what-if says so and offers no empty choice of drafts.
    empty = bkpsdm.get(f"{base}/what-if").get_data(as_text=True)
    assert "Belum ada rancangan aturan untuk dicoba." in empty and 'name="rule_set_id"' not in empty
    made = _post(bkpsdm, f"{base}/rules", f"{base}/rules/drafts", {})
    assert made.status_code == 303
    draft_url = made.location
    page = bkpsdm.get(draft_url).get_data(as_text=True)
    assert 'value="2,5"' in page and 'value="4"' in page  # the in-force numbers, Indonesian
    assert "2.000.000" in page
    draft_id = int(draft_url.rsplit("/", 1)[1])
    form = _form_of(page)
    form |= {
        "name": "Rancangan Perbup 2027",
        "absent_percent": "3,5",
        "late_bands.0.percent": "0,75",
        "base_by_class.8": "Rp 4.000.000",
        "excused_percent.sick": "1",
    }
    saved = _post(bkpsdm, draft_url, draft_url, form)
    assert saved.status_code == 303, _form_problems(saved)
    with tenant_db(slug) as s:
        rules = s.get(RuleSet, draft_id).rules
        assert rules["absent_percent"] == "3.5" and rules["late_bands"][0]["percent"] == "0.75"
        assert rules["base_by_class"]["8"] == "4000000" and rules["excused_percent"] == {
            "sick": "1"
        }
    # What-if is one click away and shows the draft against the version in force.
    page = bkpsdm.get(draft_url).get_data(as_text=True)
    what_if = re.search(r'href="([^"]+)" id="ekn-what-if"', page)
    assert what_if is not None
    tried = bkpsdm.get(what_if.group(1).replace("&amp;", "&") + "&year=2026&month=11")
    assert tried.status_code == 200 and "Rancangan Perbup 2027" in tried.get_data(as_text=True)
    # Publishing asks first, and names the version after its Perbup.
    publish = f"{draft_url}/publish"
    nothing = _post(
        bkpsdm,
        draft_url,
        publish,
        {"perbup": "Perbup Nomor 7 Tahun 2027", "publish_from": "2027-01"},
    )
    assert nothing.status_code == 303
    with tenant_db(slug) as s:
        assert s.get(RuleSet, draft_id).status == "draft"
    done = _post(
        bkpsdm,
        draft_url,
        publish,
        {"perbup": "Perbup Nomor 7 Tahun 2027", "publish_from": "2027-01", "confirm": "yes"},
    )
    assert done.status_code == 303
    with tenant_db(slug) as s:
        published = s.get(RuleSet, draft_id)
        assert (published.status, published.name) == ("active", "Perbup Nomor 7 Tahun 2027")
        assert published.effective_from == date(2027, 1, 1)
    # Never edited afterwards.
    again = _post(bkpsdm, draft_url, draft_url, form)
    assert again.status_code == 409
    assert _post(bkpsdm, draft_url, f"{draft_url}/discard", {"confirm": "yes"}).status_code == 409


def _form_of(html: str) -> dict[str, str]:
    """The rule form's inputs and selected options as a browser would send them."""
    form = html[html.find('id="ekn-rules-form"') :]
    form = form[: form.find("</form>")]
    values = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) != "csrf_token":
            values[name.group(1)] = value.group(1) if value else ""
    for select_ in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', select_[1])
        values[select_[0]] = chosen.group(1) if chosen else ""
    return values


def _form_problems(response: Any) -> str:
    html = response.get_data(as_text=True)
    return html[html.find("ekn-form-errors") :][:1500]


@pytest.mark.parametrize(
    "case",
    [
        ("absent_percent", "²", "rules.absent_percent"),
        ("absent_percent", "101", "rules.absent_percent"),
        ("absent_percent", "9" * 40, "rules.absent_percent"),
        ("absent_percent", "NaN", "rules.absent_percent"),
        ("absent_percent", "0,00001", "rules.absent_percent"),
        ("performance_share", "-1", "rules.performance_share"),
        ("minutes_target", "1e9", "rules.minutes_target"),
        ("minutes_target", "99999999999999999999999999", "rules.minutes_target"),
        ("late_bands.1.from_minutes", "40", "rules.late_bands.1"),  # a gap after 30
        ("late_bands.1.to_minutes", "", "rules.late_bands.1"),  # open in the middle
        ("late_bands.2.percent", "abc", "rules.late_bands.2.percent"),
        ("deduction_base", "everything", "rules.deduction_base"),
        ("base_by_class.8", "Rp 9.999.999.999", "rules.base_by_class"),
        ("base_by_class.8", "²", "rules.base_by_class.8"),
        ("predicate_percent.0", "150", "rules.predicate_percent"),
        ("name", "", "name"),
        ("effective_from", "2027-13", "effective_from"),
        ("effective_from", "²", "effective_from"),
    ],
)
def test_a_hostile_rule_form_names_the_field_and_keeps_the_draft(
    kab: Any, page_sign_in: Any, tenant_db: Any, case: tuple[str, str, str]
) -> None:
    field, value, key = case
    slug, _ids = kab
    base = BASE.format(slug=slug)
    bkpsdm = page_sign_in(slug, "bkpsdm@example.go.id")
    draft_url = _post(bkpsdm, f"{base}/rules", f"{base}/rules/drafts", {}).location
    draft_id = int(draft_url.rsplit("/", 1)[1])
    with tenant_db(slug) as s:
        before = s.get(RuleSet, draft_id).rules
    form = _form_of(bkpsdm.get(draft_url).get_data(as_text=True)) | {field: value}
    refused = _post(bkpsdm, draft_url, draft_url, form)
    assert refused.status_code == 422, (field, value, refused.status_code)
    html = refused.get_data(as_text=True)
    assert _error(html, key), (field, value, _form_problems(refused))
    if field != "deduction_base":  # a choice, not typed
        assert f'value="{value}"' in html or value == "", "the value typed is shown again"
    with tenant_db(slug) as s:
        assert s.get(RuleSet, draft_id).rules == before


def test_a_version_cannot_take_effect_in_a_locked_month_and_drafts_are_discarded(
    kab: Any, page_sign_in: Any, tenant_db: Any, provision: Any
) -> None:
    slug, _ids = kab
    base = BASE.format(slug=slug)
    bkpsdm = page_sign_in(slug, "bkpsdm@example.go.id")
    with tenant_db(slug) as s:
        s.scalars(select(TppMonth)).one().locked_at = datetime(2026, 12, 6, tzinfo=ZoneInfo("UTC"))
    draft_url = _post(bkpsdm, f"{base}/rules", f"{base}/rules/drafts", {}).location
    refused = _post(
        bkpsdm,
        draft_url,
        f"{draft_url}/publish",
        {"perbup": "Perbup 1/2026", "publish_from": "2026-11", "confirm": "yes"},
    )
    assert refused.status_code == 409
    assert _error(refused.get_data(as_text=True), "publish_from")
    for perbup in ("", "   ", "---"):
        blank = _post(
            bkpsdm,
            draft_url,
            f"{draft_url}/publish",
            {"perbup": perbup, "publish_from": "2027-01", "confirm": "yes"},
        )
        assert blank.status_code == 422 and _error(blank.get_data(as_text=True), "perbup")
    draft_id = int(draft_url.rsplit("/", 1)[1])
    assert _post(bkpsdm, draft_url, f"{draft_url}/discard", {}).status_code == 303
    with tenant_db(slug) as s:
        assert s.get(RuleSet, draft_id) is not None
    assert _post(bkpsdm, draft_url, f"{draft_url}/discard", {"confirm": "yes"}).status_code == 303
    with tenant_db(slug) as s:
        assert s.get(RuleSet, draft_id) is None
    # Another regency's draft is not found here (its id names nothing in this schema).
    other = provision(apps=("ekinerja",))
    with tenant_db(other) as s:
        theirs = [
            RuleSet(
                name=f"Milik kabupaten lain {n}",
                effective_from=date(2027, 1, 1),
                status="draft",
                rules={},
                created_by="test",
            )
            for n in range(20)
        ]
        s.add_all(theirs)
        s.flush()
        theirs_id = theirs[-1].id
    with tenant_db(slug) as s:
        assert s.get(RuleSet, theirs_id) is None
    assert bkpsdm.get(f"{base}/rules/{theirs_id}").status_code == 404
    stolen = _post(bkpsdm, f"{base}/rules", f"{base}/rules/{theirs_id}/discard", {"confirm": "yes"})
    assert stolen.status_code == 404
    assert bkpsdm.get(f"{base}/rules/99999999999999999999").status_code == 404
    with tenant_db(other) as s:
        assert s.get(RuleSet, theirs_id) is not None


def test_office_hours_are_changed_on_their_form_with_times_typed_the_indonesian_way(
    kab: Any, page_sign_in: Any, tenant_db: Any
) -> None:
    slug, ids = kab
    base = BASE.format(slug=slug)
    hours = f"{base}/setup/hours"
    with tenant_db(slug) as s:
        default = s.scalars(
            select(ScheduleRule).where(
                ScheduleRule.org_unit_id.is_(None), ScheduleRule.valid_from.is_(None)
            )
        ).first()
        default_id = default.id
        dinkes_rule = ScheduleRule(
            org_unit_id=ids["dinkes"],
            name="Jam Dinkes",
            weekdays=[0, 1, 2, 3],
            start_time=time(7, 30),
            end_time=time(16, 0),
        )
        s.add(dinkes_rule)
        s.flush()
        rule_id = dinkes_rule.id
    bkpsdm = page_sign_in(slug, "bkpsdm@example.go.id")
    listing = bkpsdm.get(hours).get_data(as_text=True)
    assert f'data-edit="{rule_id}"' in listing and "Ubah…" in listing
    edit = f"{hours}/{rule_id}"
    form_page = bkpsdm.get(edit)
    assert form_page.status_code == 200
    html = form_page.get_data(as_text=True)
    # The form shows the rule as it is: times the Indonesian way, its days ticked.
    assert 'value="07.30"' in html and 'value="16.00"' in html and "Jam Dinkes" in html
    assert 'id="wd-3" checked' in html and 'id="wd-4" checked' not in html
    assert f'<option value="{ids["dinkes"]}" selected' in html
    form = {
        "org_unit_id": str(ids["dinkes"]),
        "name": "Jam Dinkes baru",
        "weekdays": ["0", "1", "2", "3", "4"],
        "start": "07.15",
        "end": "15.45",
        "valid_from": "",
        "valid_to": "",
    }
    saved = _post(bkpsdm, edit, edit, form)
    assert saved.status_code == 303
    assert "Jam Dinkes baru" in bkpsdm.get(hours).get_data(as_text=True)
    with tenant_db(slug) as s:
        rule = s.get(ScheduleRule, rule_id)
        assert (rule.name, rule.start_time, rule.end_time) == (
            "Jam Dinkes baru",
            time(7, 15),
            time(15, 45),
        )
        assert rule.weekdays == [0, 1, 2, 3, 4]
    # Whatever is typed: the refusal beside its field, the values as typed, 422.
    for field, value in (
        ("start", "25.00"),
        ("start", "7"),
        ("start", "07.30.00"),
        ("start", "²"),
        ("start", "<script>alert(1)</script>"),
        ("end", "07.00"),
        ("end", ""),
        ("valid_from", "2027-13-01"),
        ("valid_from", "1 Maret 2027"),
        ("valid_to", "2027-01-01"),
        ("weekdays", ["9"]),
        ("weekdays", []),
        ("name", ""),
        ("name", "x" * 5000),
        ("org_unit_id", "abc"),
        ("org_unit_id", "99999999999999999999999"),
        ("org_unit_id", "999999"),
    ):
        data = form | {"valid_from": "2027-02-01"} if field == "valid_to" else form
        bad = _post(bkpsdm, edit, edit, data | {field: value})
        expected = 404 if value == "999999" else 422
        assert bad.status_code == expected, (field, value, bad.status_code)
        html = bad.get_data(as_text=True)
        assert 'id="ekn-form-errors"' in html, (field, value)
        if expected == 422:
            assert _error(html, field), (field, value)
        assert "<script>alert(1)</script>" not in html
    late = _post(bkpsdm, edit, edit, form | {"end": "07.00"}).get_data(as_text=True)
    assert _error(late, "end") == "setelah jam mulai"
    assert 'value="07.00"' in late  # what was typed stays
    english = _post(bkpsdm, f"{edit}?lang=en", f"{edit}?lang=en", form | {"start": "25.00"})
    assert _error(english.get_data(as_text=True), "start") == "a time like 07.30"
    with tenant_db(slug) as s:
        assert s.get(ScheduleRule, rule_id).start_time == time(7, 15)  # nothing half-saved
    # The regency's own last undated rule stays undated; a unit admin cannot touch it.
    regency_form = form | {"org_unit_id": "regency", "name": "Jam kabupaten"}
    dated = _post(
        bkpsdm, hours, f"{hours}/{default_id}", regency_form | {"valid_from": "2027-02-08"}
    )
    assert dated.status_code == 409 and 'id="ekn-form-errors"' in dated.get_data(as_text=True)
    assert _post(bkpsdm, hours, f"{hours}/{default_id}", regency_form).status_code == 303
    admin = page_sign_in(slug, "admindinkes@example.go.id")
    assert admin.get(f"{hours}/{default_id}").status_code == 403
    assert _post(admin, hours, f"{hours}/{default_id}", regency_form).status_code == 403
    assert admin.get(edit).status_code == 200  # their own unit's hours
    other = page_sign_in(slug, "adminunit@example.go.id")  # Disdik's admin
    assert other.get(edit).status_code == 403
    assert _post(other, hours, edit, form).status_code == 403
    assert bkpsdm.get(f"{hours}/999999").status_code == 404
    assert bkpsdm.get(f"{hours}/99999999999999999999999").status_code == 404
    for who in ("pegawai", "viewer"):
        assert page_sign_in(slug, f"{who}@example.go.id").get(edit).status_code == 403
    with tenant_db(slug) as s:
        assert s.get(ScheduleRule, default_id).name == "Jam kabupaten"
        assert s.get(ScheduleRule, default_id).valid_from is None


def test_office_hours_changed_on_their_form_from_a_day_keep_the_earlier_hours(
    kab: Any, page_sign_in: Any, tenant_db: Any
) -> None:
    """The form offers today as the day the new times hold from; the days before keep
    the old ones, listed under the form. A day no calendar holds is refused beside it."""
    slug, ids = kab
    hours = f"{BASE.format(slug=slug)}/setup/hours"
    with tenant_db(slug) as s:
        rule = ScheduleRule(
            org_unit_id=ids["dinkes"],
            name="Jam Dinkes",
            weekdays=[0, 1, 2, 3, 4],
            start_time=time(7, 30),
            end_time=time(16, 0),
        )
        s.add(rule)
        s.flush()
        edit = f"{hours}/{rule.id}"
        rule_id = rule.id
    admin = page_sign_in(slug, "admindinkes@example.go.id")
    html = admin.get(edit).get_data(as_text=True)
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date().isoformat()
    assert f'name="effective_from" aria-describedby="hours-effective-help" value="{today}"' in html
    assert "Hari dan jam baru berlaku mulai" in html and "Jam kerja sebelumnya" not in html
    form = {
        "org_unit_id": str(ids["dinkes"]),
        "name": "Jam Dinkes",
        "weekdays": ["0", "1", "2", "3", "4"],
        "start": "08.00",
        "end": "16.00",
        "valid_from": "",
        "valid_to": "",
        "effective_from": "2026-04-01",
    }
    arabic_indic = "".join(chr(0x0660 + int(c)) if c in "0123456789" else c for c in "2026-04-01")
    for bad in ("2026-02-30", "1 April 2026", arabic_indic):
        refused = _post(admin, edit, edit, form | {"effective_from": bad})
        assert refused.status_code == 422, bad
        assert _error(refused.get_data(as_text=True), "effective_from"), bad
    assert _post(admin, edit, edit, form).status_code == 303
    html = admin.get(edit).get_data(as_text=True)
    assert "Sebelum 1 April 2026: 07.30\u201316.00, Senin, Selasa" in html
    with tenant_db(slug) as s:
        assert s.get(ScheduleRule, rule_id).start_time == time(8, 0)
        (kept,) = s.scalars(
            select(ScheduleRuleVersion).where(ScheduleRuleVersion.rule_id == rule_id)
        ).all()
        assert (kept.until, kept.start_time) == (date(2026, 4, 1), time(7, 30))
