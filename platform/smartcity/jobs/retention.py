"""The tenant's job settings (how long results stay, the day of monthly reports),
and the clean-up that deletes expired results.

Both settings live in the tenant's ``settings.values`` JSON, so they need no
column of their own and travel with the tenant's schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from smartcity.errors import InvalidInput, Message
from smartcity.jobs.models import Job, JobStatus, StoredFile
from smartcity.tenantcore import audit
from smartcity.tenantcore.models import TenantSettings
from smartcity.tenantcore.settings import get_settings

RESULT_DAYS_KEY = "job_result_days"
MONTHLY_DAY_KEY = "monthly_report_day"
DEFAULT_RESULT_DAYS = 30
DEFAULT_MONTHLY_DAY = 1
RESULT_DAYS_RANGE = range(1, 366)
#: Up to the 28th, so every month has the chosen day.
MONTHLY_DAY_RANGE = range(1, 29)


@dataclass(frozen=True, slots=True)
class JobPreferences:
    result_days: int
    monthly_report_day: int


def _read(values: dict[str, object], key: str, allowed: range, default: int) -> int:
    value = values.get(key)
    return value if isinstance(value, int) and value in allowed else default


def job_preferences(session: Session) -> JobPreferences:
    row = session.get(TenantSettings, 1)
    values = dict(row.values or {}) if row is not None else {}
    return JobPreferences(
        result_days=_read(values, RESULT_DAYS_KEY, RESULT_DAYS_RANGE, DEFAULT_RESULT_DAYS),
        monthly_report_day=_read(values, MONTHLY_DAY_KEY, MONTHLY_DAY_RANGE, DEFAULT_MONTHLY_DAY),
    )


def update_job_preferences(
    session: Session,
    *,
    actor: str,
    result_days: int | None = None,
    monthly_report_day: int | None = None,
) -> JobPreferences:
    """Change either setting (None keeps it)."""
    problems = {}
    if result_days is not None and result_days not in RESULT_DAYS_RANGE:
        problems["result_days"] = Message("between 1 and 365 days")
    if monthly_report_day is not None and monthly_report_day not in MONTHLY_DAY_RANGE:
        problems["monthly_report_day"] = Message("a day between 1 and 28")
    if problems:
        raise InvalidInput(Message("the job settings are not valid"), problems)
    before = job_preferences(session)
    row = get_settings(session)
    values = dict(row.values or {})
    if result_days is not None:
        values[RESULT_DAYS_KEY] = result_days
    if monthly_report_day is not None:
        values[MONTHLY_DAY_KEY] = monthly_report_day
    row.values = values  # a new dict: JSONB columns do not track in-place changes
    session.flush()
    after = job_preferences(session)
    audit.record(
        session,
        actor=actor,
        action="settings.jobs",
        entity="settings",
        entity_id=1,
        before={"result_days": before.result_days, "monthly_report_day": before.monthly_report_day},
        after={"result_days": after.result_days, "monthly_report_day": after.monthly_report_day},
    )
    return after


def result_expiry(session: Session) -> timedelta:
    return timedelta(days=job_preferences(session).result_days)


def expire_results(session: Session, *, actor: str = "system") -> int:
    """Delete the files of succeeded jobs past their time and mark the jobs expired.

    A job expires at its own ``expires_at`` (set when it finished) or, if the
    tenant has since shortened its setting, that many days after it finished.
    Returns the number of jobs expired.
    """
    cutoff = func.now() - result_expiry(session)
    due = session.execute(
        select(Job.id, Job.result_file_id)
        .where(
            Job.status == JobStatus.SUCCEEDED,
            or_(Job.expires_at < func.now(), Job.finished_at < cutoff),
        )
        .with_for_update(skip_locked=True)
    ).all()
    job_ids = [row.id for row in due]
    file_ids = [row.result_file_id for row in due if row.result_file_id is not None]
    if job_ids:
        session.execute(
            update(Job)
            .where(Job.id.in_(job_ids))
            .values(status=JobStatus.EXPIRED, result_file_id=None),
            execution_options={"synchronize_session": False},
        )
    # Also any other file past its own expiry (its job row, if any, loses the link).
    session.execute(
        delete(StoredFile).where(
            or_(StoredFile.id.in_(file_ids), StoredFile.expires_at < func.now())
        ),
        execution_options={"synchronize_session": False},
    )
    if job_ids:
        audit.record(
            session, actor=actor, action="job.expire", entity="job", after={"jobs": job_ids}
        )
    return len(job_ids)
