"""Which org units a user acts for, per app.

Every app that works per OPD (e-Budgeting's drafting, SAKIP's realization
entry, e-Kinerja's approval queues) needs the same answer, so it lives in the
core and each app reads it under its own name. Which units a given app accepts
(only top-level OPDs, say) is the app's rule, checked before it calls here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from smartcity.errors import Message, NotFound
from smartcity.tenantcore import audit
from smartcity.tenantcore.models import OrgUnit, OrgUnitMember, User


def units_of(session: Session, user_id: int, app: str) -> frozenset[int]:
    """The org units ``user_id`` acts for in ``app``."""
    rows = session.scalars(
        select(OrgUnitMember.org_unit_id).where(
            OrgUnitMember.user_id == user_id, OrgUnitMember.app == app
        )
    )
    return frozenset(rows)


def units_by_user(session: Session, app: str) -> dict[int, list[int]]:
    """Every member of ``app`` with the units they act for, sorted."""
    units: dict[int, list[int]] = defaultdict(list)
    query = (
        select(OrgUnitMember.user_id, OrgUnitMember.org_unit_id)
        .where(OrgUnitMember.app == app)
        .order_by(OrgUnitMember.user_id, OrgUnitMember.org_unit_id)
    )
    for user_id, unit_id in session.execute(query):
        units[user_id].append(unit_id)
    return dict(units)


def set_units(
    session: Session, user_id: int, app: str, org_unit_ids: Iterable[int], *, actor: str
) -> list[int]:
    """Replace the units a user acts for in ``app``; audited with before and after."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(Message("no user %(user_id)s", user_id=user_id), {"user_id": "unknown"})
    wanted = sorted(set(org_unit_ids))
    known = set(session.scalars(select(OrgUnit.id).where(OrgUnit.id.in_(wanted))))
    if unknown := [u for u in wanted if u not in known]:
        raise NotFound(
            Message("no org unit %(unit_id)s", unit_id=unknown[0]), {"org_unit_ids": "unknown"}
        )
    before = sorted(units_of(session, user.id, app))
    session.execute(
        delete(OrgUnitMember).where(OrgUnitMember.user_id == user.id, OrgUnitMember.app == app)
    )
    session.add_all(
        OrgUnitMember(user_id=user.id, org_unit_id=unit_id, app=app) for unit_id in wanted
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"{app}.members.set",
        entity="user",
        entity_id=user.id,
        before={"org_units": before},
        after={"org_units": wanted},
    )
    return wanted
