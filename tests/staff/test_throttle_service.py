"""services/throttle called directly: the sliding window, what a refusal costs, addresses."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.member import RateLimitHit
from services import throttle
from services.clock import utcnow
from services.errors import RateLimited
from services.throttle import Limit

WINDOW = timedelta(seconds=60)


def _limits(subject: str = "alice") -> list[Limit]:
    return [Limit("test-scope", subject, 2, WINDOW)]


async def test_the_window_slides_and_says_when_the_next_attempt_passes():
    start = utcnow()
    await throttle.count_attempt(_limits(), start, "Too many")
    await throttle.count_attempt(_limits(), start + timedelta(seconds=10), "Too many")
    with pytest.raises(RateLimited) as refused:
        await throttle.count_attempt(_limits(), start + timedelta(seconds=20), "Too many")
    # the oldest attempt leaves the window at start + 60 s, 40 s after the refusal
    assert refused.value.retry_after == 40
    assert refused.value.message == "Too many; try again in 40 seconds."
    await throttle.count_attempt(_limits(), start + timedelta(seconds=61), "Too many")


async def test_refused_attempts_are_not_stored_and_expired_ones_are_cleared():
    start = utcnow()
    await throttle.count_attempt(_limits("old"), start, "Too many")
    for _ in range(2):
        await throttle.count_attempt(_limits(), start + timedelta(seconds=30), "Too many")
    for _ in range(50):
        with pytest.raises(RateLimited):
            await throttle.count_attempt(_limits(), start + timedelta(seconds=31), "Too many")
    assert await RateLimitHit.all().count() == 3

    # a later accepted attempt of anyone clears every subject's expired hits
    await throttle.count_attempt(_limits("bob"), start + timedelta(seconds=65), "Too many")
    assert await RateLimitHit.all().count() == 3  # alice's two, bob's one; "old" is gone


async def test_an_attempt_counts_under_every_limit_and_the_longest_wait_is_given():
    start = utcnow()
    address = Limit("test-address", "192.0.2.1", 5, WINDOW)
    account = Limit("test-account", "alice", 1, timedelta(minutes=15))
    await throttle.count_attempt([address, account], start, "Too many")
    with pytest.raises(RateLimited) as refused:
        await throttle.count_attempt([address, account], start, "Too many")
    assert refused.value.retry_after == 15 * 60
    assert await RateLimitHit.all().count() == 2


def test_addresses_are_counted_by_client_network():
    assert throttle.network_of("192.0.2.7") == "192.0.2.7"
    assert throttle.network_of("::ffff:192.0.2.7") == "192.0.2.7"
    assert throttle.network_of("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert throttle.network_of(None) == "unknown"
    assert throttle.network_of("testclient") == "testclient"
