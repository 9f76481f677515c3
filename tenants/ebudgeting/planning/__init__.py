"""Planning: the RKA of each OPD, its sub-activities and their budget lines.

The package's modules follow the plan's seams: ``lookups`` (what the actor may
see), ``editing`` (who may change a plan now, and what they may do to it),
``sub_activities`` and ``lines`` (the changes, each checked by the budget rules).
Other modules and the pages import from here.
"""

from __future__ import annotations

from tenants.ebudgeting.coefficients import (
    Factor,
    coefficient_text,
    parse_coefficient,
    parse_factors,
)
from tenants.ebudgeting.planning.editing import may_edit, require_editable
from tenants.ebudgeting.planning.lines import (
    LineInput,
    add_line,
    add_lines,
    delete_line,
    update_line,
)
from tenants.ebudgeting.planning.lookups import (
    account_names,
    get_line,
    get_sub_activity,
    line_total,
    lines_of,
    sub_activities,
    year_of,
)
from tenants.ebudgeting.planning.sub_activities import (
    FUNDING_SOURCES,
    create_sub_activity,
    delete_sub_activity,
    may_delete,
    sub_units_of,
    update_sub_activity,
)
from tenants.ebudgeting.unit_codes import bidang_of_opd

__all__ = [
    "FUNDING_SOURCES",
    "Factor",
    "LineInput",
    "account_names",
    "add_line",
    "add_lines",
    "bidang_of_opd",
    "coefficient_text",
    "create_sub_activity",
    "delete_line",
    "delete_sub_activity",
    "get_line",
    "get_sub_activity",
    "line_total",
    "lines_of",
    "may_delete",
    "may_edit",
    "parse_coefficient",
    "parse_factors",
    "require_editable",
    "sub_activities",
    "sub_units_of",
    "update_line",
    "update_sub_activity",
    "year_of",
]
