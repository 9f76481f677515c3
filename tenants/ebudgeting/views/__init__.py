"""e-Budgeting's pages, one module per area, all on one blueprint (``common.blueprint``):
``years`` (the overview, pagu, stages, reports), ``kua_ppas`` (the PPAS ceilings
and their agreement), ``tapd`` (the TAPD list and its PPKD), ``indicators`` (an OPD's
performance indicators), ``plans`` (OPD plans, the RKA of a
sub-activity, review, cash plan), ``changes`` (stage differences), ``execution``
(realization and payments), ``catalogue`` and ``members``. Importing a module
registers its routes; ``common`` holds the access rule and how refusals are shown.
"""

from __future__ import annotations

from flask import Blueprint

from tenants.ebudgeting.views import catalogue as _catalogue
from tenants.ebudgeting.views import changes as _changes
from tenants.ebudgeting.views import execution as _execution
from tenants.ebudgeting.views import indicators as _indicators
from tenants.ebudgeting.views import kua_ppas as _kua_ppas
from tenants.ebudgeting.views import members as _members
from tenants.ebudgeting.views import plans as _plans
from tenants.ebudgeting.views import tapd as _tapd
from tenants.ebudgeting.views import years as _years
from tenants.ebudgeting.views.common import blueprint

#: Imported for their routes; named so the import is plainly deliberate.
PAGES = (
    _catalogue,
    _changes,
    _execution,
    _indicators,
    _kua_ppas,
    _members,
    _plans,
    _tapd,
    _years,
)


def web() -> Blueprint:
    """The manifest's page factory: one module-level blueprint."""
    return blueprint
