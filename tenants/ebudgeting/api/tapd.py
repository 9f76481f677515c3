"""The TAPD the regency keeps (printed on the RKA/DPA) and its PPKD."""

from __future__ import annotations

from flask import Response, g

from tenants.ebudgeting import tapd
from tenants.ebudgeting.api.common import caller, json_response, spec
from tenants.ebudgeting.schemas import TapdList, TapdMemberIn, TapdMemberOut


def _list() -> TapdList:
    return TapdList(
        members=[
            TapdMemberOut(
                staff_id=m.staff_id,
                name=m.name,
                nip=m.nip,
                role=m.role,
                position=m.position,
                is_ppkd=m.is_ppkd,
            )
            for m in tapd.members(g.db)
        ]
    )


@spec.route("GET", "/tapd", "The TAPD: name, NIP and position of each member", response=TapdList)
def list_tapd() -> tuple[Response, int]:
    caller()
    return json_response(_list())


@spec.route(
    "PUT",
    "/tapd",
    "Add a person of the roster to the TAPD by NIP, or change their place (TAPD chair)",
    body=TapdMemberIn,
    response=TapdList,
    errors=(403, 404),
)
def set_tapd_member(body: TapdMemberIn) -> tuple[Response, int]:
    actor = caller()
    person = tapd.staff_by_nip(g.db, body.nip)
    tapd.set_member(g.db, person.id, body.role, is_ppkd=body.is_ppkd, actor=actor)
    return json_response(_list())


@spec.route(
    "DELETE",
    "/tapd/<id:staff_id>",
    "Take a person off the TAPD (TAPD chair)",
    response=TapdList,
    errors=(403, 404),
)
def remove_tapd_member(staff_id: int) -> tuple[Response, int]:
    tapd.remove_member(g.db, staff_id, actor=caller())
    return json_response(_list())
