"""e-Budgeting: reference data, and every budget rule accepted and refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from smartcity.db import db
from smartcity.errors import Conflict, Forbidden, InvalidInput, NotFound
from smartcity.money import rupiah
from smartcity.sync import reference as reference_sync
from smartcity.tenancy import lifecycle
from smartcity.tenantcore.models import AuditEntry
from sqlalchemy import func, select

from tenants.ebudgeting import catalogue, ceilings, codes, reference, review
from tenants.ebudgeting import planning as rka
from tenants.ebudgeting.models import Account, CatalogueItem, Nomenclature
from tenants.ebudgeting.rules import RuleViolation
from tests.ebudgeting_support import (
    CHAIR,
    FEES_ACCOUNT,
    HVS,
    MEALS_ACCOUNT,
    PAPER_ACCOUNT,
    SPEAKER,
    SUB_MOTHERS,
    SUB_PLANNING,
    TAPD,
    budget_year,
    factors,
    item,
    make_opds,
    sub_activity,
)


@pytest.fixture
def regency(provision):
    return provision(apps=("ebudgeting",))


# --------------------------------------------------------------------------- reference data


def test_enabling_loads_the_versioned_reference_data(regency, tenant_db, state):
    with tenant_db(regency) as session:
        levels = dict(
            session.execute(
                select(Nomenclature.level, func.count()).group_by(Nomenclature.level)
            ).all()
        )
        assert levels["urusan"] == 8 and levels["bidang"] >= 10 and levels["sub_kegiatan"] > 200
        node = session.scalar(select(Nomenclature).where(Nomenclature.code == SUB_MOTHERS))
        assert node.name == "Pengelolaan Pelayanan Kesehatan Ibu Hamil"
        assert node.parent_code == "1.02.02.2.02" and node.indicator_unit == "Orang"
        assert session.scalar(select(Account.level).where(Account.code == PAPER_ACCOUNT)) == 6
        speaker = item(session, SPEAKER)
        assert speaker.max_price == Decimal("1000000.00") and speaker.kind == "SBU"
        assert speaker.account_codes == [FEES_ACCOUNT]
        assert item(session, HVS, 2027).max_price > item(session, HVS, 2026).max_price
    versions = _held(state, regency)
    assert set(versions) >= {
        "ebudgeting.accounts",
        "ebudgeting.nomenclature",
        "ebudgeting.catalogue",
    }
    with tenant_db(regency) as session:
        assert item(session, HVS).source_version == versions["ebudgeting.catalogue"]
    # A second push of the same versions changes nothing.
    assert _push(state, regency).changed is False


def _held(state, slug):
    with db.platform_transaction() as session:
        tenant = lifecycle.get_tenant(session, slug)
        return reference_sync.held_versions(session, tenant.id)


def _push(state, slug):
    with db.platform_transaction() as session:
        return reference_sync.push_slug(
            session,
            slug,
            registry=state.registry,
            role_prefix=state.settings.role_prefix,
            actor="tests",
        )


def _publish(state, name, rows):
    with db.platform_transaction() as session:
        return reference_sync.publish(session, name, rows, registry=state.registry, actor="tests")


@pytest.fixture
def restore_catalogue(state):
    yield
    with db.platform_transaction() as session:
        reference_sync.publish_shipped(
            session, ["ebudgeting.catalogue"], registry=state.registry, actor="tests"
        )


def test_a_new_dataset_version_updates_in_place_and_retires_dropped_rows(
    regency, tenant_db, state, restore_catalogue
):
    rows = [dict(r) for r in reference.shipped("catalogue")() if r["code"] != "SBU.01.01.005"]
    for row in rows:
        if row["code"] == HVS:
            row["max_price"] = "57500.00"
    with tenant_db(regency) as session:
        before_id = item(session, HVS).id
    newer = _publish(state, "ebudgeting.catalogue", rows).dataset.version
    result = _push(state, regency)
    assert "2026 SBU.01.01.005" in result.changes["ebudgeting.catalogue"]["retired"]
    assert _push(state, regency).changed is False
    with tenant_db(regency) as session:
        hvs = item(session, HVS)
        assert hvs.id == before_id and hvs.max_price == Decimal("57500.00")
        assert hvs.source_version == newer
        assert item(session, "SBU.01.01.005").is_active is False


def test_a_bad_dataset_is_refused_whole_naming_each_row(regency, tenant_db, state):
    rows = [
        {"code": "1", "level": "urusan", "name": "URUSAN WAJIB"},
        {"code": "1.02", "level": "bidang", "name": "KESEHATAN"},
        {"code": "1.02.02", "level": "program", "name": "P"},
        {"code": "1.02.02.1.01", "level": "kegiatan", "name": "Provinsi"},
        {"code": "1.03.02.2.01", "level": "kegiatan", "name": "Orphan"},
    ]
    held_before = _held(state, regency)
    with pytest.raises(InvalidInput) as caught:
        _publish(state, "ebudgeting.nomenclature", rows)
    assert "level digit 1; a kabupaten/kota uses 2" in caught.value.fields["row 5"]
    assert "parent 1.03.02 is not listed" in caught.value.fields["row 6"]
    assert "2 bad row(s)" in caught.value.message
    assert _push(state, regency).changed is False
    assert _held(state, regency) == held_before
    with tenant_db(regency) as session:
        assert (
            session.scalar(select(Nomenclature.name).where(Nomenclature.code == "1.02.02")) != "P"
        )


@pytest.mark.parametrize(
    ("code", "level", "parent", "rule", "text"),
    [
        ("1.02.02.2.01.0001", "sub_kegiatan", "1.02.02.2.01", None, ""),
        ("1.02.02.2.01", "kegiatan", "1.02.02", None, ""),
        ("1.02.02.1.01.0001", "sub_kegiatan", None, "government_level", "level digit 1"),
        ("1.02.02.2.01.0001", "sub_kegiatan", "1.03.02.2.01", "code_hierarchy", "1.03.02.2.01"),
        ("1.02.02.2.01", "sub_kegiatan", None, "code_hierarchy", "not a sub kegiatan code"),
        ("1.2.02", "program", None, "code_hierarchy", "not a program code"),
    ],
)
def test_code_rules(code, level, parent, rule, text):
    problems = codes.code_violations(code, level, parent)
    if rule is None:
        assert problems == []
    else:
        assert problems[0].rule == rule and text in problems[0].text


def test_account_codes_have_six_levels_that_nest():
    assert codes.account_level("5.1.02.01.01.0024") == 6
    assert codes.account_level("5.1.02") == 3
    assert codes.account_violations("5.1.02.01.01.24")[0].rule == "code_hierarchy"
    assert "parent's code 5.1.03" in codes.account_violations("5.1.02.01", "5.1.03")[0].text


# --------------------------------------------------------------------------- line rules


def test_price_within_the_catalogue_maximum(regency, tenant_db):
    with tenant_db(regency) as session:
        opds = make_opds(session)
        fiscal_year = budget_year(session, opds)
        sub = sub_activity(session, fiscal_year, opds)
        speaker = item(session, SPEAKER)
        at_max = rka.add_line(
            session,
            sub.id,
            catalogue_item_id=speaker.id,
            account_code=FEES_ACCOUNT,
            factors=factors(("1", "orang"), ("2", "jam")),
            unit_price=Decimal("1000000"),
            actor=opds.operator,
        )
        assert at_max.amount == Decimal("2000000.00") and at_max.unit == "orang x jam"
        with pytest.raises(RuleViolation) as caught:
            rka.add_line(
                session,
                sub.id,
                catalogue_item_id=speaker.id,
                account_code=FEES_ACCOUNT,
                factors=factors(("1", "orang"), ("2", "jam")),
                unit_price=Decimal("1250000"),
                actor=opds.operator,
            )
        assert caught.value.message == (
            "price Rp 1.250.000 exceeds the catalogue maximum Rp 1.000.000 "
            "for item SBU.01.01.001 Honorarium Narasumber Pejabat Eselon II"
        )
        assert set(caught.value.fields) == {"catalogue_price"}


def test_account_must_be_allowed_for_the_item(regency, tenant_db):
    with tenant_db(regency) as session:
        opds = make_opds(session)
        fiscal_year = budget_year(session, opds)
        sub = sub_activity(session, fiscal_year, opds)
        paper = item(session, HVS)
        rka.add_line(
            session,
            sub.id,
            catalogue_item_id=paper.id,
            account_code=PAPER_ACCOUNT,
            factors=factors(("10", "rim")),
            actor=opds.operator,
        )
        with pytest.raises(RuleViolation) as caught:
            rka.add_line(
                session,
                sub.id,
                catalogue_item_id=paper.id,
                account_code=MEALS_ACCOUNT,
                factors=factors(("10", "rim")),
                actor=opds.operator,
            )
        assert caught.value.violations[0].rule == "catalogue_account"
        assert (
            f"account {MEALS_ACCOUNT} is not allowed for item {HVS} Kertas HVS "
            f"(allowed: {PAPER_ACCOUNT})" in caught.value.message
        )
        with pytest.raises(InvalidInput, match="not a level-6 account"):
            rka.add_line(
                session,
                sub.id,
                catalogue_item_id=paper.id,
                account_code="5.1.02.01",
                factors=factors(("1", "rim")),
                actor=opds.operator,
            )


def test_sub_activity_lines_within_its_ceiling(regency, tenant_db):
    with tenant_db(regency) as session:
        opds = make_opds(session)
        fiscal_year = budget_year(session, opds)
        sub = sub_activity(session, fiscal_year, opds, ceiling="1100000")
        paper = item(session, HVS)  # Rp 55.000
        line = rka.add_line(
            session,
            sub.id,
            catalogue_item_id=paper.id,
            account_code=PAPER_ACCOUNT,
            factors=factors(("20", "rim")),
            actor=opds.operator,
        )
        assert line.amount == Decimal("1100000.00")  # exactly at the ceiling: accepted
        with pytest.raises(RuleViolation) as caught:
            rka.add_line(
                session,
                sub.id,
                catalogue_item_id=paper.id,
                account_code=PAPER_ACCOUNT,
                factors=factors(("1", "rim")),
                actor=opds.operator,
            )
        assert caught.value.message == (
            f"lines of sub-activity {SUB_PLANNING} would total "
            "Rp 1.155.000, above its ceiling Rp 1.100.000"
        )
        with pytest.raises(RuleViolation, match=r"ceiling Rp 1\.000\.000 of sub-activity"):
            rka.update_sub_activity(session, sub, ceiling=Decimal(1000000), actor=opds.operator)
        # Changing a line re-checks it without counting its old amount twice.
        rka.update_line(session, line, factors=factors(("19", "rim")), actor=opds.operator)
        assert line.amount == Decimal("1045000.00")


def test_opd_total_within_its_pagu(regency, tenant_db):
    with tenant_db(regency) as session:
        opds = make_opds(session)
        fiscal_year = budget_year(session, opds, pagu="150000000")
        sub_activity(session, fiscal_year, opds, ceiling="100000000")
        with pytest.raises(RuleViolation) as caught:
            sub_activity(session, fiscal_year, opds, code=SUB_MOTHERS, ceiling="60000000")
        assert caught.value.message == (
            "sub-activity ceilings of Dinas Kesehatan would total Rp 160.000.000, "
            "above its pagu Rp 150.000.000 for 2026"
        )
        within = sub_activity(session, fiscal_year, opds, code=SUB_MOTHERS, ceiling="50000000")
        assert within.ceiling == Decimal(50000000)
        with pytest.raises(RuleViolation) as lowered:
            ceilings.set_ceiling(session, fiscal_year, opds.dinkes, Decimal(140000000), actor=TAPD)
        assert (
            "pagu Rp 140.000.000 of Dinas Kesehatan is below its sub-activity ceilings "
            "Rp 150.000.000" in lowered.value.message
        )
        # An OPD without a pagu cannot plan anything.
        with pytest.raises(RuleViolation, match="above its pagu Rp 0 for 2026"):
            rka.create_sub_activity(
                session,
                fiscal_year,
                org_unit_id=opds.disdik,
                sub_kegiatan_code="1.01.02.2.01.0002",
                output_indicator=None,
                target=Decimal(3),
                target_unit=None,
                location="SDN 1",
                funding_source="DAU",
                ceiling=Decimal(1),
                actor=TAPD,
            )


def test_tapd_overrides_a_rule_only_with_a_written_reason(regency, tenant_db):
    with tenant_db(regency) as session:
        opds = make_opds(session)
        fiscal_year = budget_year(session, opds, pagu="120000000")
        sub_a = sub_activity(session, fiscal_year, opds, ceiling="100000000")
        sub_b = sub_activity(session, fiscal_year, opds, code=SUB_MOTHERS, ceiling="20000000")
        speaker = item(session, SPEAKER)
        line = {
            "catalogue_item_id": speaker.id,
            "account_code": FEES_ACCOUNT,
            "factors": factors(("1", "orang"), ("2", "jam")),
            "unit_price": Decimal("1250000"),
        }
        # An OPD operator cannot override, whatever they write.
        with pytest.raises(RuleViolation) as refused:
            rka.add_line(
                session,
                sub_a.id,
                **line,
                actor=opds.operator,
                override_reason="Narasumber nasional, tarif khusus",
            )
        assert "only TAPD can override a rule" in refused.value.message
        with pytest.raises(RuleViolation):
            rka.add_line(session, sub_a.id, **line, actor=TAPD)
        with pytest.raises(InvalidInput, match="at least 10 characters"):
            rka.add_line(session, sub_a.id, **line, actor=TAPD, override_reason="ok")
        allowed = rka.add_line(
            session,
            sub_a.id,
            **line,
            actor=TAPD,
            override_reason="Narasumber dari Kemenkes, tarif sesuai surat tugas",
        )
        assert allowed.amount == Decimal("2500000.00")
        assert "catalogue_price: Narasumber dari Kemenkes" in allowed.override_note
        entry = session.scalar(
            select(AuditEntry).where(AuditEntry.action == "ebudgeting.rule_override")
        )
        assert entry.actor == TAPD.label and entry.entity_id == str(allowed.id)
        assert entry.after["reason"] == "Narasumber dari Kemenkes, tarif sesuai surat tugas"
        assert (
            "Rp 1.250.000 exceeds the catalogue maximum Rp 1.000.000" in entry.after["messages"][0]
        )

        # Line totals against the pagu: sub B's ceiling raised past the pagu by override...
        rka.update_sub_activity(
            session,
            sub_b,
            ceiling=Decimal(30000000),
            actor=TAPD,
            override_reason="Tambahan dari DAK non fisik menyusul",
        )
        paper = item(session, HVS)
        rka.add_line(
            session,
            sub_a.id,
            catalogue_item_id=paper.id,
            account_code=PAPER_ACCOUNT,
            factors=factors(("1772", "rim")),
            actor=opds.operator,
        )  # 97.460.000
        # ...still cannot carry lines past the OPD's pagu (2,5 + 97,46 + 25 > 120 juta).
        with pytest.raises(RuleViolation) as over:
            rka.add_line(
                session,
                sub_b.id,
                catalogue_item_id=paper.id,
                account_code=PAPER_ACCOUNT,
                factors=factors(("400", "rim")),
                actor=opds.operator,
            )
        assert [v.rule for v in over.value.violations] == ["opd_pagu"]
        assert (
            "budget lines of Dinas Kesehatan would total Rp 121.960.000, above its pagu "
            "Rp 120.000.000" in over.value.message
        )


def test_nothing_is_editable_once_tapd_locked_it(regency, tenant_db):
    with tenant_db(regency) as session:
        opds = make_opds(session)
        fiscal_year = budget_year(session, opds)
        sub = sub_activity(session, fiscal_year, opds)
        paper = item(session, HVS)
        line = rka.add_line(
            session,
            sub.id,
            catalogue_item_id=paper.id,
            account_code=PAPER_ACCOUNT,
            factors=factors(("5", "rim")),
            actor=opds.operator,
        )
        review.transition(session, sub.id, "submit", note=None, actor=opds.head)
        with pytest.raises(Conflict, match="submitted for TAPD's review"):
            rka.update_line(session, line, factors=factors(("6", "rim")), actor=opds.operator)
        review.transition(session, sub.id, "lock", note=None, actor=CHAIR)
        for change in (
            lambda: rka.update_line(
                session, line, factors=factors(("6", "rim")), actor=opds.operator
            ),
            lambda: rka.delete_line(session, line, actor=opds.operator),
            lambda: rka.update_sub_activity(
                session, sub, location="Puskesmas", actor=opds.operator
            ),
            lambda: rka.add_line(
                session,
                sub.id,
                catalogue_item_id=paper.id,
                account_code=PAPER_ACCOUNT,
                factors=factors(("1", "rim")),
                actor=TAPD,
                override_reason="TAPD wants to add a line here",
            ),
        ):
            with pytest.raises(RuleViolation) as caught:
                change()
            assert caught.value.violations[0].rule == "locked"
            assert f"sub-activity {SUB_PLANNING} was locked by TAPD" in caught.value.message
        assert line.amount == Decimal("275000.00")


def test_coefficients_read_as_drafted():
    parsed = rka.parse_coefficient("2 orang x 3 hari")
    assert [(f.quantity, f.unit) for f in parsed] == [(Decimal(2), "orang"), (Decimal(3), "hari")]
    assert (
        rka.coefficient_text(rka.parse_coefficient("2,5 m2 X 1.500 kali")) == "2,5 m2 x 1.500 kali"
    )
    with pytest.raises(InvalidInput):
        rka.parse_coefficient("dua orang")
    with pytest.raises(InvalidInput):
        rka.parse_factors([{"quantity": "0", "unit": "orang"}])
    assert rupiah(Decimal("1234567.5")) == "Rp 1.234.567,50"


def test_catalogue_year_and_item_must_match(regency, tenant_db):
    with tenant_db(regency) as session:
        opds = make_opds(session)
        fiscal_year = budget_year(session, opds)
        sub = sub_activity(session, fiscal_year, opds)
        with pytest.raises(InvalidInput, match="priced for 2027; this budget is 2026"):
            rka.add_line(
                session,
                sub.id,
                catalogue_item_id=item(session, HVS, 2027).id,
                account_code=PAPER_ACCOUNT,
                factors=factors(("1", "rim")),
                actor=opds.operator,
            )


def test_local_catalogue_items_need_tapd_approval(regency, tenant_db):
    with tenant_db(regency) as session:
        opds = make_opds(session)
        fiscal_year = budget_year(session, opds)
        sub = sub_activity(session, fiscal_year, opds)
        proposed = catalogue.propose_item(
            session,
            year=2026,
            kind="SSH",
            name="Kain Songket Pasaman",
            specification="tenun tangan, 2 m",
            unit="Lembar",
            max_price=Decimal("850000"),
            account_codes=["5.1.02.01.01.0026"],
            actor=opds.operator,
        )
        assert proposed.code == "LOKAL-2026-0001" and proposed.status == "proposed"
        line = {
            "catalogue_item_id": proposed.id,
            "account_code": "5.1.02.01.01.0026",
            "factors": factors(("4", "lembar")),
            "actor": opds.operator,
        }
        with pytest.raises(InvalidInput, match="is proposed, not approved by TAPD"):
            rka.add_line(session, sub.id, **line)
        with pytest.raises(Forbidden):
            catalogue.decide_item(session, proposed, approve=True, note=None, actor=opds.operator)
        with pytest.raises(Conflict, match="already has this item"):
            catalogue.propose_item(
                session,
                year=2026,
                kind="SSH",
                name="kain songket pasaman",
                specification="Tenun tangan, 2 m",
                unit="lembar",
                max_price=Decimal("900000"),
                account_codes=["5.1.02.01.01.0026"],
                actor=opds.operator,
            )
        catalogue.decide_item(session, proposed, approve=True, note="harga pasar wajar", actor=TAPD)
        assert rka.add_line(session, sub.id, **line).amount == Decimal("3400000.00")
        other = catalogue.propose_item(
            session,
            year=2026,
            kind="SBU",
            name="Sewa Perahu",
            specification="",
            unit="Hari",
            max_price=Decimal("1500000"),
            account_codes=["5.1.02.04.01.0001"],
            actor=opds.operator,
        )
        with pytest.raises(InvalidInput, match="say why"):
            catalogue.decide_item(session, other, approve=False, note="", actor=TAPD)
        catalogue.decide_item(session, other, approve=False, note="pakai SBU transport", actor=TAPD)
        assert other.status == "rejected"
        found = catalogue.search(session, 2026, q="songket")
        assert [i.code for i in found] == ["LOKAL-2026-0001"]
        assert (
            session.scalar(
                select(func.count())
                .select_from(CatalogueItem)
                .where(CatalogueItem.source == "local")
            )
            == 2
        )


def test_an_opd_acts_only_for_itself(regency, tenant_db):
    with tenant_db(regency) as session:
        opds = make_opds(session)
        fiscal_year = budget_year(session, opds)
        ceilings.set_ceiling(session, fiscal_year, opds.disdik, Decimal(90000000), actor=TAPD)
        theirs = rka.create_sub_activity(
            session,
            fiscal_year,
            org_unit_id=opds.disdik,
            sub_kegiatan_code="1.01.02.2.01.0002",
            output_indicator=None,
            target=Decimal(3),
            target_unit=None,
            location="SDN 1",
            funding_source="DAU",
            ceiling=Decimal(50000000),
            actor=TAPD,
        )
        with pytest.raises(Forbidden):
            rka.create_sub_activity(
                session,
                fiscal_year,
                org_unit_id=opds.disdik,
                sub_kegiatan_code="1.01.02.2.01.0009",
                output_indicator=None,
                target=Decimal(1),
                target_unit=None,
                location="SDN 2",
                funding_source="DAU",
                ceiling=Decimal(1),
                actor=opds.operator,
            )
        with pytest.raises(NotFound):
            rka.get_sub_activity(session, theirs.id, opds.operator)
        assert rka.sub_activities(session, fiscal_year, opds.operator) == []
        with pytest.raises(Forbidden):
            ceilings.set_ceiling(session, fiscal_year, opds.dinkes, Decimal(1), actor=opds.operator)
        with pytest.raises(InvalidInput, match="not in the current code tree"):
            sub_activity(session, fiscal_year, opds, code="1.02.02.2.02.0099")
        with pytest.raises(RuleViolation, match="level digit 1"):
            sub_activity(session, fiscal_year, opds, code="1.02.02.1.02.0001")


def test_coefficient_units_must_count_what_the_item_is_priced_per(regency, tenant_db):
    """A box of snacks is not paper by the rim: a factor in another catalogue unit
    is refused (TAPD may override it); people and days only multiply."""
    with tenant_db(regency) as session:
        opds = make_opds(session)
        fiscal_year = budget_year(session, opds)
        sub = sub_activity(session, fiscal_year, opds)
        paper = item(session, HVS)  # priced per Rim
        with pytest.raises(RuleViolation) as caught:
            rka.add_line(
                session,
                sub.id,
                catalogue_item_id=paper.id,
                account_code=PAPER_ACCOUNT,
                factors=factors(("2.5", "kotak")),
                actor=opds.operator,
            )
        assert set(caught.value.fields) == {"coefficient_unit"}
        assert caught.value.message == (
            f"the coefficient counts kotak but item {HVS} Kertas HVS is priced per Rim"
        )
        # The item's own unit (any case), and multipliers that are no catalogue unit, pass.
        ok = rka.add_line(
            session,
            sub.id,
            catalogue_item_id=paper.id,
            account_code=PAPER_ACCOUNT,
            factors=factors(("3", "bidang"), ("2", "RIM")),
            actor=opds.operator,
        )
        assert ok.volume == Decimal(6)
        # TAPD may let it through with a written reason.
        rka.add_line(
            session,
            sub.id,
            catalogue_item_id=paper.id,
            account_code=PAPER_ACCOUNT,
            factors=factors(("1", "paket")),
            override_reason="paket kertas dari penyedia, setara satu rim",
            actor=TAPD,
        )
