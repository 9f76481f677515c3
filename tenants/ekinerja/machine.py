"""Fingerprint machine files: the common ZKTeco exports, in two steps like the roster.

A machine knows its people by the user id they were enrolled under, so each staff
member's id is kept (``ekn_machine_ids``: edited one at a time or imported as a
CSV/XLSX of ``nip, id_mesin``). Two export shapes are read:

* the attendance log (``attlog.dat``, ``1_attlog.dat``, a ``.txt``): one punch a
  line, tab-separated ``user id, date time, verify mode, in/out state, work code``;
* the attendance software's table export (CSV or XLSX) with columns such as
  ``No., ID/AC-No., Name, Date/Time, Status`` (or a separate date and time).

``upload`` reads the file and keeps it with its report: every line that cannot be
used (unparseable, an id no staff member has, a person outside the uploader's
units or no longer active, a repeat of an earlier line, a time in the future or
in a closed month) and the counts, touching no attendance. ``apply`` re-checks
the file against the roster as it is now and records the good lines as punches
of source ``machine``; each punch's idempotency key is its minute and kind, so
applying the same file twice, or two overlapping files, never makes a second
punch. A file above the job threshold is checked by the job
``upload:ekinerja_machine`` (see ``smartcity.jobs.uploads``).

In/out state: 0 check-in, 1 check-out, 2 break-out, 3 break-in, 4 overtime-in,
5 overtime-out; a machine without state keys writes 255 (or nothing): such a
punch is a check-in before noon and a check-out from noon (UNVERIFIED as a
rule of any regency; the machine's state keys are the better source), unless the
person has a shift around it: then it is the nearer of the shift's start or end
(a night shift's 20.55 is its check-in, 07.05 the next morning its check-out). Where
two shifts run back to back (a fire crew's 08.00 to 08.00 twice running), the punches
within the hour of the handover are read in order: the first closes the ending shift,
the later ones open the next, and a single one does both
(:func:`~.schedule.handover_kinds`; only the punches of the same file are seen
together).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from smartcity.toolkit import (
    Conflict,
    InvalidInput,
    Message,
    NotFound,
    ServiceError,
    Staff,
    TableReader,
    UploadCheck,
    UploadLimits,
    User,
    current_tenant,
    member_units,
    permissions_for,
    record_audit,
    submit_job,
)
from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from .access import APP, UNIT, VIEW_ALL, Actor
from .attendance import zone
from .messages import M
from .models import AttendanceDay, MachineId, MachineImport, Punch, ShiftAssignment
from .people import lock_person, staff_or_404
from .periods import cutoff, is_locked
from .schedule import Shift, attendance_day, handover_kinds, kind_by_shifts
from .settings import load as load_settings

#: Below the platform's 16 MB request bound, so the refusal names this limit.
MAX_BYTES = 15 * 1024 * 1024
MAX_LINES = 400_000
#: A table export has a handful of columns; the reader refuses past these bounds.
LIMITS = UploadLimits(max_bytes=MAX_BYTES, max_rows=MAX_LINES, max_columns=40, max_cells=6_000_000)
MAX_PROBLEMS_KEPT = 1000
#: A machine's clock may run a little ahead of ours.
FUTURE_SLACK = timedelta(minutes=10)
CHECKING, READY, REJECTED, APPLIED = "checking", "ready", "rejected", "applied"
PROBLEM_KINDS = (
    "unparseable",
    "unknown_id",
    "not_your_unit",
    "inactive",
    "duplicate",
    "outside_window",
)
Progress = Callable[[float], None]
#: How each state of a machine file is named.
STATUS_LABELS = {
    CHECKING: M("being checked"),
    READY: M("ready to apply"),
    REJECTED: M("nothing to apply"),
    APPLIED: M("applied"),
}
Writer = Callable[[Session], None]

_ATTLOG_TIME = re.compile(r"^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}(:\d{2})?$")
_USER_ID = re.compile(r"^[0-9A-Za-z]{1,20}$")
_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
)
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%d-%m-%Y")
_CLOCK_FORMATS = ("%H:%M:%S", "%H:%M")
#: The machine's in/out state codes, and the words its software writes for them.
_STATES = {
    "0": "in",
    "1": "out",
    "2": "out",
    "3": "in",
    "4": "in",
    "5": "out",
    "cin": "in",
    "checkin": "in",
    "in": "in",
    "masuk": "in",
    "datang": "in",
    "breakin": "in",
    "overtimein": "in",
    "otin": "in",
    "lemburmasuk": "in",
    "cout": "out",
    "checkout": "out",
    "out": "out",
    "pulang": "out",
    "keluar": "out",
    "breakout": "out",
    "overtimeout": "out",
    "otout": "out",
    "lemburkeluar": "out",
    "255": "",
    "": "",
}
#: Table headers (letters and digits only, lower case) -> field.
_ID_HEADERS = ("acno", "idacno", "id", "userid", "enrollno", "enrollnumber", "pin", "idmesin")
_DATETIME_HEADERS = ("datetime", "tanggaljam", "waktu", "checktime", "scantime")
_DATE_HEADERS = ("date", "tanggal", "tgl")
_CLOCK_HEADERS = ("time", "jam")
_STATE_HEADERS = ("status", "state", "inout", "checktype", "keterangan")


@dataclass(frozen=True)
class Line:
    """One punch as the file has it: its line (row) number, the machine's user id,
    the local wall-clock time and the kind (``stated``: from the machine's state key;
    else the time of day's guess, which the person's shifts may overrule when applied,
    while the punch's key keeps the guess so a file applied again is still the same)."""

    number: int
    user_id: str
    local: datetime
    kind: str
    stated: bool = True


@dataclass(frozen=True)
class Problem:
    line: int
    kind: str  # one of PROBLEM_KINDS
    value: str  # what the line held (the id, the time, the line repeated)

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "kind": self.kind, "value": self.value}


