"""Flask extensions, created unbound; ``create_app`` binds them in one ordered sequence.

Flask-Babel is the exception: ``smartcity.i18n`` gives each Flask app a Babel of
its own, since Babel caches its domains on the instance.

**Rate limits in one round trip.** Flask-Limiter's fixed window counts a request
with one Redis call, then reads the count and the key's time to live again (two
more calls) to write the ``X-RateLimit-*`` and ``Retry-After`` headers. The
:class:`Limiter` here swaps its strategy for :class:`WindowFromHit`, whose hit
returns the count and the time to live together (one Lua script) and keeps them
for the request, so the headers cost nothing more: every public page and API
call is one Redis round trip for its limit instead of three. The limits, keys,
windows and headers are Flask-Limiter's own; only the reads are saved. With any
storage but Redis (the in-memory fallback when Redis is down) it is the plain
fixed window.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import flask_limiter
from flask import Flask, g, has_request_context
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from limits import RateLimitItem
from limits.storage import RedisStorage, Storage
from limits.strategies import FixedWindowRateLimiter
from limits.util import WindowStats

#: Flask-Limiter's ``incr_expire`` script, also answering the key's time to live.
_HIT_AND_TTL = b"""
local amount = tonumber(ARGV[2])
local current = redis.call("incrby", KEYS[1], amount)
if tonumber(current) == amount then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("ttl", KEYS[1])}
"""
_WINDOWS = "smartcity_rate_windows"


class WindowFromHit(FixedWindowRateLimiter):
    """A fixed window whose hit also learns what the response headers need."""

    def __init__(self, storage: Storage) -> None:
        super().__init__(storage)
        self._redis = storage if isinstance(storage, RedisStorage) else None
        self._script: Any = (
            None
            if self._redis is None
            else self._redis.get_connection().register_script(_HIT_AND_TTL)
        )

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        if self._redis is None:
            return super().hit(item, *identifiers, cost=cost)
        key = item.key_for(*identifiers)
        count, ttl = self._script([self._redis.prefixed_key(key)], [item.get_expiry(), cost])
        if has_request_context():
            # What get_window_stats would read right after: reset time, remaining.
            remaining = max(0, item.amount - int(count))
            g.setdefault(_WINDOWS, {})[key] = WindowStats(time.time() + max(int(ttl), 0), remaining)
        return int(count) <= item.amount

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        if has_request_context():
            known: WindowStats | None = g.get(_WINDOWS, {}).get(item.key_for(*identifiers))
            if known is not None:
                return known
        return super().get_window_stats(item, *identifiers)

    def test_all(self, checks: Sequence[tuple[RateLimitItem, Sequence[str]]]) -> bool:
        """Whether every one of ``checks`` can take one more hit (one read on Redis)."""
        if self._redis is None:
            return all(self.test(item, *identifiers) for item, identifiers in checks)
        keys = [self._redis.prefixed_key(item.key_for(*ids)) for item, ids in checks]
        connection: Any = self._redis.get_connection(True)
        counts = connection.mget(keys)
        return all(
            int(count or 0) < item.amount
            for count, (item, _ids) in zip(counts, checks, strict=True)
        )


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter with :class:`WindowFromHit` in place of its fixed window."""

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        # Flask-Limiter builds its strategy here from the storage it just opened; the
        # attribute is private, the versions are pinned (pyproject), and the tests of
        # smartcity.extensions check the swap and the headers.
        if type(self._limiter) is FixedWindowRateLimiter and self._storage is not None:
            self._limiter = WindowFromHit(self._storage)


def all_allowed(checks: Sequence[tuple[RateLimitItem, Sequence[str]]]) -> bool:
    """Whether each limit (item, identifiers) can take one more hit, read at once if possible."""
    strategy = limiter.limiter
    if isinstance(strategy, WindowFromHit):
        return strategy.test_all(checks)
    return all(strategy.test(item, *identifiers) for item, identifiers in checks)


login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
