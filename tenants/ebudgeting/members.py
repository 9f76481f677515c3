"""Which OPD each OPD user acts for.

Roles say what a user may do; this says for whom. TAPD and viewers act for
every OPD and need no assignment. The regency's admin or the TAPD chair assigns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from smartcity.errors import NotFound
from smartcity.tenantcore import audit
from smartcity.tenantcore.models import User
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .access import MEMBERS, ROLES, Actor
from .ceilings import get_opd
from .models import OpdMember

OPD_ROLES = ("opd_operator", "opd_head")


def members(session: Session) -> list[tuple[User, list[int]]]:
    """Active users holding an e-budgeting role, with the OPDs they act for."""
    units: dict[int, list[int]] = defaultdict(list)
    for user_id, unit_id in session.execute(select(OpdMember.user_id, OpdMember.org_unit_id)):
        units[user_id].append(unit_id)
    users = session.scalars(
        select(User).where(User.is_active, User.roles.overlap(list(ROLES))).order_by(User.name)
    )
    return [(user, sorted(units.get(user.id, []))) for user in users]


def set_units(
    session: Session, user_id: int, org_unit_ids: Iterable[int], *, actor: Actor
) -> list[int]:
    """Replace the OPDs a user acts for."""
    actor.require(MEMBERS)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}", {"user_id": "unknown"})
    wanted = sorted({get_opd(session, unit_id).id for unit_id in org_unit_ids})
    before = sorted(
        session.scalars(select(OpdMember.org_unit_id).where(OpdMember.user_id == user.id))
    )
    session.execute(delete(OpdMember).where(OpdMember.user_id == user.id))
    session.add_all(OpdMember(user_id=user.id, org_unit_id=unit_id) for unit_id in wanted)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="ebudgeting.members.set",
        entity="user",
        entity_id=user.id,
        before={"org_units": before},
        after={"org_units": wanted},
    )
    return wanted
