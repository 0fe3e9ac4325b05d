"""Attempt throttles counted in the database, so every server process shares them.

A hit's key is a scope and a keyed hash of what is counted (a client address, a
username): the table never holds an address or an identifier in clear. An attempt is
first checked with one read, so a refused one costs a SELECT and writes nothing; an
accepted one is inserted and counted again in one write transaction, which also sees
attempts other processes made meanwhile, and clears the scope's expired hits. Refused
attempts are never stored, so a flood cannot grow the table: a key holds at most its
limit of hits.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from models.member import RateLimitHit
from services import crypto
from services.clock import as_utc
from services.db import retry_busy, transaction_of_its_own
from services.errors import RateLimited

# Sign-in attempts are counted per client address and per account name, known or not.
SIGNIN_ADDRESS = "signin-address"
SIGNIN_ACCOUNT = "signin-account"


def member_account(identifier: str) -> str:
    """The account name a member signs in with (memberNo, phone or email, as given)."""
    return f"member:{identifier}"


def staff_account(username: str) -> str:
    return f"staff:{username}"


@dataclass(frozen=True)
class Limit:
    """At most `limit` attempts per `window` by one `subject` (an address, an account)
    within `scope` (what is attempted: "signin-address", "apply")."""

    scope: str
    subject: str
    limit: int
    window: timedelta

    @property
    def key(self) -> str:
        return key_of(self.scope, self.subject)


def key_of(scope: str, subject: str) -> str:
    """The stored key of `subject`'s attempts in `scope`."""
    # The scope inside the hash too: the same value hashes apart in each scope, and
    # apart from the idNumber lookup hashes that share crypto's key.
    return f"{scope}:{crypto.lookup_hash(f'{scope}:{subject}')}"


def network_of(address: str | None) -> str:
    """What one client address is counted as: an IPv4 address itself, an IPv6 address's
    /64, which a single subscriber usually holds whole (counting each address of it
    would let one client rotate through 2**64 of them)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else ip)


async def count_attempt(limits: Sequence[Limit], now: datetime, refusal: str) -> None:
    """Count one attempt under every limit. Raises RateLimited, with the seconds until
    the attempt would pass, when any limit is reached; a refused attempt is not counted."""
    await _refuse_when_full(limits, now, refusal, counted=False)
    await retry_busy(lambda: _record(limits, now, refusal))


async def _record(limits: Sequence[Limit], now: datetime, refusal: str) -> None:
    # Committed at once, not with the operation: the attempt counts even if the operation
    # fails, and the password check that follows holds no write lock.
    async with transaction_of_its_own():
        # Insert first: the write lock is then held, so the count below includes every
        # process's attempts, and a refusal rolls this attempt's hits back.
        await RateLimitHit.bulk_create([RateLimitHit(key=limit.key, at=now) for limit in limits])
        for limit in limits:
            # Expired hits of every subject go, so one never seen again leaves nothing behind.
            await RateLimitHit.filter(
                key__startswith=f"{limit.scope}:", at__lte=now - limit.window
            ).delete()
        await _refuse_when_full(limits, now, refusal, counted=True)


async def _refuse_when_full(
    limits: Sequence[Limit], now: datetime, refusal: str, *, counted: bool
) -> None:
    since = now - max(limit.window for limit in limits)
    rows = await RateLimitHit.filter(
        key__in=[limit.key for limit in limits], at__gt=since
    ).values_list("key", "at")
    wait = max(
        _seconds_to_wait(limit, [as_utc(at) for key, at in rows if key == limit.key], now, counted)
        for limit in limits
    )
    if wait:
        raise RateLimited(f"{refusal}; try again in {wait} seconds.", retry_after=wait)


def _seconds_to_wait(limit: Limit, hits: list[datetime], now: datetime, counted: bool) -> int:
    """0 when the attempt passes, else the seconds until enough of the oldest hits leave
    the window for it to pass (`counted`: `hits` include this attempt's own)."""
    within = sorted(at for at in hits if at > now - limit.window)
    excess = len(within) - limit.limit + (0 if counted else 1)
    if excess <= 0:
        return 0
    # A limit below 1 passes nothing: a whole window is as good an answer as any.
    frees_at = within[excess - 1] + limit.window if excess <= len(within) else now + limit.window
    return max(1, math.ceil((frees_at - now).total_seconds()))
