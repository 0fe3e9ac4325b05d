"""Passwords: the length rule, and argon2id hashing (argon2-cffi defaults) off the event
loop and bounded. Sign-in (auth/authentication.py) and the services that set a password
(staff accounts, a member's activation) share it.

A hash costs about 0.2 s of CPU on purpose. Computed on the event loop it held up every
other request of the process for that long, so a few clients sending sign-ins stalled
the server. Each hash runs on a worker thread instead (argon2-cffi releases the GIL), at
most `password_hash_concurrency` at once per process with at most `password_hash_queue`
more waiting: past that a sign-in is refused at once (RATE_LIMITED) rather than queued
without bound.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.settings import get_settings
from services.errors import Invalid, RateLimited

T = TypeVar("T")

MIN_PASSWORD_LENGTH = 8
BUSY = "Too many password checks at once; try again in a second."

_hasher = PasswordHasher()
# Verifying against this when the account does not exist (or has no password) keeps
# response times alike, so timing does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("memberhub-dummy-password")


def _yield_the_cpu() -> None:
    # The hashing threads, and the lane threads argon2 starts from them (they inherit
    # it), give way to the event loop's thread: a flood of sign-ins then waits for the
    # CPU itself instead of making every other request wait. Only on Linux is the nice
    # value a thread's own; elsewhere this would lower the whole server.
    if sys.platform == "linux":
        os.nice(10)


def check_new_password(password: str, field: tuple[str, ...]) -> None:
    """Raises Invalid at `field` for a password too short to be set."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.", field)


class HashingGate:
    """Hashes on `workers` threads, with at most `queue` more waiting for one."""

    def __init__(self, workers: int, queue: int) -> None:
        self._executor = ThreadPoolExecutor(workers, "argon2", initializer=_yield_the_cpu)
        self._bound = workers + queue
        self._pending = 0  # changed on the event loop's thread only

    def check_room(self) -> None:
        """Raises RateLimited when the threads are busy and the queue is full."""
        if self._pending >= self._bound:
            raise RateLimited(BUSY, retry_after=1)

    async def run(self, work: Callable[[], T]) -> T:
        """The result of `work`, computed on a hashing thread. Raises RateLimited when
        the threads are busy and the queue is full."""
        self.check_room()
        self._pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work)
        finally:
            self._pending -= 1


@lru_cache(maxsize=1)
def _gate() -> HashingGate:
    settings = get_settings()
    return HashingGate(settings.password_hash_concurrency, settings.password_hash_queue)


def check_room() -> None:
    """Raises RateLimited when a password check now would be refused: asked before an
    attempt is counted, so a flood that fills the queue does not spend its victims'
    attempts."""
    _gate().check_room()


async def hash_password(password: str) -> str:
    """The argon2id hash of `password`. Raises RateLimited when too many hashes wait."""
    return await _gate().run(lambda: _hasher.hash(password))


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches `password_hash`; without a hash, False after as long
    as a real check takes. Raises RateLimited when too many hashes wait."""
    return await _gate().run(lambda: _verify(password_hash, password))


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
