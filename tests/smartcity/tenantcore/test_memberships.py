"""Org-unit membership per app, in the core."""

from __future__ import annotations

import pytest
from smartcity.errors import NotFound
from smartcity.tenantcore import memberships
from smartcity.tenantcore.models import AuditEntry
from sqlalchemy import select

from tests.ebudgeting_support import make_opds


def test_membership_is_kept_per_app_and_replaced_whole(provision, tenant_db):
    slug = provision()
    with tenant_db(slug) as session:
        opds = make_opds(session)
        admin = 1
        memberships.set_units(session, admin, "ebudgeting", [opds.dinkes], actor="tests")
        memberships.set_units(session, admin, "sakip", [opds.disdik, opds.dinkes], actor="t")
        assert memberships.units_of(session, admin, "ebudgeting") == {opds.dinkes}
        assert memberships.units_by_user(session, "sakip") == {
            admin: sorted([opds.disdik, opds.dinkes])
        }
        memberships.set_units(session, admin, "sakip", [opds.disdik], actor="t")
        assert memberships.units_of(session, admin, "sakip") == {opds.disdik}
        assert memberships.units_of(session, admin, "ebudgeting") == {opds.dinkes}
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert last.action == "sakip.members.set"
        assert last.before == {"org_units": sorted([opds.disdik, opds.dinkes])}
        with pytest.raises(NotFound):
            memberships.set_units(session, admin, "sakip", [999_999], actor="t")
        with pytest.raises(NotFound):
            memberships.set_units(session, 999_999, "sakip", [opds.disdik], actor="t")
