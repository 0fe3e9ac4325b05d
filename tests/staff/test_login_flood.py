"""A login flood cannot stall the server (issue 21 §3).

Password checks run on hashing threads while the event loop answers other requests,
at most a bounded number wait for one, and attempts are throttled per client address
and per account, known names and unknown alike, before anything is hashed.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from app.server import create_app
from core.settings import get_settings
from models.enums import Role
from models.member import RateLimitHit
from models.staff import StaffUser
from services import passwords
from services.clock import as_utc, utcnow
from services.errors import RateLimited
from tests.conftest import PASSWORD_HASH, TEST_PASSWORD, Api, make_staff
from tests.factories import make_member

STAFF_LOGIN = """mutation($u: String!, $p: String!) {
  staffLogin(input: {username: $u, password: $p}) {
    session { token } errors { field code message retryAfter } } }"""
MEMBER_LOGIN = """mutation($i: String!, $p: String!) {
  memberLogin(input: {identifier: $i, password: $p}) {
    session { token } errors { field code message retryAfter } } }"""
VIEWER = "{ viewer { roles } }"


class BlockingHasher:
    """The real hasher, held at the start of each check until the test releases it;
    notes the thread every check ran on."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.entered = threading.Event()
        self.release = threading.Event()
        self.threads: list[int] = []

    def verify(self, password_hash: str, password: str) -> bool:
        self.threads.append(threading.get_ident())
        self.entered.set()
        assert self.release.wait(30), "the test never released the check"
        return bool(self.real.verify(password_hash, password))


class CountingHasher:
    def __init__(self, real: Any) -> None:
        self.real = real
        self.threads: list[int] = []

    def verify(self, password_hash: str, password: str) -> bool:
        self.threads.append(threading.get_ident())
        return bool(self.real.verify(password_hash, password))


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """`limits(login_address_limit=3)` sets those settings for the rest of the test."""

    def set_limits(**values: int) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"MEMBERHUB_{name.upper()}", str(value))
        get_settings.cache_clear()

    yield set_limits
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest_asyncio.fixture
async def api_at(db: Any) -> AsyncIterator[Callable[[str], Api]]:
    """`api_at("198.51.100.7")`: an API client calling from that address."""
    app = create_app(get_settings(), manage_db=False)
    async with AsyncExitStack() as clients:

        def at(address: str) -> Api:
            transport = httpx.ASGITransport(app=app, client=(address, 5000))
            http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            clients.push_async_callback(http.aclose)
            return Api(http)

        yield at


async def _staff_login(api: Api, username: str, password: str = "wrong-password") -> dict:
    result = await api(STAFF_LOGIN, {"u": username, "p": password})
    return result["data"]["staffLogin"]


def _codes(payloads: list[dict]) -> list[str]:
    return [payload["errors"][0]["code"] if payload["errors"] else "OK" for payload in payloads]


async def test_a_password_check_runs_off_the_event_loop_while_other_requests_are_answered(
    api, monkeypatch
):
    await make_staff(Role.SERVICE, "alice")
    hasher = BlockingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", hasher)

    # given a sign-in whose password check has started and is held
    login = asyncio.create_task(_staff_login(api, "alice", TEST_PASSWORD))
    assert await asyncio.to_thread(hasher.entered.wait, 30)
    # when another request arrives, it is answered meanwhile
    viewer = await api(VIEWER)
    assert viewer["data"]["viewer"]["roles"] == []
    assert not login.done()
    # then the sign-in completes once its check is let go, on a thread of its own
    hasher.release.set()
    assert (await login)["session"]["token"]
    assert hasher.threads and threading.get_ident() not in hasher.threads


async def test_a_full_hashing_queue_refuses_more_sign_ins_at_once(api, monkeypatch):
    await make_staff(Role.SERVICE, "alice")
    hasher = BlockingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", hasher)
    gate = passwords.HashingGate(workers=1, queue=0)
    monkeypatch.setattr(passwords, "_gate", lambda: gate)

    first = asyncio.create_task(_staff_login(api, "alice", TEST_PASSWORD))
    assert await asyncio.to_thread(hasher.entered.wait, 30)
    # the one hashing thread is busy and nothing may wait: refused without waiting for it
    refused = await _staff_login(api, "bob")
    assert not first.done()
    assert refused["session"] is None
    assert refused["errors"][0]["code"] == "RATE_LIMITED"
    assert refused["errors"][0]["retryAfter"] == 1
    hasher.release.set()
    assert (await first)["session"]["token"]


async def test_waiting_checks_are_bounded_by_the_queue():
    gate = passwords.HashingGate(workers=1, queue=1)
    release = threading.Event()
    started = threading.Event()

    def held() -> str:
        started.set()
        assert release.wait(30)
        return "done"

    running = asyncio.create_task(gate.run(held))
    waiting = asyncio.create_task(gate.run(held))
    assert await asyncio.to_thread(started.wait, 30)  # both tasks have entered the gate
    with pytest.raises(RateLimited):
        await gate.run(held)
    release.set()
    assert await running == await waiting == "done"
    assert await gate.run(lambda: "free again") == "free again"