@dataclass
class Report:
    """What a file holds: the usable punches (with their staff) and every problem."""

    good: list[tuple[Line, int]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    lines: int = 0
    already: int = 0

    def counts(self) -> dict[str, Any]:
        by_kind = dict.fromkeys(PROBLEM_KINDS, 0)
        for p in self.problems:
            by_kind[p.kind] += 1
        days = [line.local.date() for line, _ in self.good]
        return {
            "lines": self.lines,
            "usable": len(self.good),
            "new": len(self.good) - self.already,
            "already": self.already,
            "people": len({staff for _, staff in self.good}),
            "first_day": min(days).isoformat() if days else None,
            "last_day": max(days).isoformat() if days else None,
            "problems": by_kind,
            "problems_total": len(self.problems),
        }


# --------------------------------------------------------------------------- reading


def _kind(state: str, local: datetime) -> str | None:
    found = _STATES.get(re.sub(r"[^a-z0-9]", "", state.lower()))
    if found is None:
        return None
    if found == "":
        return "in" if local.time() < time(12, 0) else "out"
    return found


def _has_state(state: str) -> bool:
    """Whether the machine wrote an in/out state key (255 or nothing: it has none)."""
    return bool(_STATES.get(re.sub(r"[^a-z0-9]", "", state.lower())))


def _parse_time(value: str) -> datetime | None:
    value = " ".join(value.split())
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(value, fmt)  # noqa: DTZ007 - the machine's wall clock
        except ValueError:
            continue
    return None


def _decoded(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Old machines write Latin-1 names; the fields this reads are ASCII anyway.
        return content.decode("latin-1")


def is_attlog(content: bytes) -> bool:
    """A tab-separated attendance log: its first line's second field is a date and time."""
    if content.startswith(b"PK\x03\x04"):
        return False
    head = _decoded(content[:4096])
    first = next((ln for ln in head.splitlines() if ln.strip()), "")
    fields = first.split("\t")
    return len(fields) >= 2 and bool(_ATTLOG_TIME.match(" ".join(fields[1].split())))


def _attlog(content: bytes, progress: Progress | None) -> Iterator[Line | Problem]:
    if len(content) > MAX_BYTES:
        raise _too_large()
    lines = _decoded(content).splitlines()
    if len(lines) > MAX_LINES:
        raise InvalidInput(
            M("a file of at most %(count)s lines", count=MAX_LINES), {"file": "too many lines"}
        )
    total = max(1, len(lines))
    for number, raw in enumerate(lines, start=1):
        if progress is not None and number % 2000 == 0:
            progress(number / total)
        if not raw.strip():
            continue
        fields = [f.strip() for f in raw.split("\t")]
        local = _parse_time(fields[1]) if len(fields) >= 2 else None
        user_id = fields[0]
        kind = _kind(fields[3] if len(fields) >= 4 else "", local) if local else None
        if local is None or kind is None or not _USER_ID.match(user_id):
            yield Problem(number, "unparseable", raw.strip()[:120])
            continue
        state = fields[3] if len(fields) >= 4 else ""
        yield Line(number, user_id.lstrip("0") or "0", local, kind, _has_state(state))


def _key(header: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(header or "").lower())


def _column(keys: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in keys:
            return keys.index(name)
    return None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _cell_day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(_cell_text(value), fmt).date()  # noqa: DTZ007 - a date
        except ValueError:
            continue
    return None


def _cell_clock(value: object) -> time | None:
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, time):
        return value
    for fmt in _CLOCK_FORMATS:
        try:
            return datetime.strptime(_cell_text(value), fmt).time()  # noqa: DTZ007 - a time
        except ValueError:
            continue
    return None


def _cell_time(stamp: object, day: object, clock: object) -> datetime | None:
    """The local time from one date-time cell, or a date cell and a time cell."""
    if isinstance(stamp, datetime):
        return stamp.replace(tzinfo=None, microsecond=0)
    if stamp not in (None, ""):
        return _parse_time(_cell_text(stamp))
    when_day, when_clock = _cell_day(day), _cell_clock(clock)
    if when_day is None or when_clock is None:
        return None
    return datetime.combine(when_day, when_clock.replace(microsecond=0, tzinfo=None))


def _table(filename: str, content: bytes, progress: Progress | None) -> Iterator[Line | Problem]:
    name = filename if filename.lower().endswith((".csv", ".xlsx")) else filename + ".csv"
    reader = TableReader(name, content, LIMITS, encodings=("utf-8-sig", "latin-1"))
    rows = reader.rows()
    header = next(rows, None)
    if header is None:
        raise InvalidInput(M("the file is empty"), {"file": "empty"})
    keys = [_key(h) for h in header.values]
    id_col = _column(keys, _ID_HEADERS)
    if id_col is None:
        id_col = _column(keys, ("no",))
    stamp_col = _column(keys, _DATETIME_HEADERS)
    day_col = _column(keys, _DATE_HEADERS)
    clock_col = _column(keys, _CLOCK_HEADERS)
    if stamp_col is None and day_col is None:
        stamp_col, clock_col = clock_col, None
    state_col = _column(keys, _STATE_HEADERS)
    if id_col is None or (stamp_col is None and (day_col is None or clock_col is None)):
        raise InvalidInput(
            M(
                "not a fingerprint machine export: expected the columns ID (or AC-No.),"
                " Date/Time and Status"
            ),
            {"file": "columns"},
        )

    def cell(values: tuple[object, ...], col: int | None) -> object:
        return values[col] if col is not None and col < len(values) else None

    for row in rows:
        if progress is not None and row.number % 2000 == 0:
            progress(reader.fraction_read)
        if row.is_empty:
            continue
        user_id = _cell_text(cell(row.values, id_col))
        local = _cell_time(
            cell(row.values, stamp_col), cell(row.values, day_col), cell(row.values, clock_col)
        )
        kind = _kind(_cell_text(cell(row.values, state_col)), local) if local else None
        if local is None or kind is None or not _USER_ID.match(user_id):
            shown = " | ".join(_cell_text(v) for v in row.values)
            yield Problem(row.number, "unparseable", shown[:120])
            continue
        state = _cell_text(cell(row.values, state_col))
        yield Line(row.number, user_id.lstrip("0") or "0", local, kind, _has_state(state))


def read(
    filename: str, content: bytes, progress: Progress | None = None
) -> Iterator[Line | Problem]:
    """Every punch line of the file, or the problem with it; raises when a bound refuses it."""
    if len(content) > MAX_BYTES:
        raise _too_large()
    if not content.strip():
        raise InvalidInput(M("the file is empty"), {"file": "empty"})
    if is_attlog(content):
        return _attlog(content, progress)
    return _table(filename, content, progress)


class TooLarge(InvalidInput):
    status = 413
    code = "too_large"


def _too_large() -> TooLarge:
    return TooLarge(
        M("files up to %(count)s MB", count=MAX_BYTES // (1024 * 1024)), {"file": "too large"}
    )


#: The end of a handover's single punch's key that makes it the next shift's check-in
#: (:func:`~.schedule.handover_kinds`).
HANDOVER_IN = "handover-in"


def punch_key(line: Line) -> str:
    """The punch's idempotency key: the same minute and kind is the same punch."""
    return f"machine:{line.local:%Y%m%d%H%M}:{line.kind}"


# --------------------------------------------------------------------------- checking


def check(
    session: Session,
    actor: Actor,
    filename: str,
    content: bytes,
    *,
    now: datetime,
    progress: Progress | None = None,
) -> Report:
    """Read the file and sort every line into usable (with its staff) or a problem."""
    actor.require(UNIT)
    ids = dict(session.execute(select(MachineId.machine_user_id, MachineId.staff_id)).all())
    people = {
        sid: (unit, active)
        for sid, unit, active in session.execute(
            select(Staff.id, Staff.unit_id, Staff.is_active)
        ).all()
    }
    tz = zone(session)
    settings = load_settings(session)
    today = now.astimezone(tz).date()
    month_closed: dict[tuple[int, int], bool] = {}
    report = Report()
    seen: dict[tuple[str, datetime, str], int] = {}
    for item in read(filename, content, progress):
        report.lines += 1
        if isinstance(item, Problem):
            report.problems.append(item)
            continue
        staff_id = ids.get(item.user_id)
        if staff_id is None or staff_id not in people:
            report.problems.append(Problem(item.number, "unknown_id", item.user_id))
            continue
        unit_id, active = people[staff_id]
        if not actor.manages(unit_id):
            report.problems.append(Problem(item.number, "not_your_unit", item.user_id))
            continue
        if not active:
            report.problems.append(Problem(item.number, "inactive", item.user_id))
            continue
        minute = item.local.replace(second=0)
        earlier = seen.get((item.user_id, minute, item.kind))
        if earlier is not None:
            report.problems.append(Problem(item.number, "duplicate", str(earlier)))
            continue
        seen[(item.user_id, minute, item.kind)] = item.number
        at = item.local.replace(tzinfo=tz)
        ym = (item.local.year, item.local.month)
        if ym not in month_closed:
            month_closed[ym] = item.local.year < 2000 or (
                today > cutoff(ym[0], ym[1], settings.cutoff_day) or is_locked(session, *ym)
            )
        if at > now + FUTURE_SLACK or month_closed[ym]:
            report.problems.append(
                Problem(item.number, "outside_window", f"{item.local:%d-%m-%Y %H:%M}")
            )
            continue
        report.good.append((item, staff_id))
    report.problems.sort(key=lambda p: p.line)
    report.already = _already(session, report.good)
    return report


def _already(session: Session, good: list[tuple[Line, int]]) -> int:
    """How many usable lines are punches already (from an earlier file)."""
    if not good:
        return 0
    staff_ids = sorted({s for _, s in good})
    first = min(line.local.date() for line, _ in good) - timedelta(days=1)
    last = max(line.local.date() for line, _ in good) + timedelta(days=1)
    existing = set(
        session.execute(
            select(Punch.staff_id, Punch.idempotency_key).where(
                Punch.source == "machine",
                Punch.staff_id.in_(staff_ids),
                Punch.day.between(first, last),
            )
        ).all()
    )
    return sum((staff, punch_key(line)) in existing for line, staff in good)


def _keep_report(record: MachineImport, report: Report) -> None:
    record.counts = report.counts()
    record.problems = [p.as_dict() for p in report.problems[:MAX_PROBLEMS_KEPT]]
    record.status = READY if report.good else REJECTED


def _filename(filename: str) -> str:
    return (filename or "attlog.dat").replace("\\", "/").rsplit("/", 1)[-1][:255] or "attlog.dat"


def upload(
    session: Session,
    actor: Actor,
    *,
    filename: str,
    content: bytes,
    user_id: int | None,
    now: datetime | None = None,
) -> MachineImport:
    """Check a file and keep it with its report; records no attendance."""
    actor.require(UNIT)
    if len(content) > MAX_BYTES:
        raise _too_large()
    filename = _filename(filename)
    report = check(session, actor, filename, content, now=now or datetime.now(UTC))
    record = MachineImport(
        filename=filename,
        content=content,
        uploaded_by=actor.label,
        uploaded_by_user_id=user_id,
        status=CHECKING,
        problems=[],
        counts={},
    )
    _keep_report(record, report)
    session.add(record)
    session.flush()
    _audit(session, actor.label, record, "ekinerja.machine_upload")
    return record


def start(
    session: Session, actor: Actor, *, filename: str, content: bytes, user_id: int
) -> MachineImport:
    """Keep a big file unchecked and submit the job that checks it (sent on commit)."""
    actor.require(UNIT)
    if len(content) > MAX_BYTES:
        raise _too_large()
    record = MachineImport(
        filename=_filename(filename),
        content=content,
        uploaded_by=actor.label,
        uploaded_by_user_id=user_id,
        status=CHECKING,
        problems=[],
        counts={},
    )
    session.add(record)
    session.flush()
    job = submit_job(
        session,
        MACHINE_UPLOADS.kind,
        {"upload_id": record.id},
        actor.label,
        tenant=current_tenant(),
        user_id=user_id,
        permissions=actor.permissions,
    )
    record.job_id = job.id
    return record


def _audit(session: Session, actor: str, record: MachineImport, action: str) -> None:
    record_audit(
        session,
        actor=actor,
        action=action,
        entity="machine_import",
        entity_id=record.id,
        after={"filename": record.filename, "status": record.status, **record.counts},
    )


def get_import(session: Session, import_id: int) -> MachineImport:
    record = session.get(MachineImport, import_id)
    if record is None:
        raise NotFound(M("no machine file %(import_id)s", import_id=import_id))
    return record


def recent(session: Session, limit: int = 50) -> list[MachineImport]:
    return list(
        session.scalars(select(MachineImport).order_by(MachineImport.id.desc()).limit(limit))
    )


# --------------------------------------------------------------------------- applying


def apply(
    session: Session, actor: Actor, import_id: int, *, now: datetime | None = None
) -> MachineImport:
    """Record the file's usable lines as punches; the roster and ids are re-read now.

    A punch already recorded (the same minute and kind) is left as it is, so a file
    applied after an overlapping one adds only what is new.
    """
    actor.require(UNIT)
    record = session.get(MachineImport, import_id, with_for_update=True)
    if record is None:
        raise NotFound(M("no machine file %(import_id)s", import_id=import_id))
    if record.status != READY:
        raise Conflict(
            M(
                "this file is %(status)s and cannot be applied",
                status=STATUS_LABELS.get(record.status, record.status),
            ),
            {"status": record.status},
        )
    now = now or datetime.now(UTC)
    report = check(session, actor, record.filename, record.content, now=now)
    if not report.good:
        raise Conflict(
            M("no line of this file can be applied any more; upload it again"),
            {"file": "nothing to apply"},
        )
    added = record_lines(session, report.good, now=now)
    record.counts = report.counts() | {"new": added, "already": len(report.good) - added}
    record.problems = [p.as_dict() for p in report.problems[:MAX_PROBLEMS_KEPT]]
    record.status, record.applied_by, record.applied_at = APPLIED, actor.label, now
    _audit(session, actor.label, record, "ekinerja.machine_apply")
    return record


#: Rows per INSERT statement.
_CHUNK = 2000


def rebuild_days(session: Session, pairs: list[tuple[int, date]]) -> None:
    """``attendance.rebuild_day`` for many (person, day) pairs in a few statements: the
    first accepted check-in and the last accepted check-out of each, and its pending count."""
    for i in range(0, len(pairs), _CHUNK):
        chunk = pairs[i : i + _CHUNK]
        found: dict[tuple[int, date], list[Any]] = {pair: [] for pair in chunk}
        for row in session.execute(
            select(Punch.id, Punch.staff_id, Punch.day, Punch.kind, Punch.at, Punch.review)
            .where(tuple_(Punch.staff_id, Punch.day).in_(chunk))
            .order_by(Punch.at, Punch.id)
        ):
            found[(row.staff_id, row.day)].append(row)
        values = []
        for (staff_id, day), rows in found.items():
            accepted = [r for r in rows if r.review == "accepted"]
            ins = [r for r in accepted if r.kind == "in"]
            outs = [r for r in accepted if r.kind == "out"]
            values.append(
                {
                    "staff_id": staff_id,
                    "day": day,
                    "check_in": ins[0].at if ins else None,
                    "check_in_punch_id": ins[0].id if ins else None,
                    "check_out": outs[-1].at if outs else None,
                    "check_out_punch_id": outs[-1].id if outs else None,
                    "pending": sum(r.review == "pending" for r in rows),
                }
            )
        statement = insert(AttendanceDay).values(values)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["staff_id", "day"],
                set_={
                    name: statement.excluded[name]
                    for name in (
                        "check_in",
                        "check_in_punch_id",
                        "check_out",
                        "check_out_punch_id",
                        "pending",
                    )
                },
            )
        )


def record_lines(session: Session, good: list[tuple[Line, int]], *, now: datetime) -> int:
    """Insert the punches (skipping those already there) and rebuild their days in a
    few statements; the people are locked first, in id order, as a single punch does."""
    tz = zone(session)
    staff_ids = sorted({s for _, s in good})
    for staff_id in staff_ids:
        lock_person(session, staff_id)
    first = min(line.local.date() for line, _ in good) - timedelta(days=1)
    last = max(line.local.date() for line, _ in good)
    shifts: dict[int, list[Shift]] = {}
    for shift in session.scalars(
        select(ShiftAssignment).where(
            ShiftAssignment.staff_id.in_(staff_ids),
            ShiftAssignment.day.between(first, last + timedelta(days=1)),
        )
    ):
        shifts.setdefault(shift.staff_id, []).append(
            Shift(shift.day, shift.start_time, shift.end_time)
        )
    stateless: dict[int, list[datetime]] = {}
    for line, staff_id in good:
        if not line.stated:
            stateless.setdefault(staff_id, []).append(line.local)
    handovers = {
        staff_id: handover_kinds(moments, shifts.get(staff_id, ()))
        for staff_id, moments in stateless.items()
    }
    rows = []
    for line, staff_id in good:
        around = shifts.get(staff_id, ())
        kinds: tuple[str, ...] = (line.kind,)
        if not line.stated:
            kinds = handovers[staff_id].get(line.local) or (
                kind_by_shifts(line.local, around) or line.kind,
            )
        # A handover's single punch is two: the first keeps the line's key (as every
        # punch does), the second has its own, so a file applied again adds neither.
        keys = (punch_key(line), f"{punch_key(line)}:{HANDOVER_IN}")[: len(kinds)]
        for key, kind in zip(keys, kinds, strict=True):
            rows.append(
                {
                    "staff_id": staff_id,
                    "idempotency_key": key,
                    "kind": kind,
                    "source": "machine",
                    "at": line.local.replace(tzinfo=tz),
                    "day": attendance_day(line.local, kind, around),
                    "received_at": now,
                    "flags": [],
                    "review": "accepted",
                }
            )
    touched: set[tuple[int, date]] = set()
    added = 0
    for i in range(0, len(rows), _CHUNK):
        inserted = session.execute(
            insert(Punch)
            .values(rows[i : i + _CHUNK])
            .on_conflict_do_nothing(index_elements=["staff_id", "idempotency_key"])
            .returning(Punch.staff_id, Punch.day, Punch.idempotency_key)
        ).all()
        # Lines, not rows: a handover's second punch is the same line.
        added += sum(not key.endswith(HANDOVER_IN) for _, _, key in inserted)
        touched.update((s, d) for s, d, _ in inserted)
    if touched:
        rebuild_days(session, sorted(touched))
    session.expire_all()
    return added


# --------------------------------------------------------------------------- big files


def _uploader(session: Session, user_id: int | None) -> Actor | None:
    """The uploader as they are now: a person who lost the role checks nothing."""
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or not user.is_active:
        return None
    perms = frozenset(permissions_for(user.roles, (APP,)))
    units = None if VIEW_ALL in perms else member_units(session, user.id, APP)
    return Actor(user.email, perms, None, units)


def _stored(message: str) -> dict[str, Any]:
    """A refusal as JSON (msgid and values, and whose catalogue), shown translated later."""
    if not isinstance(message, Message):
        return {"msgid": str(message), "params": {}, "app": False}
    return {
        "msgid": message.msgid,
        "params": message.json_params(),
        "app": message.catalogue is not None,
    }


def refusal(record: MachineImport) -> Message | None:
    """Why the file was refused, in the reader's language."""
    if not record.refusal:
        return None
    make = M if record.refusal.get("app") else Message
    return make(record.refusal["msgid"], **record.refusal.get("params", {}))


def _checking(session: Session, import_id: int) -> MachineImport | None:
    record = session.get(MachineImport, import_id, with_for_update=True)
    return record if record is not None and record.status == CHECKING else None


def check_stored(session: Session, import_id: int, progress: Progress) -> Writer:
    """The job's check of a stored file: read it (with progress), return the writer
    of its report (the job's final transaction); a bound's refusal raises."""
    record = session.get(MachineImport, import_id)
    if record is None or record.status != CHECKING:
        return lambda _session: None  # checked already (a duplicate run) or gone
    actor = _uploader(session, record.uploaded_by_user_id)
    if actor is None or UNIT not in actor.permissions:
        raise InvalidInput(M("the uploader may no longer import machine files"))
    report = check(
        session, actor, record.filename, record.content, now=datetime.now(UTC), progress=progress
    )

    def write(final: Session) -> None:
        target = _checking(final, import_id)
        if target is None:
            return
        _keep_report(target, report)
        _audit(final, target.uploaded_by, target, "ekinerja.machine_upload")

    return write


def refuse_stored(import_id: int, error: ServiceError) -> Writer:
    def write(final: Session) -> None:
        target = _checking(final, import_id)
        if target is None:
            return
        target.status, target.refusal = REJECTED, _stored(error.message)
        _audit(final, target.uploaded_by, target, "ekinerja.machine_upload")

    return write


MACHINE_UPLOADS = UploadCheck(
    name="ekinerja_machine",
    title=M("Fingerprint machine file check"),
    permission=UNIT,
    check=check_stored,
    refuse=refuse_stored,
    app=APP,
)


# --------------------------------------------------------------------------- machine ids


def set_machine_id(
    session: Session, actor: Actor, *, staff_id: int, machine_user_id: str | None
) -> MachineId | None:
    """Set (or with None, clear) the id a person is enrolled under; an id held by
    someone else is refused, never moved silently."""
    person = staff_or_404(session, staff_id)
    actor.require_unit(person.unit_id)
    current = session.get(MachineId, staff_id)
    value = (machine_user_id or "").strip()
    if not value:
        if current is not None:
            session.delete(current)
            session.flush()
        _audit_id(session, actor, staff_id, None)
        return None
    if not _USER_ID.match(value):
        raise InvalidInput(
            M("a machine user id is 1 to 20 letters or digits"), {"machine_user_id": "format"}
        )
    value = value.lstrip("0") or "0"
    holder = session.scalar(select(MachineId).where(MachineId.machine_user_id == value))
    if holder is not None and holder.staff_id != staff_id:
        raise Conflict(
            M("machine user id %(value)s already belongs to someone else", value=value),
            {"machine_user_id": "taken"},
        )
    if current is None:
        current = MachineId(staff_id=staff_id, machine_user_id=value)
        session.add(current)
    else:
        current.machine_user_id = value
    session.flush()
    _audit_id(session, actor, staff_id, value)
    return current


def _audit_id(session: Session, actor: Actor, staff_id: int, value: str | None) -> None:
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.machine_id",
        entity="staff",
        entity_id=staff_id,
        after={"machine_user_id": value},
    )


