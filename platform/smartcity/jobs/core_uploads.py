"""The core importers whose big files a job checks (see ``smartcity.jobs.uploads``)."""

from __future__ import annotations

from smartcity.jobs.uploads import UploadCheck
from smartcity.tenantcore import roster

#: Who may check and apply a roster: the regency's administrators.
TENANT_MANAGE = "tenant.manage"

ROSTER = UploadCheck(
    name="roster",
    title="Roster file check",
    permission=TENANT_MANAGE,
    check=roster.check_stored,
    refuse=roster.refuse_stored,
)

CORE_UPLOADS: tuple[UploadCheck, ...] = (ROSTER,)
