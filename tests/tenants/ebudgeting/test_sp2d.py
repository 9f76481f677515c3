"""e-Budgeting: an SP2D number counts once per DPA line, whatever its case or spacing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from smartcity.db import db, tenant_bind
from smartcity.errors import InvalidInput
from smartcity.tenancy.names import quote_ident, role_name, schema_name
from smartcity.tenantcore.models import AuditEntry
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from tenants.ebudgeting import execution as realization
from tenants.ebudgeting.models import FiscalYear, Payment, SubActivity
from tests.ebudgeting_support import (
    PAPER_ACCOUNT,
    SUB_PLANNING,
    TAPD,
    budget_through_dpa,
    make_opds,
    payments_csv,
)

NUMBER = "0012/SP2D/LS/2026"


@pytest.fixture
def regency(provision):
    return provision(apps=("ebudgeting",))


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0012/SP2D/LS/2026", NUMBER),
        ("  0012/sp2d/ls/2026\t", NUMBER),
        ("0012 / SP2D / LS / 2026", NUMBER),
        ("0012\u00a0/SP2D/LS/2026", NUMBER),  # a spreadsheet's no-break space
        ("0012-sp2d . ls", "0012-SP2D.LS"),
        ("sp2d   ls  12", "SP2D LS 12"),  # a space between other characters stays, once
    ],
)
def test_an_sp2d_number_is_trimmed_collapsed_and_upper_cased(typed, stored):
    assert realization.normalise_sp2d(typed) == stored


def _pay(session, fiscal_year, planning, number, amount="100000"):
    return realization.record_payment(
        session,
        fiscal_year,
        sp2d_number=number,
        paid_on=date(2026, 3, 10),
        sub_activity_id=planning.id,
        account_code=PAPER_ACCOUNT,
        amount=Decimal(amount),
        actor=TAPD,
    )


def _paid(session) -> Decimal:
    return Decimal(session.scalar(select(func.coalesce(func.sum(Payment.amount), 0))))


def test_the_same_sp2d_in_another_case_or_spacing_is_refused(regency, tenant_db):
    with tenant_db(regency) as session:
        opds = make_opds(session)
        fiscal_year, planning, *_ = budget_through_dpa(session, opds)
        assert _pay(session, fiscal_year, planning, " 0012 / sp2d / LS / 2026 ").sp2d_number == (
            NUMBER
        )
        with pytest.raises(InvalidInput, match=f"SP2D {NUMBER} is already recorded"):
            _pay(session, fiscal_year, planning, "0012/sp2d/ls/2026")
        # An import sees the same number in another spelling, in the table or in the file.
        again = payments_csv(
            [f"0012/Sp2d/Ls/2026,2026-03-11,1.02.01,{SUB_PLANNING},{PAPER_ACCOUNT},1000,x"]
        )
        with pytest.raises(realization.ImportRejected, match="is already recorded"):
            realization.import_payments(session, fiscal_year, "again.csv", again, actor=TAPD)
        twice = payments_csv(
            [
                f"0030/SP2D/LS/2026,2026-04-01,1.02.01,{SUB_PLANNING},{PAPER_ACCOUNT},1000,a",
                f"0030 /sp2d/ ls/2026,2026-04-01,1.02.01,{SUB_PLANNING},{PAPER_ACCOUNT},1000,b",
            ]
        )
        with pytest.raises(realization.ImportRejected) as rejected:
            realization.import_payments(session, fiscal_year, "twice.csv", twice, actor=TAPD)
        assert [(p.row, p.column) for p in rejected.value.problems] == [(3, "nomor_sp2d")]
        assert _paid(session) == Decimal(100000)  # counted once

        once = payments_csv(
            [f"0030/sp2d/ls/2026,2026-04-01,1.02.01,{SUB_PLANNING},{PAPER_ACCOUNT},1000,a"]
        )
        assert (
            realization.import_payments(session, fiscal_year, "ok.csv", once, actor=TAPD).rows == 1
        )
        stored = session.scalars(select(Payment.sp2d_number).order_by(Payment.id)).all()
        assert stored == [NUMBER, "0030/SP2D/LS/2026"]


def test_the_database_refuses_a_repeat_written_around_the_service(regency, tenant_db):
    with tenant_db(regency) as session:
        opds = make_opds(session)
        fiscal_year, planning, *_ = budget_through_dpa(session, opds)
        first = _pay(session, fiscal_year, planning, NUMBER)
        repeat = Payment(
            fiscal_year_id=fiscal_year.id,
            sp2d_number="0012 / sp2d / ls / 2026",
            paid_on=first.paid_on,
            sub_activity_id=planning.id,
            account_code=PAPER_ACCOUNT,
            amount=Decimal(1),
            created_by="raw",
        )
        session.add(repeat)
        with pytest.raises(IntegrityError, match="uq_eb_payments_sp2d"):
            session.flush()
        session.rollback()


def test_the_migration_keeps_existing_repeats_marked_and_audited(state, regency, tenant_db):
    with tenant_db(regency) as session:
        opds = make_opds(session)
        fiscal_year, planning, *_ = budget_through_dpa(session, opds)
        kept = _pay(session, fiscal_year, planning, NUMBER).id
        year_id, sub_id = fiscal_year.id, planning.id
    schema, role = schema_name(regency), role_name(state.settings.role_prefix, regency)
    with tenant_bind(db.engine, schema, role).connect() as conn:
        state.migrations.downgrade_tenant(conn, schema, "ebudgeting", "eb0001")
        # Before the fix these were accepted beside the first: one SP2D, counted three times.
        for number in ("0012/sp2d/ls/2026", " 0012 / SP2D / LS / 2026", "0099 / sp2d"):
            conn.execute(
                text(
                    f"INSERT INTO {quote_ident(schema)}.eb_payments (fiscal_year_id, sp2d_number, "
                    "paid_on, sub_activity_id, account_code, amount, description, created_by) "
                    "VALUES "
                    "(:y, :n, '2026-03-10', :s, :a, 1000, '', 'legacy')"
                ),
                {"y": year_id, "n": number, "s": sub_id, "a": PAPER_ACCOUNT},
            )
        state.migrations.upgrade_tenant(conn, schema, ["ebudgeting"])
        conn.commit()
    with tenant_db(regency) as session:
        rows = session.execute(select(Payment.id, Payment.sp2d_number).order_by(Payment.id)).all()
        assert rows[0] == (kept, NUMBER)
        marked = [number for _, number in rows[1:3]]
        assert marked == [f"{NUMBER} DUPLIKAT-{rows[1].id}", f"{NUMBER} DUPLIKAT-{rows[2].id}"]
        assert rows[3].sp2d_number == "0099/SP2D"  # no repeat: only brought to the normal form
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "ebudgeting.payment.duplicate_marked")
        ).all()
        assert {(e.entity_id, e.after["repeats_payment"]) for e in entries} == {
            (str(rows[1].id), kept),
            (str(rows[2].id), kept),
        }
        assert entries[0].before["sp2d"] in ("0012/sp2d/ls/2026", " 0012 / SP2D / LS / 2026")
        # From now on the index holds.
        with pytest.raises(InvalidInput, match="already recorded"):
            _pay(
                session,
                session.get(FiscalYear, year_id),
                session.get(SubActivity, sub_id),
                "0099/sp2d",
            )