@dataclass(frozen=True)
class IdRow:
    staff_id: int
    nip: str
    name: str
    unit_id: int
    machine_user_id: str | None


def id_rows(
    session: Session, actor: Actor, limit: int = 2000, *, staff_id: int | None = None
) -> list[IdRow]:
    """The staff of the actor's units with their machine ids, by name."""
    q = (
        select(Staff.id, Staff.nip, Staff.name, Staff.unit_id, MachineId.machine_user_id)
        .outerjoin(MachineId, MachineId.staff_id == Staff.id)
        .order_by(Staff.name, Staff.id)
        .limit(limit)
    )
    if actor.unit_ids is not None:
        q = q.where(Staff.unit_id.in_(sorted(actor.unit_ids)))
    q = q.where(Staff.id == staff_id) if staff_id is not None else q.where(Staff.is_active)
    return [IdRow(*row) for row in session.execute(q).all()]


ID_LIMITS = UploadLimits(max_bytes=2 * 1024 * 1024, max_rows=50_000, max_columns=20)


def import_ids(session: Session, actor: Actor, filename: str, content: bytes) -> int:
    """A CSV/XLSX of ``nip, id_mesin``: every row or none; returns how many were set.

    Refused whole with every bad row listed (unknown NIP, a person outside the
    actor's units, a malformed id, an id given twice or held by someone not in the file).
    """
    actor.require(UNIT)
    name = filename if filename.lower().endswith((".csv", ".xlsx")) else "ids.csv"
    reader = TableReader(name, content, ID_LIMITS)
    rows = reader.rows()
    header = next(rows, None)
    if header is None:
        raise InvalidInput(M("the file is empty"), {"file": "empty"})
    keys = [_key(h) for h in header.values]
    nip_col = _column(keys, ("nip",))
    id_col = _column(keys, ("idmesin", "machineuserid", "machineid", "acno", "userid", "pin"))
    if nip_col is None or id_col is None:
        raise InvalidInput(M("expected the columns nip and id_mesin"), {"file": "columns"})
    problems, wanted, owner_of = _id_rows(session, actor, rows, nip_col, id_col)
    held = dict(session.execute(select(MachineId.machine_user_id, MachineId.staff_id)).all())
    for value, staff_id in owner_of.items():
        holder = held.get(value)
        if holder is not None and holder != staff_id and holder not in wanted:
            problems[f"id_mesin {value}"] = M("already belongs to someone not in the file")
    if problems:
        shown = dict(list(problems.items())[:50])
        raise InvalidInput(
            M("%(count)s rows cannot be imported; nothing was changed", count=len(problems)),
            shown,
        )
    if not wanted:
        raise InvalidInput(M("the file has no rows"), {"file": "empty"})
    # Free the ids first, then set: swapping two people's ids is one file.
    session.query(MachineId).filter(MachineId.staff_id.in_(list(wanted))).delete()
    session.query(MachineId).filter(MachineId.machine_user_id.in_(list(owner_of))).delete()
    session.flush()
    session.add_all(MachineId(staff_id=s, machine_user_id=v) for s, v in wanted.items())
    session.flush()
    record_audit(
        session,
        actor=actor.label,
        action="ekinerja.machine_ids_import",
        entity="machine_ids",
        entity_id=0,
        after={"rows": len(wanted)},
    )
    return len(wanted)


