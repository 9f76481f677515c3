"""Execution: the monthly cash plan, SP2D payments and realization against the budget.

A payment is charged to a *DPA line*: one account code of one sub-activity, as
the DPA (or, once issued, the DPPA) budgets it. The modules follow the seams:
``cash_plan`` (the anggaran kas), ``payments`` (one SP2D, and the checks every
payment passes), ``payment_import`` (the treasury's file, whole or not at all)
and ``realization`` (what was paid, per OPD, program, month and DPA line).
"""

from __future__ import annotations

from tenants.ebudgeting.execution.cash_plan import (
    cash_plan_basis,
    cash_plan_of,
    set_cash_plan,
    snapshot_amount,
)
from tenants.ebudgeting.execution.payment_import import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    ImportRejected,
    ImportResult,
    import_payments,
    parse_day,
    parse_money,
    read_table,
)
from tenants.ebudgeting.execution.payments import (
    Problem,
    normalise_sp2d,
    payments,
    record_payment,
)
from tenants.ebudgeting.execution.realization import (
    DpaLine,
    LineRealization,
    MonthRow,
    RealizationRow,
    by_month,
    by_opd,
    by_program,
    dpa_lines,
    line_realization,
)

__all__ = [
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "DpaLine",
    "ImportRejected",
    "ImportResult",
    "LineRealization",
    "MonthRow",
    "Problem",
    "RealizationRow",
    "by_month",
    "by_opd",
    "by_program",
    "cash_plan_basis",
    "cash_plan_of",
    "dpa_lines",
    "import_payments",
    "line_realization",
    "normalise_sp2d",
    "parse_day",
    "parse_money",
    "payments",
    "read_table",
    "record_payment",
    "set_cash_plan",
    "snapshot_amount",
]
