"""``<tenant>/api/v1/ebudgeting``: ceilings, plans, reviews, stages and realization as JSON.

One module per area, all on one blueprint declared in ``common`` (with its
``ApiSpec``): ``years`` (years and pagu), ``plans`` (sub-activities and lines),
``review``, ``stages``, ``tapd`` (the TAPD list and its PPKD), ``indicators``,
``catalogue``,
``execution`` (cash plans, payments,
realization) and ``members``. Importing a module registers its operations.
"""

from __future__ import annotations

from flask import Blueprint

from tenants.ebudgeting.api import catalogue as _catalogue
from tenants.ebudgeting.api import execution as _execution
from tenants.ebudgeting.api import indicators as _indicators
from tenants.ebudgeting.api import members as _members
from tenants.ebudgeting.api import plans as _plans
from tenants.ebudgeting.api import review as _review
from tenants.ebudgeting.api import stages as _stages
from tenants.ebudgeting.api import tapd as _tapd
from tenants.ebudgeting.api import years as _years
from tenants.ebudgeting.api.common import blueprint

#: Imported for their operations; named so the import is plainly deliberate.
OPERATIONS = (
    _catalogue,
    _execution,
    _indicators,
    _members,
    _plans,
    _review,
    _stages,
    _tapd,
    _years,
)


def api() -> Blueprint:
    """The manifest's API factory: one module-level blueprint, declared once."""
    return blueprint
