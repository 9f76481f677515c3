"""Org-unit import (two steps, a report of every problem, idempotent) and the standard list."""

from __future__ import annotations

import io
import re

import pytest
from smartcity.errors import InvalidInput
from smartcity.reference import region_rows
from smartcity.tenantcore import orgunit_import
from smartcity.tenantcore.models import OrgUnit
from sqlalchemy import func, select

from tests.hostile_files import xlsx
from tests.support.web import admin_client, post_form, shown_errors

SLEMAN = "34.04"
HEADER = "kode,nama,jenis,kode_induk,kode_wilayah"
GOOD = [
    "1.02,Dinas Kesehatan,Dinas,,",
    "1.02.01,Bidang Pelayanan Kesehatan,bidang,,",
    "7.01,Kecamatan Gamping,kecamatan,,34.04.01",
]


def _csv(*rows: str) -> bytes:
    return ("\n".join((HEADER, *rows)) + "\n").encode()


def _rows(*rows: str):
    return orgunit_import.read_rows("units.csv", _csv(*rows))


def _units(tenant_db, slug) -> dict[str, tuple[str, str]]:
    with tenant_db(slug) as session:
        return {u.code: (u.name, u.kind) for u in session.scalars(select(OrgUnit))}


@pytest.fixture
def sleman(provision):
    return provision(region_code=SLEMAN)


def test_a_file_with_problems_is_reported_row_by_row_and_writes_nothing(sleman, tenant_db):
    rows = _rows(
        GOOD[0],
        "1.02,Dua Kali,dinas,,",
        "9.01.01,Tanpa Induk,bidang,,",
        "1.03,Jenis Salah,kantor,,",
        "7.02,Kecamatan Lain,kecamatan,,35.21.01",
        "x.1,Kode Salah,dinas,,",
    )
    with tenant_db(sleman) as session:
        plan = orgunit_import.check(session, rows, regency_code=SLEMAN)
        found = {(p.row, p.column) for p in plan.problems}
        assert found == {
            (3, "kode"),
            (4, "kode_induk"),
            (5, "jenis"),
            (6, "kode_wilayah"),
            (7, "kode"),
        }, plan.problems
        with pytest.raises(InvalidInput):
            orgunit_import.apply(session, rows, regency_code=SLEMAN, actor="t", source="t")
    assert _units(tenant_db, sleman) == {}


def test_applying_a_file_upserts_by_code_and_twice_changes_nothing(sleman, tenant_db):
    with tenant_db(sleman) as session:
        counts = orgunit_import.apply(
            session, _rows(*GOOD), regency_code=SLEMAN, actor="t", source="t"
        )
        assert counts == {"created": 3, "updated": 0, "unchanged": 0}
    with tenant_db(sleman) as session:
        again = orgunit_import.apply(
            session, _rows(*GOOD), regency_code=SLEMAN, actor="t", source="t"
        )
        assert again == {"created": 0, "updated": 0, "unchanged": 3}
        renamed = [GOOD[0].replace("Dinas Kesehatan", "Dinas Kesehatan dan KB"), *GOOD[1:]]
        assert orgunit_import.apply(
            session, _rows(*renamed), regency_code=SLEMAN, actor="t", source="t"
        ) == {"created": 0, "updated": 1, "unchanged": 2}
        child = session.scalars(select(OrgUnit).where(OrgUnit.code == "1.02.01")).one()
        parent = session.scalars(select(OrgUnit).where(OrgUnit.code == "1.02")).one()
        assert child.parent_id == parent.id  # the parent came from the code
    assert _units(tenant_db, sleman)["1.02"] == ("Dinas Kesehatan dan KB", "dinas")


def test_the_standard_list_has_the_opd_and_every_kecamatan_of_the_region(sleman, tenant_db):
    kecamatan = [r for r in region_rows() if r.level == "kecamatan" and r.code.startswith("34.04.")]
    assert len(kecamatan) == 17
    rows = orgunit_import.standard_rows(SLEMAN)
    with tenant_db(sleman) as session:
        counts = orgunit_import.apply(
            session, rows, regency_code=SLEMAN, actor="t", source="standard", only_missing=True
        )
        assert counts["created"] == len(rows) and counts["updated"] == 0
        kinds = dict(
            session.execute(select(OrgUnit.kind, func.count()).group_by(OrgUnit.kind)).all()
        )
        assert kinds["kecamatan"] == 17
        assert {"sekretariat_daerah", "sekretariat_dprd", "inspektorat", "dinas", "badan"} <= set(
            kinds
        )
        # The admin edits; applying the standard list again keeps the edit.
        setda = session.scalars(select(OrgUnit).where(OrgUnit.code == "4.01")).one()
        setda.name = "Sekretariat Daerah Kabupaten Sleman"
    with tenant_db(sleman) as session:
        again = orgunit_import.apply(
            session, rows, regency_code=SLEMAN, actor="t", source="standard", only_missing=True
        )
        assert again["created"] == 0
    assert _units(tenant_db, sleman)["4.01"][0] == "Sekretariat Daerah Kabupaten Sleman"


