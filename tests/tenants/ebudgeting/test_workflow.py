"""e-Budgeting: TAPD review, stage snapshots, the revision, and realization."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook
from smartcity.errors import Conflict, Forbidden, InvalidInput
from smartcity.tenantcore.models import AuditEntry
from sqlalchemy import func, select

from tenants.ebudgeting import execution as realization
from tenants.ebudgeting import planning as rka
from tenants.ebudgeting import review, stages
from tenants.ebudgeting.models import Payment, PaymentImport
from tenants.ebudgeting.rules import RuleViolation
from tests.ebudgeting_support import (
    CHAIR,
    FEES_ACCOUNT,
    MEALS_ACCOUNT,
    PAPER_ACCOUNT,
    SUB_MOTHERS,
    SUB_PLANNING,
    TAPD,
    budget_through_dpa,
    budget_year,
    factors,
    lock_all,
    make_opds,
    paper_line,
    payments_csv,
    stage_document,
    sub_activity,
)


@pytest.fixture
def regency(provision):
    return provision(apps=("ebudgeting",))


def test_review_workflow_with_notes_the_opd_reads(regency, tenant_db):
    with tenant_db(regency) as session:
        opds = make_opds(session)
        fiscal_year = budget_year(session, opds)
        sub = sub_activity(session, fiscal_year, opds)
        with pytest.raises(Conflict, match="no budget lines to submit"):
            review.transition(session, sub.id, "submit", note=None, actor=opds.head)
        paper_line(session, sub, opds)
        with pytest.raises(Forbidden):
            review.transition(session, sub.id, "submit", note=None, actor=opds.operator)
        review.transition(session, sub.id, "submit", note=None, actor=opds.head)
        with pytest.raises(InvalidInput, match="notes for the OPD"):
            review.transition(session, sub.id, "return", note="", actor=TAPD)
        review.transition(
            session,
            sub.id,
            "return",
            note="Volume kertas terlalu besar untuk 2 dokumen",
            actor=TAPD,
        )
        assert sub.status == "returned"
        notes = review.open_notes(session, fiscal_year, opds.operator)
        assert [(s.id, e.note, e.actor) for s, e in notes] == [
            (sub.id, "Volume kertas terlalu besar untuk 2 dokumen", TAPD.label)
        ]
        line = rka.lines_of(session, sub)[0]
        rka.update_line(session, line, factors=factors(("4", "rim")), actor=opds.operator)
        review.transition(session, sub.id, "submit", note="sudah diperbaiki", actor=opds.head)
        assert review.open_notes(session, fiscal_year, opds.operator) == []
        with pytest.raises(Forbidden):
            review.transition(session, sub.id, "lock", note=None, actor=TAPD)
        with pytest.raises(Conflict, match="it is submitted"):
            review.transition(session, sub.id, "reopen", note="x" * 20, actor=CHAIR)
        review.transition(session, sub.id, "lock", note=None, actor=CHAIR)
        with pytest.raises(InvalidInput, match="written reason"):
            review.transition(session, sub.id, "reopen", note="salah", actor=CHAIR)
        review.transition(
            session, sub.id, "reopen", note="Hasil pembahasan dengan Banggar DPRD", actor=CHAIR
        )
        assert sub.status == "returned"
        steps = [(e.action, e.from_status, e.to_status) for e in review.history(session, sub)]
        assert steps == [
            ("reopen", "locked", "returned"),
            ("lock", "submitted", "locked"),
            ("submit", "returned", "submitted"),
            ("return", "submitted", "returned"),
            ("submit", "draft", "submitted"),
        ]
        audited = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.action.like("ebudgeting.review.%"))
            .order_by(AuditEntry.id)
        ).all()
        assert audited == [
            "ebudgeting.review.submit",
            "ebudgeting.review.return",
            "ebudgeting.review.submit",
            "ebudgeting.review.lock",
            "ebudgeting.review.reopen",
        ]


def test_a_whole_opd_is_submitted_and_locked_at_once(regency, tenant_db):
    with tenant_db(regency) as session:
        opds = make_opds(session)
        fiscal_year = budget_year(session, opds)
        subs = [
            sub_activity(session, fiscal_year, opds),
            sub_activity(session, fiscal_year, opds, code=SUB_MOTHERS),
        ]
        for sub in subs:
            paper_line(session, sub, opds)
        done = review.transition_opd(
            session, fiscal_year, opds.dinkes, "submit", note=None, actor=opds.head
        )
        assert {s.status for s in done} == {"submitted"} and len(done) == 2
        with pytest.raises(Forbidden):
            review.transition_opd(
                session, fiscal_year, opds.disdik, "submit", note=None, actor=opds.head
            )
        review.transition_opd(session, fiscal_year, opds.dinkes, "lock", note=None, actor=CHAIR)
        assert {s.status for s in subs} == {"locked"}
        with pytest.raises(Conflict, match="no sub-activity that can take the step lock"):
            review.transition_opd(session, fiscal_year, opds.dinkes, "lock", note=None, actor=CHAIR)


def test_stage_snapshots_and_their_differences(regency, tenant_db):
    with tenant_db(regency) as session:
        opds = make_opds(session)
        fiscal_year, planning, mothers, paper, snack, speaker = budget_through_dpa(session, opds)
        assert fiscal_year.stage == "dpa"
        change = stages.diff(session, fiscal_year, "rka", "apbd", actor=TAPD)
        assert (change.total_before, change.total_after) == (Decimal(5800000), Decimal(5360000))
        assert [(c.kind, c.line_id, c.delta) for c in change.lines] == [
            ("changed", paper.id, Decimal("-440000.00"))
        ]
        assert change.lines[0].before.volume == 20 and change.lines[0].after.volume == 12
        assert {s.sub_kegiatan_code: s.delta for s in change.sub_activities} == {
            SUB_PLANNING: Decimal("-440000.00"),
            SUB_MOTHERS: Decimal(0),
        }
        assert stages.diff(session, fiscal_year, "apbd", "dpa", actor=TAPD).lines == []
        # The DPA is in force: nothing changes until the revision is opened.
        with pytest.raises(RuleViolation, match="DPA 2026 is in force: open the revision"):
            rka.update_line(
                session, snack, factors=factors(("30", "orang"), ("4", "kali")), actor=opds.operator
            )
        with pytest.raises(RuleViolation, match="in force"):
            review.transition(session, planning.id, "reopen", note="x" * 20, actor=CHAIR)
        with pytest.raises(Conflict, match="open the revision of 2026 before taking the RKA-P"):
            stages.take_snapshot(
                session, fiscal_year, "rka_p", document=stage_document("rka_p"), actor=CHAIR
            )

        assert stages.open_revision(session, fiscal_year, actor=CHAIR) == 2
        assert planning.status == mothers.status == "draft"
        rka.update_line(
            session, snack, factors=factors(("30", "orang"), ("4", "kali")), actor=opds.operator
        )  # 2.000.000 -> 2.400.000
        rka.delete_line(session, speaker, actor=opds.operator)
        added = paper_line(session, mothers, opds, "2")  # 110.000
        lock_all(session, fiscal_year, opds)
        stages.take_snapshot(
            session, fiscal_year, "rka_p", document=stage_document("rka_p"), actor=CHAIR
        )
        stages.take_snapshot(
            session, fiscal_year, "dppa", document=stage_document("dppa"), actor=CHAIR
        )
        assert fiscal_year.stage == "dppa" and fiscal_year.revision_open is False

        revision = stages.diff(session, fiscal_year, "dpa", "dppa", actor=TAPD)
        kinds = {c.line_id: (c.kind, c.delta) for c in revision.lines}
        assert kinds == {
            snack.id: ("changed", Decimal("400000.00")),
            speaker.id: ("removed", Decimal("-2700000.00")),
            added.id: ("added", Decimal("110000.00")),
        }
        assert revision.delta == Decimal("-2190000.00")
        assert stages.next_stage(fiscal_year) is None
        with pytest.raises(RuleViolation, match="DPPA 2026 is in force"):
            rka.update_line(session, snack, factors=factors(("1", "orang")), actor=opds.operator)
        # An OPD sees only its own differences.
        assert stages.diff(session, fiscal_year, "dpa", "dppa", actor=opds.operator).lines
        other = type(opds.operator)(
            "x@disdik.go.id", opds.operator.permissions, frozenset({opds.disdik})
        )
        assert stages.diff(session, fiscal_year, "dpa", "dppa", actor=other).lines == []


def test_cash_plan_payments_and_realization(regency, tenant_db):
    with tenant_db(regency) as session:
        opds = make_opds(session)
        fiscal_year, planning, mothers, _paper, snack, _speaker = budget_through_dpa(session, opds)
        # Cash plan: twelve months adding up to the DPA amount of the sub-activity (2.660.000).
        months = ["0"] * 12
        months[2], months[5] = "1000000", "1000000"
        with pytest.raises(RuleViolation) as short:
            realization.set_cash_plan(session, planning.id, months, actor=opds.operator)
        assert short.value.message == (
            f"cash plan of {SUB_PLANNING} totals Rp 2.000.000; its DPA amount is Rp 2.660.000"
        )
        months[8] = "660000"
        realization.set_cash_plan(session, planning.id, months, actor=opds.operator)
        assert realization.cash_plan_of(session, planning.id)[8] == Decimal(660000)

        payment = realization.record_payment(
            session,
            fiscal_year,
            sp2d_number="0012/SP2D/LS/2026",
            paid_on=date(2026, 3, 10),
            sub_activity_id=planning.id,
            account_code=PAPER_ACCOUNT,
            amount=Decimal(600000),
            actor=TAPD,
        )
        assert payment.id
        with pytest.raises(Forbidden):
            realization.record_payment(
                session,
                fiscal_year,
                sp2d_number="X",
                paid_on=date(2026, 3, 10),
                sub_activity_id=planning.id,
                account_code=PAPER_ACCOUNT,
                amount=Decimal(1),
                actor=opds.operator,
            )
        with pytest.raises(InvalidInput) as over:
            realization.record_payment(
                session,
                fiscal_year,
                sp2d_number="0013/SP2D/LS/2026",
                paid_on=date(2026, 4, 2),
                sub_activity_id=planning.id,
                account_code=PAPER_ACCOUNT,
                amount=Decimal(100000),
                actor=TAPD,
            )
        assert (
            "payments to account 5.1.02.01.01.0025 of 1.02.01.2.01.0001 "
            "would reach Rp 700.000, above its DPA amount Rp 660.000" in over.value.message
        )

        # A file with bad rows writes nothing and names every bad row.
        bad = payments_csv(
            [
                f"0020/SP2D/LS/2026,2026-05-04,1.02.01,{SUB_PLANNING},{MEALS_ACCOUNT},500.000,snack",
                f"0021/SP2D/LS/2026,2025-12-30,1.02.01,{SUB_PLANNING},{MEALS_ACCOUNT},100000,old",
                f"0022/SP2D/LS/2026,2026-05-05,9.99.99,{SUB_PLANNING},{MEALS_ACCOUNT},100000,?",
                f"0023/SP2D/LS/2026,2026-05-05,1.02.01,{SUB_MOTHERS},{PAPER_ACCOUNT},abc,?",
                f"0024/SP2D/LS/2026,2026-05-06,1.02.01,{SUB_MOTHERS},{FEES_ACCOUNT},1000000,x",
                f"0012/SP2D/LS/2026,2026-03-10,1.02.01,{SUB_PLANNING},{PAPER_ACCOUNT},10000,dup",
            ]
        )
        with pytest.raises(realization.ImportRejected) as rejected:
            realization.import_payments(session, fiscal_year, "sp2d-mei.csv", bad, actor=TAPD)
        problems = {(p.row, p.column): p.message for p in rejected.value.problems}
        assert problems == {
            (3, "tanggal"): "2025-12-30 is not in 2026",
            (4, "kode_opd"): "no OPD with code '9.99.99'",
            (5, "nilai"): "'abc' is not an amount",
            (7, "nomor_sp2d"): "SP2D 0012/SP2D/LS/2026 is already recorded for account "
            "5.1.02.01.01.0025 of 1.02.01.2.01.0001",
        }
        assert "nothing was imported" in rejected.value.message
        assert session.scalar(select(func.count()).select_from(Payment)) == 1
        assert session.scalar(select(func.count()).select_from(PaymentImport)) == 0

        missing = b"nomor_sp2d;tanggal;nilai\n1;2026-01-01;5\n"
        with pytest.raises(realization.ImportRejected, match="missing column"):
            realization.import_payments(session, fiscal_year, "x.csv", missing, actor=TAPD)

        good = payments_csv(
            [
                f"0030/SP2D/LS/2026,04/06/2026,1.02.01,{SUB_PLANNING},{MEALS_ACCOUNT},"
                '"1.250.000,00",kudapan rapat',
                f"0031/SP2D/LS/2026,2026-06-20,1.02.01,{SUB_PLANNING},{MEALS_ACCOUNT},750000,lanjutan",
            ]
        )
        result = realization.import_payments(
            session, fiscal_year, "sp2d-juni.csv", good, actor=TAPD
        )
        assert (result.rows, result.total) == (2, Decimal("2000000.00"))

        book = Workbook()
        sheet = book.active
        sheet.append(
            [
                "No SP2D",
                "Tanggal SP2D",
                "Kode SKPD",
                "Kode Sub Kegiatan",
                "Kode Rekening",
                "Nilai",
                "Keterangan",
            ]
        )
        sheet.append(
            [
                "0040/SP2D/LS/2026",
                date(2026, 7, 1),
                "1.02.01",
                SUB_MOTHERS,
                FEES_ACCOUNT,
                2700000,
                "honor narasumber",
            ]
        )
        buffer = io.BytesIO()
        book.save(buffer)
        realization.import_payments(
            session, fiscal_year, "sp2d-juli.xlsx", buffer.getvalue(), actor=TAPD
        )

        per_opd = realization.by_opd(session, fiscal_year, TAPD)
        assert [(r.code, r.budget, r.realized, r.percent) for r in per_opd] == [
            ("1.02.01", Decimal("5360000.00"), Decimal("5300000.00"), Decimal("98.88"))
        ]
        per_program = {
            r.code: (r.budget, r.realized)
            for r in realization.by_program(session, fiscal_year, TAPD)
        }
        assert per_program == {
            "1.02.01": (Decimal("2660000.00"), Decimal("2600000.00")),
            "1.02.02": (Decimal("2700000.00"), Decimal("2700000.00")),
        }
        per_month = realization.by_month(session, fiscal_year, TAPD)
        assert per_month[2].realized == Decimal(600000) and per_month[2].planned == Decimal(1000000)
        assert per_month[11].realized_cumulative == Decimal("5300000.00")
        assert per_month[11].planned_cumulative == Decimal("2660000.00")
        lines = list(realization.line_realization(session, fiscal_year, TAPD))
        assert [(r.account_code, r.budget, r.realized) for r in lines] == [
            (PAPER_ACCOUNT, Decimal("660000.00"), Decimal("600000.00")),
            (MEALS_ACCOUNT, Decimal("2000000.00"), Decimal("2000000.00")),
            (FEES_ACCOUNT, Decimal("2700000.00"), Decimal("2700000.00")),
        ]

        # In the revision a line cannot drop below what was already paid from it.
        stages.open_revision(session, fiscal_year, actor=CHAIR)
        with pytest.raises(RuleViolation) as floor:
            rka.update_line(session, snack, factors=factors(("10", "orang")), actor=opds.operator)
        assert floor.value.violations[0].rule == "realization_floor"
        assert (
            "would be budgeted Rp 200.000, below the Rp 2.000.000 already paid"
            in floor.value.message
        )
        with pytest.raises(Conflict, match="has payments"):
            rka.delete_sub_activity(session, mothers, actor=opds.operator)
