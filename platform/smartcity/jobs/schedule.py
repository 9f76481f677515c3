"""Monthly reports: queued on the day of the month each tenant chose.

A daily beat entry fans ``smartcity.reports.monthly`` out to every active
tenant; each queues its monthly reports once its chosen day has come (in its own
time zone) and none were queued this month yet. Running it again the same month,
or catching up after a day beat missed, queues nothing twice.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, cast, func, literal, select
from sqlalchemy.orm import Session

from smartcity.jobs.models import Job
from smartcity.jobs.retention import job_preferences
from smartcity.jobs.service import submit
from smartcity.tenancy.cache import TenantInfo
from smartcity.tenantcore.models import TenantSettings

#: Second key space of advisory locks: one tenant's monthly scheduling at a time.
LOCK_NAMESPACE = 0x4A50
REQUESTER = "jadwal-bulanan"


def requester(period: str) -> str:
    """Who asked for a scheduled report: the schedule and its month (``2026-11``)."""
    return f"{REQUESTER}:{period}"


def tenant_today(session: Session) -> date:
    row = session.get(TenantSettings, 1)
    zone = ZoneInfo(row.timezone if row is not None else "Asia/Jakarta")
    return datetime.now(zone).date()


def monthly_reports(today: date) -> list[tuple[str, dict[str, object]]]:
    """What a tenant gets every month: the staff recap, and last month's audit log."""
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return [
        ("report:staff_by_unit_golongan", {"format": "pdf"}),
        (
            "report:audit_log",
            {
                "format": "xlsx",
                "start": last_month_end.replace(day=1).isoformat(),
                "end": last_month_end.isoformat(),
            },
        ),
    ]


def queue_monthly_reports(
    session: Session, tenant: TenantInfo, today: date | None = None
) -> list[Job]:
    """Queue this month's reports if their day has come and they are not queued yet."""
    today = today or tenant_today(session)
    if today.day < job_preferences(session).monthly_report_day:
        return []
    period = f"{today:%Y-%m}"
    session.execute(
        select(func.pg_advisory_xact_lock(LOCK_NAMESPACE, cast(literal(tenant.id), Integer)))
    )
    if session.scalar(select(Job.id).where(Job.requested_by == requester(period)).limit(1)):
        return []
    return [
        submit(session, kind, params, requester(period), tenant=tenant)
        for kind, params in monthly_reports(today)
    ]