def test_the_admin_uploads_checks_and_applies_an_org_unit_file(app, sleman, tenant_db):
    admin = admin_client(app, sleman)
    base = f"/t/{sleman}/admin/units/import"
    bad = post_form(
        admin,
        base,
        {"file": (io.BytesIO(_csv(GOOD[0], "1.03,Jenis Salah,kantor,,")), "opd.csv")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 303, shown_errors(bad)
    report = admin.get(bad.headers["Location"]).get_data(as_text=True)
    assert 'data-unit-import="rejected"' in report and "jenis" in report

    good = post_form(
        admin,
        base,
        {"file": (io.BytesIO(_csv(*GOOD)), "opd.csv")},
        content_type="multipart/form-data",
    )
    preview_url = good.headers["Location"]
    preview = admin.get(preview_url).get_data(as_text=True)
    assert dict(re.findall(r'data-plan="(\w+)">(\d+)<', preview)) == {
        "created": "3",
        "updated": "0",
        "unchanged": "0",
    }
    assert _units(tenant_db, sleman) == {}  # not before Apply
    applied = post_form(admin, preview_url + "/apply", {}, page=preview_url)
    assert applied.status_code == 303, shown_errors(applied)
    assert set(_units(tenant_db, sleman)) == {"1.02", "1.02.01", "7.01"}
    assert admin.get(preview_url).status_code == 404  # the stored file is gone once applied

    standard = post_form(admin, f"/t/{sleman}/admin/units/standard", {}, page=base)
    assert standard.status_code == 303
    assert len(_units(tenant_db, sleman)) > 40
    template = admin.get(f"{base}/template.csv").get_data(as_text=True)
    assert template.lstrip("\ufeff").startswith(HEADER) and "34.04.01" in template


# --------------------------------------------------------------------------- SIPD codes

SIPD_HEADER = HEADER + ",kode_sipd"
SIPD_GOOD = [
    "1.02,Dinas Kesehatan,dinas,,,1.02.0.00.0.00.01.0000",
    "1.02.01,UPTD Puskesmas Gamping I,uptd,1.02,,1.02.0.00.0.00.01.0001",
    "1.02.02,Bidang Pelayanan Kesehatan,bidang,1.02,,",
    "7.01,Kecamatan Gamping,kecamatan,,34.04.01,7.01.0.00.0.00.01.0000",
]


def _sipd_rows(*rows: str):
    content = ("\n".join((SIPD_HEADER, *rows)) + "\n").encode()
    return orgunit_import.read_rows("units.csv", content)


def _sipd_of(tenant_db, slug) -> dict[str, str | None]:
    with tenant_db(slug) as session:
        return dict(session.execute(select(OrgUnit.code, OrgUnit.sipd_code)).all())


def test_a_file_gives_units_their_sipd_codes_and_keeps_them(sleman, tenant_db):
    with tenant_db(sleman) as session:
        counts = orgunit_import.apply(
            session, _sipd_rows(*SIPD_GOOD), regency_code=SLEMAN, actor="t", source="t"
        )
        assert counts == {"created": 4, "updated": 0, "unchanged": 0}
    assert _sipd_of(tenant_db, sleman) == {
        "1.02": "1.02.0.00.0.00.01.0000",
        "1.02.01": "1.02.0.00.0.00.01.0001",
        "1.02.02": None,
        "7.01": "7.01.0.00.0.00.01.0000",
    }
    with tenant_db(sleman) as session:
        # The same file again, and a file without the column (or empty cells): no change.
        for rows in (
            _sipd_rows(*SIPD_GOOD),
            _rows(*(r.rsplit(",", 1)[0] for r in SIPD_GOOD)),
            _sipd_rows(*(r[: r.rfind(",") + 1] for r in SIPD_GOOD)),
        ):
            plan = orgunit_import.check(session, rows, regency_code=SLEMAN)
            assert not plan.problems and not plan.changed, plan.problems
        # Two sub-units swap their numbers, and a bidang gets one: three changes.
        swapped = orgunit_import.apply(
            session,
            _sipd_rows(
                "1.02.01,UPTD Puskesmas Gamping I,uptd,1.02,,1.02.0.00.0.00.01.0002",
                "1.02.02,Bidang Pelayanan Kesehatan,bidang,1.02,,1.02.0.00.0.00.01.0001",
            ),
            regency_code=SLEMAN,
            actor="t",
            source="t",
        )
        assert swapped == {"created": 0, "updated": 2, "unchanged": 0}
    assert _sipd_of(tenant_db, sleman)["1.02.01"] == "1.02.0.00.0.00.01.0002"


def test_sipd_codes_in_a_file_are_checked_on_the_tree_it_would_make(sleman, tenant_db):
    with tenant_db(sleman) as session:
        orgunit_import.apply(
            session, _sipd_rows(*SIPD_GOOD), regency_code=SLEMAN, actor="t", source="t"
        )
    rows = _sipd_rows(
        "1.03,Dinas PUPR,dinas,,,1.03.0.00.0.00.01.0001",  # an OPD's ends in 0000
        "1.03.01,UPTD Jalan,uptd,1.03,,1.03.0.00.0.00.02.0001",  # not its OPD's unit part
        "1.04,Dinas Perkim,dinas,,,1.04.0.00.0.00.01.0000",
        "1.04.01,UPTD Air,uptd,1.04,,1.04.0.00.0.00.02.0001",  # not its OPD's unit part
        "1.04.02,UPTD Taman,uptd,1.04,,1.04.0.00.0.00.01.0000",  # 0000 is the OPD
        "1.05,Satpol PP,satuan,,,1.02.0.00.0.00.01.0000",  # Dinas Kesehatan's already
        "1.06,Dinas Sosial,dinas,,,1.06.0.00.0.00.01.0000",
        "2.07,Dinas Tenaga Kerja,dinas,,,1.06.0.00.0.00.01.0000",  # the row above's
        "2.08,Dinas PPPA,dinas,,,2.08.0.00.0.00.01.²000",
        "2.09,Dinas Pangan,dinas,,, 2.09.0.00.0.00.01.0000 ",  # spaces around: fine
        "3.25,Dinas Perikanan,dinas,,,3.25.0.00.0.00.01.0000 lama",
    )
    with tenant_db(sleman) as session:
        plan = orgunit_import.check(session, rows, regency_code=SLEMAN)
        assert {p.column for p in plan.problems} == {"kode_sipd"}
        found: dict[int, str] = {}
        for p in plan.problems:
            found[p.row] = found.get(p.row, "") + str(p.message) + "|"
        assert set(found) == {2, 3, 4, 5, 6, 7, 8, 9, 10, 12}, found
        assert "an OPD's code ends in .0000" in found[2]
        assert "starts with its OPD's 1.03.0.00.0.00.01." in found[3]  # its OPD's, wrong or not
        assert "starts with its OPD's 1.04.0.00.0.00.01." in found[5]
        assert "0000 is the OPD itself" in found[6]
        assert "also that of unit 1.04.02" in found[4]  # both rows that would share it
        assert "also that of unit 1.04|" in found[6]
        assert "also that of unit 1.02|" in found[7]
        assert "also that of unit 2.07" in found[8]
        assert "also that of unit 1.06" in found[9]
        assert found[10].startswith("like 1.02.0.00.0.00.01.0000")
        assert found[12].startswith("like 1.02.0.00.0.00.01.0000")
        with pytest.raises(InvalidInput):
            orgunit_import.apply(session, rows, regency_code=SLEMAN, actor="t", source="t")
        # The OPD moves to another unit part but its kept sub-unit is not in the file.
        moved = orgunit_import.check(
            session,
            _sipd_rows("1.02,Dinas Kesehatan,dinas,,,1.02.0.00.0.00.02.0000"),
            regency_code=SLEMAN,
        )
        assert [(p.row, p.column) for p in moved.problems] == [(2, "kode_sipd")]
        assert "sub-unit 1.02.01 keeps SIPD code 1.02.0.00.0.00.01.0001" in str(
            moved.problems[0].message
        )
        # With its sub-unit's new code in the file, it moves.
        assert orgunit_import.apply(
            session,
            _sipd_rows(
                "1.02,Dinas Kesehatan,dinas,,,1.02.0.00.0.00.02.0000",
                "1.02.01,UPTD Puskesmas Gamping I,uptd,1.02,,1.02.0.00.0.00.02.0001",
            ),
            regency_code=SLEMAN,
            actor="t",
            source="t",
        ) == {"created": 0, "updated": 2, "unchanged": 0}
    assert _sipd_of(tenant_db, sleman)["1.02.01"] == "1.02.0.00.0.00.02.0001"


def test_an_xlsx_sipd_code_typed_as_a_number_is_refused(sleman, tenant_db):
    content = xlsx(
        [
            ["kode", "nama", "jenis", "kode_induk", "kode_wilayah", "kode_sipd"],
            ["1.02", "Dinas Kesehatan", "dinas", None, None, 1.02],
        ]
    )
    with tenant_db(sleman) as session:
        plan = orgunit_import.check(
            session, orgunit_import.read_rows("units.xlsx", content), regency_code=SLEMAN
        )
    assert [(p.row, p.column, p.message) for p in plan.problems] == [
        (2, "kode_sipd", "type codes as text: a number cell drops zeros")
    ]


def test_the_import_page_reports_sipd_problems_in_indonesian(app, sleman, tenant_db):
    admin = admin_client(app, sleman)
    base = f"/t/{sleman}/admin/units/import"
    bad = post_form(
        admin,
        base,
        {
            "file": (
                io.BytesIO(
                    (
                        "\n".join(
                            (SIPD_HEADER, "1.02,Dinas Kesehatan,dinas,,,1.02.0.00.0.00.01.0009")
                        )
                        + "\n"
                    ).encode()
                ),
                "opd.csv",
            )
        },
        content_type="multipart/form-data",
    )
    report = admin.get(bad.headers["Location"]).get_data(as_text=True)
    assert 'data-unit-import="rejected"' in report
    assert "kode OPD berakhir .0000" in report
    page = admin.get(base).get_data(as_text=True)
    assert "kode_sipd" in page