def _id_rows(
    session: Session, actor: Actor, rows: Iterator[Any], nip_col: int, id_col: int
) -> tuple[dict[str, Message], dict[int, str], dict[str, int]]:
    """The file's rows as wanted ids per staff member, and every problem."""
    by_nip = {
        nip: (sid, unit)
        for nip, sid, unit in session.execute(select(Staff.nip, Staff.id, Staff.unit_id)).all()
    }
    problems: dict[str, Message] = {}
    wanted: dict[int, str] = {}
    owner_of: dict[str, int] = {}
    for row in rows:
        if row.is_empty:
            continue
        values = row.values
        nip_cell = values[nip_col] if nip_col < len(values) else None
        if not isinstance(nip_cell, str):
            # A NIP typed into a number cell has lost digits to Excel: never guess them.
            problems[f"row {row.number}"] = M("nip: a text cell (a number cell loses digits)")
            continue
        nip = nip_cell
        value = _cell_text(values[id_col] if id_col < len(values) else None)
        found = by_nip.get(nip.strip())
        if found is None:
            problems[f"row {row.number}"] = M("no staff with NIP %(nip)s", nip=nip.strip()[:30])
        elif not actor.manages(found[1]):
            problems[f"row {row.number}"] = M("not in your units")
        elif not _USER_ID.match(value):
            problems[f"row {row.number}"] = M("id_mesin: 1 to 20 letters or digits")
        else:
            value = value.lstrip("0") or "0"
            if value in owner_of and owner_of[value] != found[0]:
                problems[f"row {row.number}"] = M(
                    "id_mesin %(value)s repeats an earlier row", value=value
                )
            else:
                owner_of[value] = found[0]
                wanted[found[0]] = value
    return problems, wanted, owner_of
