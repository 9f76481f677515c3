"""Which OPD each OPD user acts for.

Roles say what a user may do; this says for whom. TAPD and viewers act for
every OPD and need no assignment. The regency's admin or the TAPD chair assigns.
"""

from __future__ import annotations

from collections.abc import Iterable

from smartcity.toolkit import User, member_units_by_user, set_member_units
from sqlalchemy import select
from sqlalchemy.orm import Session

from .access import APP, MEMBERS, ROLE_NAMES, Actor
from .ceilings import get_opd


def members(session: Session) -> list[tuple[User, list[int]]]:
    """Active users holding an e-budgeting role, with the OPDs they act for."""
    units = member_units_by_user(session, APP)
    users = session.scalars(
        select(User)
        .where(User.is_active, User.roles.overlap(list(ROLE_NAMES.values())))
        .order_by(User.name)
    )
    return [(user, units.get(user.id, [])) for user in users]


def set_units(
    session: Session, user_id: int, org_unit_ids: Iterable[int], *, actor: Actor
) -> list[int]:
    """Replace the OPDs a user acts for; only OPDs (not their sub-units) are accepted."""
    actor.require(MEMBERS)
    wanted = {get_opd(session, unit_id).id for unit_id in org_unit_ids}
    return set_member_units(session, user_id, APP, wanted, actor=actor.label)
