"""SIPD's codes in e-Budgeting: read from the core's org units, sub-activities at a
sub-unit, the export per SKPD and sub-unit (validated by its JSON Schema) and the
RKA/DPA header naming both."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from smartcity.errors import Conflict, InvalidInput
from smartcity.reports import Letterhead
from smartcity.tenantcore import orgunits
from smartcity.tenantcore.models import OrgUnit
from sqlalchemy import func, select, update

from tenants.ebudgeting import planning as rka
from tenants.ebudgeting import sipd, stages
from tenants.ebudgeting.budget_documents import build_document
from tenants.ebudgeting.budget_pdf import render_budget_pdf
from tenants.ebudgeting.models import SnapshotLine, SubActivity
from tenants.ebudgeting.years import get_year
from tests.ebudgeting_support import (
    CHAIR,
    SNACK,
    SUB_MOTHERS,
    TAPD,
    agree_kua_ppas,
    budget_year,
    factors,
    item,
    lock_all,
    make_opds,
    paper_line,
    stage_document,
    sub_activity,
)
from tests.support.documents import pdf_text

SCHEMA = json.loads(
    (Path(__file__).parents[3] / "tenants/ebudgeting/data/sipd_apbd.schema.json").read_text()
)
DINKES = "1.02.0.00.0.00.01.0000"
PUSKESMAS = "1.02.0.00.0.00.01.0001"
PATI = "33.18"


def _code(session, unit_id: int, sipd_code: str | None) -> None:
    unit = orgunits.get_unit(session, unit_id)
    orgunits.update_unit(
        session,
        unit,
        name=unit.name,
        kind=unit.kind,
        region_code=None,
        is_active=unit.is_active,
        sipd_code=sipd_code,
        regency_code=PATI,
        actor="admin",
    )


def _unit(session, parent_id: int, code: str, name: str, *, kind: str, sipd_code=None) -> int:
    return orgunits.create_unit(
        session,
        code=code,
        name=name,
        kind=kind,
        parent_id=parent_id,
        sipd_code=sipd_code,
        regency_code=PATI,
        actor="admin",
    ).id


@pytest.fixture
def regency(provision, tenant_db):
    """Dinas Kesehatan with a puskesmas SIPD knows and a bidang it does not; Dinas
    Pendidikan with a UPTD of its own."""
    slug = provision(apps=("ebudgeting",), region_code=PATI)
    with tenant_db(slug) as session:
        opds = make_opds(session)
        _code(session, opds.dinkes, DINKES)
        _code(session, opds.disdik, "1.01.0.00.0.00.01.0000")
        units = {
            "puskesmas": _unit(
                session,
                opds.dinkes,
                "1.02.01.01",
                "UPTD Puskesmas Pati I",
                kind="uptd",
                sipd_code=PUSKESMAS,
            ),
            "bidang": _unit(session, opds.dinkes, "1.02.01.02", "Bidang P2P", kind="bidang"),
            "uptd_sd": _unit(
                session,
                opds.disdik,
                "1.01.01.01",
                "UPTD SD Pati",
                kind="uptd",
                sipd_code="1.01.0.00.0.00.01.0001",
            ),
        }
        budget_year(session, opds)
    return slug, opds, units


def test_a_sub_activity_sits_at_a_sub_unit_of_its_opd_that_sipd_knows(regency, tenant_db):
    slug, opds, units = regency
    with tenant_db(slug) as session:
        fiscal_year = get_year(session, 2026)
        assert [u.name for u in rka.sub_units_of(session, opds.dinkes)] == ["UPTD Puskesmas Pati I"]

        def create(sub_unit_id):
            return rka.create_sub_activity(
                session,
                fiscal_year,
                org_unit_id=opds.dinkes,
                sub_kegiatan_code=SUB_MOTHERS,
                output_indicator=None,
                target=Decimal(2),
                target_unit=None,
                location="Pati",
                funding_source="PAD",
                ceiling=Decimal(1000000),
                actor=opds.operator,
                sub_unit_id=sub_unit_id,
            )

        # A bidang without a SIPD code, another OPD's UPTD, an id that is nothing.
        for wrong in (units["bidang"], units["uptd_sd"], 10**12):
            with pytest.raises(InvalidInput) as caught:
                create(wrong)
            assert caught.value.fields["sub_unit_id"] == "not a sub-unit of the OPD", wrong
        sub = create(units["puskesmas"])
        assert sub.sub_unit_id == units["puskesmas"]
        # Changing other fields keeps it; None puts it back at the OPD itself.
        rka.update_sub_activity(session, sub, actor=opds.operator, location="Puskesmas Pati I")
        assert sub.sub_unit_id == units["puskesmas"]
        with pytest.raises(InvalidInput):
            rka.update_sub_activity(session, sub, actor=opds.operator, sub_unit_id=units["uptd_sd"])
        rka.update_sub_activity(session, sub, actor=opds.operator, sub_unit_id=opds.dinkes)
        assert sub.sub_unit_id is None
        rka.update_sub_activity(session, sub, actor=opds.operator, sub_unit_id=units["puskesmas"])
        # Its code dropped later: the plan keeps its sub-unit until someone changes it.
        _code(session, units["puskesmas"], None)
        assert rka.sub_units_of(session, opds.dinkes) == []
        rka.update_sub_activity(session, sub, actor=opds.operator, location="Pati")
        assert sub.sub_unit_id == units["puskesmas"]


def _through_dpa(session, opds, units):
    fiscal_year = get_year(session, 2026)
    planning = sub_activity(session, fiscal_year, opds)  # at the OPD itself
    paper_line(session, planning, opds, "20")  # 1.100.000
    mothers = rka.create_sub_activity(
        session,
        fiscal_year,
        org_unit_id=opds.dinkes,
        sub_kegiatan_code=SUB_MOTHERS,
        output_indicator=None,
        target=Decimal(40),
        target_unit=None,
        location="Puskesmas Pati I",
        funding_source="DAK Non Fisik",
        ceiling=Decimal(5000000),
        actor=opds.operator,
        sub_unit_id=units["puskesmas"],
    )
    rka.add_line(
        session,
        mothers.id,
        catalogue_item_id=item(session, SNACK).id,
        account_code="5.1.02.01.01.0052",
        factors=factors(("25", "orang"), ("4", "kali")),
        actor=opds.operator,
    )  # 2.000.000
    lock_all(session, fiscal_year, opds)
    agree_kua_ppas(session, fiscal_year)
    for stage in ("rka", "apbd", "dpa"):
        stages.take_snapshot(
            session, fiscal_year, stage, document=stage_document(stage), actor=CHAIR
        )
    return fiscal_year, planning, mothers


def test_the_sipd_export_lists_each_skpd_and_sub_unit(regency, tenant_db):
    slug, opds, units = regency
    with tenant_db(slug) as session:
        fiscal_year, _planning, mothers = _through_dpa(session, opds, units)
        exported = sipd.approved_budget(
            session, fiscal_year, region_code=PATI, region_name="Kabupaten Pati", actor=TAPD
        )
        jsonschema.validate(exported, SCHEMA)
        entries = [
            (e["kode_skpd"], e["kode_sub_skpd"], e["nama_sub_skpd"], e["pagu"])
            for e in exported["skpd"]
        ]
        assert entries == [
            (DINKES, DINKES, "Dinas Kesehatan", 1100000),
            (DINKES, PUSKESMAS, "UPTD Puskesmas Pati I", 2000000),
        ]
        for entry in exported["skpd"]:  # a sub-unit shares its SKPD's first seven groups
            assert entry["kode_sub_skpd"][:-5] == entry["kode_skpd"][:-5]
            assert entry["pagu"] == sum(s["pagu"] for s in entry["sub_kegiatan"])
        assert exported["total"] == 3100000
        at_puskesmas = exported["skpd"][1]["sub_kegiatan"][0]
        assert (at_puskesmas["kode_sub_kegiatan"], at_puskesmas["kode_sumber_dana"]) == (
            SUB_MOTHERS,
            "2.2.01.01.04",
        )
        # The DPA keeps the sub-unit the plan had when it was taken.
        session.execute(
            update(SubActivity).where(SubActivity.id == mothers.id).values(sub_unit_id=None)
        )
        again = sipd.approved_budget(
            session, fiscal_year, region_code=PATI, region_name="Kabupaten Pati", actor=TAPD
        )
        assert [e["kode_sub_skpd"] for e in again["skpd"]] == [DINKES, PUSKESMAS]
        # An OPD operator exports only their own OPD.
        assert (
            sipd.approved_budget(
                session, fiscal_year, region_code=PATI, region_name="x", actor=opds.operator
            )["total"]
            == 3100000
        )
        # A sub-unit whose code was dropped since: the export says which unit (409).
        session.execute(
            update(SubActivity).where(SubActivity.id == mothers.id).values(sub_unit_id=None)
        )
        _code(session, units["puskesmas"], None)
        with pytest.raises(Conflict) as caught:
            sipd.approved_budget(
                session, fiscal_year, region_code=PATI, region_name="x", actor=TAPD
            )
        assert "unit 1.02.01.01 has no SIPD code yet" in str(caught.value)
        frozen = select(func.count()).where(SnapshotLine.sub_unit_id == units["puskesmas"])
        assert session.scalar(frozen) == 3  # its line in the RKA, APBD and DPA


def test_the_schema_refuses_a_sub_unit_code_as_an_skpd_code():
    """The test above could not pass on a schema that takes anything: it refuses."""
    entry = {
        "kode_skpd": PUSKESMAS,
        "nama_skpd": "x",
        "kode_sub_skpd": PUSKESMAS,
        "nama_sub_skpd": "x",
        "pagu": 0,
        "sub_kegiatan": [],
    }
    document = {
        "tahun": 2026,
        "kode_pemda": "3318",
        "nama_pemda": "Kabupaten Pati",
        "tahapan": "dpa",
        "total": 0,
        "skpd": [entry],
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, SCHEMA)
    jsonschema.validate({**document, "skpd": [{**entry, "kode_skpd": DINKES}]}, SCHEMA)
    bad = {**entry, "kode_skpd": DINKES, "kode_sub_skpd": "1.02.0.00.0.00.01.²001"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**document, "skpd": [bad]}, SCHEMA)


def test_the_dpa_names_the_organisation_and_each_plans_unit_by_sipd_code(app, regency, tenant_db):
    slug, opds, units = regency
    with tenant_db(slug) as session:
        fiscal_year, _planning, _mothers = _through_dpa(session, opds, units)
        document = build_document(
            session,
            fiscal_year,
            "dpa",
            session.get(OrgUnit, opds.dinkes),
            region_name="Kabupaten Pati",
            signing_place="Pati",
            today=date(2026, 1, 2),
            actor=TAPD,
        )
        assert ("Organisasi", f"{DINKES} Dinas Kesehatan") in document.opd_block
        units_of = {f.code: dict(f.header)["Unit"] for f in document.forms}
        assert units_of[SUB_MOTHERS] == f"{PUSKESMAS} UPTD Puskesmas Pati I"
        assert units_of["1.02.01.2.01.0001"] == f"{DINKES} Dinas Kesehatan"
        with app.test_request_context():
            head = Letterhead(
                "Kabupaten Pati", datetime(2026, 1, 2, tzinfo=UTC), ZoneInfo("Asia/Jakarta")
            )
            text = " ".join(pdf_text(render_budget_pdf(document, head)).split())
        assert f"Organisasi : {DINKES} Dinas Kesehatan" in text
        assert f"Unit : {PUSKESMAS} UPTD Puskesmas Pati I" in text
        assert f"Unit : {DINKES} Dinas Kesehatan" in text
