"""Who acts for which OPD."""

from __future__ import annotations

from flask import Response, g
from smartcity.toolkit import (
    access,
)

from tenants.ebudgeting import (
    members,
)
from tenants.ebudgeting.access import MEMBERS, USERS_MANAGE, VIEW
from tenants.ebudgeting.api.common import (
    MEMBER_MANAGERS,
    caller,
    json_response,
    spec,
)
from tenants.ebudgeting.schemas import (
    MemberIn,
    MemberList,
    MemberOut,
)

# --------------------------------------------------------------------------- members


def _members() -> MemberList:
    return MemberList(
        members=[
            MemberOut(
                user_id=user.id,
                email=user.email,
                name=user.name,
                roles=sorted(user.roles),
                org_unit_ids=units,
            )
            for user, units in members.members(g.db)
        ]
    )


@spec.route(
    "GET",
    "/members",
    "Users of e-budgeting and the OPDs they act for",
    access=access.permission(VIEW, USERS_MANAGE, MEMBERS),
    response=MemberList,
)
def list_members() -> tuple[Response, int]:
    return json_response(_members())


@spec.route(
    "PUT",
    "/members",
    "Set the OPDs a user acts for (admin or TAPD chair)",
    access=MEMBER_MANAGERS,
    body=MemberIn,
    response=MemberList,
    errors=(403, 404),
)
def put_member(body: MemberIn) -> tuple[Response, int]:
    members.set_units(g.db, body.user_id, body.org_unit_ids, actor=caller())
    return json_response(_members())