async def test_every_failing_path_checks_one_password_off_the_loop(api, monkeypatch):
    """Unknown, inactive, locked and wrong-password accounts cost one argon2 check each,
    as a good sign-in does: the time taken does not tell which accounts exist."""
    await make_staff(Role.SERVICE, "alice")
    inactive = await make_staff(Role.SERVICE, "ivan")
    locked = await make_staff(Role.SERVICE, "lena")
    await StaffUser.filter(id=inactive.id).update(active=False)
    await StaffUser.filter(id=locked.id).update(locked_until=utcnow() + timedelta(minutes=10))
    await make_member(phone="13900000001", password_hash=None)
    hasher = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", hasher)

    attempts = [
        (STAFF_LOGIN, {"u": "alice", "p": TEST_PASSWORD}),
        (STAFF_LOGIN, {"u": "alice", "p": "wrong-password"}),
        (STAFF_LOGIN, {"u": "nobody", "p": TEST_PASSWORD}),
        (STAFF_LOGIN, {"u": "ivan", "p": TEST_PASSWORD}),
        (STAFF_LOGIN, {"u": "lena", "p": TEST_PASSWORD}),
        (MEMBER_LOGIN, {"i": "13900000001", "p": TEST_PASSWORD}),
        (MEMBER_LOGIN, {"i": "13900000009", "p": TEST_PASSWORD}),
    ]
    for number, (text, variables) in enumerate(attempts, start=1):
        await api(text, variables)
        assert len(hasher.threads) == number, text
    assert threading.get_ident() not in hasher.threads


async def test_sign_ins_from_one_address_are_throttled_with_the_seconds_to_wait(
    api, api_at, limits, monkeypatch
):
    limits(login_address_limit=3, login_address_window=60)
    await make_staff(Role.SERVICE, "alice")
    hasher = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", hasher)
    for name in ("nobody-1", "nobody-2", "nobody-3"):
        assert _codes([await _staff_login(api, name)]) == ["INVALID_CREDENTIALS"]

    # the right password does not help: the attempt is refused before it is checked
    refused = await _staff_login(api, "alice", TEST_PASSWORD)
    assert refused["session"] is None
    assert len(hasher.threads) == 3
    [error] = refused["errors"]
    assert error["code"] == "RATE_LIMITED"
    assert 0 < error["retryAfter"] <= 60
    assert f"try again in {error['retryAfter']} seconds" in error["message"]
    # another address is counted apart
    assert (await _staff_login(api_at("198.51.100.7"), "alice", TEST_PASSWORD))["session"]


async def test_an_ipv6_client_is_counted_by_its_64_network(api_at, limits):
    limits(login_address_limit=2)
    await _staff_login(api_at("2001:db8:1:2::1"), "nobody-1")
    await _staff_login(api_at("2001:db8:1:2:ffff::9"), "nobody-2")
    rotated = await _staff_login(api_at("2001:db8:1:2:abcd::5"), "nobody-3")
    assert _codes([rotated]) == ["RATE_LIMITED"]
    assert _codes([await _staff_login(api_at("2001:db8:1:3::1"), "nobody-4")]) == [
        "INVALID_CREDENTIALS"
    ]


async def test_an_account_is_throttled_across_addresses_known_or_unknown_alike(api_at, limits):
    limits(login_account_limit=3, login_address_limit=100)
    await make_staff(Role.SERVICE, "alice")

    async def four_tries(username: str) -> list[dict]:
        return [await _staff_login(api_at(f"198.51.100.{n}"), username) for n in range(4)]

    known, unknown = await four_tries("alice"), await four_tries("mallory")
    assert _codes(known) == _codes(unknown) == ["INVALID_CREDENTIALS"] * 3 + ["RATE_LIMITED"]
    for refused in (known[3], unknown[3]):
        message = refused["errors"][0]["message"]
        assert re.fullmatch(r"Too many sign-in attempts; try again in \d+ seconds\.", message)
    # other accounts from the same addresses still get their answer
    assert _codes([await _staff_login(api_at("198.51.100.0"), "bob")]) == ["INVALID_CREDENTIALS"]


async def test_member_identifiers_are_throttled_known_or_unknown_alike(api_at, limits):
    limits(login_account_limit=2, login_address_limit=100)
    await make_member(phone="13900000001", password_hash=PASSWORD_HASH)

    async def three_tries(identifier: str) -> list[str]:
        payloads = []
        for n in range(3):
            result = await api_at(f"198.51.100.{n}")(
                MEMBER_LOGIN, {"i": identifier, "p": "wrong-password"}
            )
            payloads.append(result["data"]["memberLogin"])
        return _codes(payloads)

    known, unknown = await three_tries("13900000001"), await three_tries("13900000002")
    assert known == unknown == ["INVALID_CREDENTIALS"] * 2 + ["RATE_LIMITED"]


async def test_five_failures_still_lock_the_account_for_15_minutes(api):
    alice = await make_staff(Role.SERVICE, "alice")
    before = utcnow()
    failures = [await _staff_login(api, "alice") for _ in range(5)]
    locked_out = await _staff_login(api, "alice", TEST_PASSWORD)
    after = utcnow()

    assert _codes([*failures, locked_out]) == ["INVALID_CREDENTIALS"] * 6
    locked_until = as_utc((await StaffUser.get(id=alice.id)).locked_until)
    assert before + timedelta(minutes=15) <= locked_until <= after + timedelta(minutes=15)


async def test_the_throttle_stores_neither_names_nor_addresses(api, api_at):
    await make_staff(Role.SERVICE, "alice")
    await make_member(phone="13900000001", email="zoe@example.com", password_hash=PASSWORD_HASH)
    await _staff_login(api, "alice")
    await _staff_login(api_at("2001:db8::7"), "alice", TEST_PASSWORD)
    for identifier in ("13900000001", "zoe@example.com", "M00000042"):
        await api(MEMBER_LOGIN, {"i": identifier, "p": "wrong-password"})

    keys = await RateLimitHit.all().values_list("key", flat=True)
    assert len(keys) == 10
    assert all(re.fullmatch(r"signin-(address|account):[0-9a-f]{64}", key) for key in keys)
    stored = " ".join(keys).lower()
    for clear in ("alice", "203.0.113.7", "2001:db8", "13900000001", "zoe", "m00000042"):
        assert clear not in stored
