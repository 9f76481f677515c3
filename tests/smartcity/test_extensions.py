"""The rate limiter: Flask-Limiter's fixed windows, counted and read in one Redis round trip."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from redis.connection import AbstractConnection
from smartcity.extensions import WindowFromHit, all_allowed, limiter


@contextmanager
def redis_commands() -> Iterator[Counter[str]]:
    """The commands sent to Redis while the block runs (a spy: the commands still go)."""
    sent: Counter[str] = Counter()
    original = AbstractConnection.send_command

    def send_command(self: Any, *args: Any, **kwargs: Any) -> Any:
        sent[str(args[0])] += 1
        return original(self, *args, **kwargs)

    AbstractConnection.send_command = send_command  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        AbstractConnection.send_command = original  # type: ignore[method-assign]


def test_the_app_counts_with_the_one_round_trip_strategy(app):
    assert type(limiter.limiter) is WindowFromHit


def test_a_public_call_is_one_redis_round_trip_and_its_headers_match_a_fresh_read(
    app, state, provision
):
    slug = provision(apps=("noticeboard",))
    anyone = app.test_client()
    url = f"/t/{slug}/api/v1/public/noticeboard/notices"
    limit = int(state.settings.PUBLIC_RATE_LIMIT.split()[0])
    assert anyone.get(url).status_code == 200
    with redis_commands() as sent:
        answer = anyone.get(url)
    assert answer.status_code == 200
    assert sum(sent.values()) == 1, sent  # Flask-Limiter alone: a hit, then GET and TTL
    assert answer.headers["X-RateLimit-Limit"] == str(limit)
    assert answer.headers["X-RateLimit-Remaining"] == str(limit - 2)
    reset = int(answer.headers["X-RateLimit-Reset"])
    assert time.time() < reset <= time.time() + 61
    # What the plain fixed window reads afterwards from Redis says the same.
    remaining, reset_time = _read_plainly(slug, parse(state.settings.PUBLIC_RATE_LIMIT))
    assert remaining == limit - 2 and abs(int(reset_time + 1) - reset) <= 1
    # Spent: 429 with a Retry-After within the window, and nothing remaining.
    statuses = [anyone.get(url) for _ in range(limit - 1)]
    refused = statuses[-1]
    assert refused.status_code == 429 and statuses[-2].status_code == 200
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert 0 <= int(refused.headers["Retry-After"]) <= 60


def _read_plainly(slug: str, item: Any) -> tuple[int, float]:
    """The public limit's window of ``slug``, read from Redis by Flask-Limiter's own strategy."""
    plain = FixedWindowRateLimiter(limiter.limiter.storage)
    storage: Any = plain.storage
    prefix = storage.prefixed_key("")
    (raw,) = storage.get_connection().scan_iter(f"{prefix}*:public:*/t/{slug}:*")
    key = raw.decode()[len(prefix) :]
    return max(0, item.amount - storage.get(key)), storage.get_expiry(key)


def test_the_one_read_check_of_several_limits_agrees_with_checking_each(app):
    tight, loose = parse("2 per minute"), parse("100 per minute")
    for strategy in (limiter.limiter, WindowFromHit(MemoryStorage())):  # Redis, the fallback
        name = f"extensions-test-{time.time_ns()}"
        checks = [(tight, (name, "a")), (loose, (name, "b"))]
        with app.test_request_context():
            assert strategy.test_all(checks)
            assert strategy.hit(tight, name, "a") and strategy.hit(tight, name, "a")
            assert not strategy.hit(tight, name, "a")  # the third is over the limit
            assert not strategy.test_all(checks) and strategy.test_all(checks[1:])
            assert not strategy.test(tight, name, "a") and strategy.test(loose, name, "b")
            assert strategy.get_window_stats(tight, name, "a").remaining == 0
            assert all_allowed(checks) is (strategy is not limiter.limiter)
