"""Kinds of job: what a job of a given ``kind`` takes, who may ask for it, how it runs.

A kind is declared once: the job catalogue (``smartcity.jobs.catalog``) builds
one :class:`JobKindRegistry` per deployment from the core's reports and those the
apps' manifests list, so the core never imports an app by name. The web
validates a request against it and the worker runs it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from smartcity.errors import InvalidInput, Message, ServiceError
from smartcity.tenancy.cache import TenantInfo
from smartcity.validation import field_problems

KIND_NAME = re.compile(r"^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)?$")


class JobCancelled(Exception):
    """The user cancelled the job; raised from :meth:`JobContext.progress`."""


class LeaseLost(Exception):
    """Another worker has taken the job over; this run must stop without writing."""


class JobContext(Protocol):
    """What a running job sees: its tenant, a read session, and a progress callback."""

    tenant: TenantInfo
    job_id: int
    requested_by: str
    session: Session

    def progress(self, percent: float) -> None:
        """Report progress (0-100); raises JobCancelled or LeaseLost when the job must stop."""


@dataclass(frozen=True, slots=True)
class FileOutput:
    name: str
    content_type: str
    data: bytes


#: A job's effect on the tenant's own tables, written by the runner in the transaction
#: that records the job's outcome, and only while the run still holds the job: a run
#: that lost its lease (or a duplicate) writes nothing, so the effect happens once.
Writer = Callable[[Session], None]


@dataclass(frozen=True, slots=True)
class JobOutput:
    """A job's result: at most one file, a small JSON summary, and its effect (if any)."""

    file: FileOutput | None = None
    result: dict[str, Any] = field(default_factory=dict)
    write: Writer | None = None


class JobRefused(Exception):
    """The job's input is refused (a :class:`ServiceError` for the person who asked):
    the job fails with that message, and ``write`` records the refusal where the
    input waits (an upload marked rejected), in the outcome's transaction."""

    def __init__(self, error: ServiceError, write: Writer) -> None:
        super().__init__(str(error.message))
        self.error = error
        self.write = write


Runner = Callable[[JobContext, Any], JobOutput]
Check = Callable[[Any], Mapping[str, str]]


@dataclass(frozen=True, slots=True)
class Requester:
    """The user asking for a job, as a kind's ``authorize`` sees them."""

    user_id: int | None
    permissions: frozenset[str]


#: Whether this user may have a job with these (parsed) parameters, beyond the kind's
#: one permission: a report of one unit for that unit's admin only, say. Raises a
#: ServiceError (Forbidden, InvalidInput naming the parameter) to refuse; reads the
#: tenant's tables through ``session``. Not called for the system's own jobs.
Authorize = Callable[[Session, Requester, Any], None]


@dataclass(frozen=True, slots=True)
class JobKind:
    """One kind of job. ``permission`` None means any user of the tenant may ask for it;
    ``app`` gates it on the tenant having that app enabled."""

    name: str
    title: str
    params: type[BaseModel]
    run: Runner
    permission: str | None = None
    app: str | None = None
    check: Check | None = None
    authorize: Authorize | None = None

    def parse(self, raw: Mapping[str, Any] | None) -> BaseModel:
        """The parameters as this kind's model, or InvalidInput naming ``params.<field>``."""
        try:
            parsed = self.params.model_validate(dict(raw or {}))
        except ValidationError as exc:
            raise InvalidInput(
                Message("the job's parameters are not valid"),
                field_problems(exc, prefix=("params",), whole="params"),
            ) from None
        problems = dict(self.check(parsed)) if self.check is not None else {}
        if problems:
            raise InvalidInput(
                Message("the job's parameters are not valid"),
                {f"params.{key}": value for key, value in problems.items()},
            )
        return parsed

    def available_to(self, apps: Iterable[str], permissions: Iterable[str] | None) -> bool:
        """Whether a tenant with ``apps`` and a user with ``permissions`` (None: the
        system itself) may ask for this kind."""
        if self.app is not None and self.app not in set(apps):
            return False
        return permissions is None or self.permission is None or self.permission in permissions


class JobKindRegistry:
    """The kinds this process knows, by name."""

    def __init__(self) -> None:
        self._kinds: dict[str, JobKind] = {}

    def add(self, kind: JobKind) -> JobKind:
        if not KIND_NAME.fullmatch(kind.name) or len(kind.name) > 80:
            raise ValueError(f"job kind {kind.name!r}: must match {KIND_NAME.pattern}")
        known = self._kinds.get(kind.name)
        if known is not None and known is not kind:
            raise ValueError(f"job kind {kind.name!r} is declared twice")
        self._kinds[kind.name] = kind
        return kind

    def get(self, name: str) -> JobKind | None:
        return self._kinds.get(name)

    def __iter__(self) -> Iterator[JobKind]:
        return iter(sorted(self._kinds.values(), key=lambda k: k.name))

    def __contains__(self, name: object) -> bool:
        return name in self._kinds
