"""Erasure of a terminated member (DESIGN §2 Members): every row the personal-data
inventory points to, then the database files themselves.

The rows: `erase_person` runs inside the termination's transaction and overwrites or
deletes what services/personal_data.py says, in every table, for the rows it says are
about the person. The files: `scrub_storage` makes the erased values gone from disk
(SQLite: the search index is merged, so no older segment keeps an erased value's
tokens; a TRUNCATE checkpoint empties the write-ahead log; `secure_delete` has zeroed
freed space already; PostgreSQL: VACUUM of the tables erasure wrote). A read snapshot
that another connection holds (a second server process, `memberhub backup`, a sqlite3
shell) keeps the checkpoint from finishing: the erasure is then *pending*, recorded in
pending_scrub in the erasure's own transaction, logged, counted on /metrics, reported
by the caller, and retried until the log is empty: by the next scrub in any process, and
in a running server by `retrying_scrubs` with backoff.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from tortoise import connections
from tortoise.exceptions import BaseORMException
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from models.communication import ServiceCase
from models.enums import ApplicationStatus
from models.member import Member, MembershipApplication, PendingScrub, ProfileChangeRequest
from models.member_search import optimize_search_index
from services import delivery
from services.db import retry_busy, transaction
from services.members.enrollment import APPLY_SCOPE
from services.personal_data import INVENTORY, Found, erased_tables, registered_models
from services.throttle import (
    SIGNIN_ACCOUNT,
    SIGNIN_ADDRESS,
    key_of,
    member_account,
    network_of,
)

log = logging.getLogger(__name__)

# A blocked scrub is retried after 1 s, then 2, 4, ... up to a minute; with nothing
# pending the server still looks once a minute, for erasures other processes left
# pending (a CLI run of the terminations job).
FIRST_RETRY_S = 1.0
LAST_RETRY_S = 60.0

# How a scrub went: the erasures that stay pending, and whether the files were scrubbed
# (None: none was pending, so none ran).
ScrubReport = Callable[[int, bool | None], None]
_watcher: ScrubReport | None = None


@dataclass(frozen=True)
class Person:
    """The rows about a terminated member that member_id alone does not find."""

    member_id: int
    application_ids: tuple[int, ...]
    case_ids: tuple[int, ...]
    rate_limit_keys: tuple[str, ...]


async def find_person(member_id: int) -> Person:
    """The person behind a member, read before anything is erased: their applications
    are the member's own and those of no member with the phone or idNumber hash of the
    member or of their own applications (an earlier rejected one, a second one left
    pending): the identifiers no two live members share. An email may be a family's, and
    an application that made another member is that member's. Their throttle keys are
    those of those applications' client addresses and of the names they sign in with."""
    identifiers = ("phone", "id_number_hash")
    member = await Member.filter(id=member_id).values(*identifiers, "member_no", "email")
    known = [
        *member,
        *await MembershipApplication.filter(member_id=member_id).values(*identifiers),
    ]
    same_person = [
        # Q(**lookups): the type checker matches the lookups' values to Q's join_type: str.
        Q(**{f"{column}__in": sorted(values)})  # type: ignore[arg-type]
        for column in identifiers
        if (values := {row[column] for row in known} - {None})
    ]
    clauses = [Q(member_id=member_id)]
    if same_person:
        clauses.append(Q(Q(*same_person, join_type=Q.OR), member_id=None))
    applications = await MembershipApplication.filter(Q(*clauses, join_type=Q.OR)).values(
        "id", "client_ip"
    )
    addresses = {network_of(row["client_ip"]) for row in applications if row["client_ip"]}
    names = {row[column] for row in member for column in ("member_no", "phone", "email")}
    by_address = {key_of(scope, a) for scope in (APPLY_SCOPE, SIGNIN_ADDRESS) for a in addresses}
    keys = by_address | {key_of(SIGNIN_ACCOUNT, member_account(name)) for name in names - {None}}
    cases = await ServiceCase.filter(member_id=member_id).values_list("id", flat=True)
    return Person(
        member_id,
        tuple(row["id"] for row in applications),
        # Tortoise types values_list as tuples, flat=True or not.
        tuple(cases),  # type: ignore[arg-type]
        tuple(sorted(keys)),
    )


def _rows(model: type[Model], found: Found, person: Person) -> QuerySet[Any] | None:
    """The rows of `model` about `person`, as the inventory says they are found."""
    if found is Found.THE_MEMBER:
        return model.filter(id=person.member_id)
    if found is Found.MEMBER_ID:
        return model.filter(member_id=person.member_id)
    if found is Found.SAME_PERSON:
        return model.filter(id__in=person.application_ids)
    if found is Found.MEMBER_OR_CASE:
        mine = Q(member_id=person.member_id)
        # No empty IN beside it: Tortoise writes it `OR 1=0`, and SQLite then scanned the
        # whole table instead of its two indexes (60 ms a termination at 100,000 members).
        return model.filter(mine | Q(case_id__in=person.case_ids) if person.case_ids else mine)
    if found is Found.THROTTLE_KEYS:
        return model.filter(key__in=person.rate_limit_keys)
    return None  # NEVER, NOT_ABOUT_MEMBERS: a test keeps their columns unerased


async def erase_person(member_id: int, now: datetime) -> None:
    """Erase the member's personal data in every row the inventory points to and record
    the scrub of the files as pending. Runs inside the termination's transaction, after
    the member became TERMINATED."""
    person = await find_person(member_id)
    # Requests and applications still pending can no longer be decided: closed, then
    # erased with the rest.
    closed = {"status": ApplicationStatus.REJECTED, "reviewed_at": now}
    await ProfileChangeRequest.filter(member_id=member_id, status=ApplicationStatus.PENDING).update(
        **closed
    )
    await MembershipApplication.filter(
        id__in=person.application_ids, status=ApplicationStatus.PENDING
    ).update(**closed)
    await delivery.cancel_for_member(member_id)
    models = registered_models()
    for name, table in INVENTORY.items():
        rows = _rows(models[name], table.found, person)
        if rows is None:
            continue
        if table.deletes_rows:
            await rows.delete()
        elif values := table.erased_values():
            await rows.update(**values)
    await PendingScrub.create(member_id=member_id, erased_at=now)


async def scrub_storage() -> int:
    """Make the values of every pending erasure gone from the database files (DESIGN
    §2). Returns how many erasures stay pending: on SQLite, while another connection's
    read snapshot keeps the write-ahead log from being emptied; a running server then
    retries them soon."""
    left = await _scrub()
    if left:
        Scrubber.poke()
    return left


def watch_scrubs(report: ScrubReport) -> None:
    """Have `report` told how every later scrub in this process went, whoever ran it: a
    server counts them on /metrics (app/server.py). Replaces the one told before."""
    global _watcher
    _watcher = report


def _tell(pending: int, scrubbed: bool | None) -> None:
    if _watcher is not None:
        _watcher(pending, scrubbed)


async def _scrub() -> int:
    newest = await PendingScrub.all().order_by("-id").limit(1).values_list("id", flat=True)
    if not newest:
        _tell(0, None)
        return 0
    scrubbed, detail = await _scrub_files()
    if scrubbed:

        async def done() -> None:
            async with transaction():
                # Not later ones: an erasure committed after the checkpoint began may be in
                # the log.
                await PendingScrub.filter(id__lte=newest[0]).delete()

        await retry_busy(done)
    left = await PendingScrub.all().count()
    _tell(left, scrubbed)
    if left:
        log.warning(
            "erasure pending: %d terminated member(s)' erased values may remain in the "
            "database's write-ahead log while another connection holds a read snapshot; "
            "retrying",
            left,
            extra={"fields": {"erasures_pending": left, **detail}},
        )
    return left


async def _scrub_files() -> tuple[bool, dict[str, int]]:
    """Whether the erased values are now gone from the files, and what SQLite said."""
    connection = connections.get("default")
    if connection.capabilities.dialect != "sqlite":
        # VACUUM cannot run inside a transaction block; this runs outside any.
        tables = erased_tables(registered_models())
        await connection.execute_script(f"VACUUM {', '.join(tables)}")
        return True, {}
    # Once per scrub, not per member: the merge rewrites the whole search index.
    await retry_busy(partial(optimize_search_index, connection))
    outcome = await connection.truncate_wal()
    frames = {"wal_frames": outcome.log, "wal_frames_checkpointed": outcome.checkpointed}
    return outcome.emptied, frames


async def is_pending(member_id: int) -> bool:
    return await PendingScrub.exists(member_id=member_id)


class Scrubber:
    """Retries pending scrubs for as long as a server runs (`retrying_scrubs`), with
    backoff while a reader blocks them, and once a minute for those other processes
    leave pending."""

    running: Scrubber | None = None  # the server's, in this process

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.wake = asyncio.Event()
        self.backoff = FIRST_RETRY_S

    @classmethod
    def poke(cls) -> None:
        """A scrub of this process was blocked: retry from the backoff's first step."""
        if cls.running is not None:
            # Erasure may run on another thread's loop (the tests' live servers).
            cls.running.loop.call_soon_threadsafe(cls.running.wake.set)

    async def run(self, delay: float) -> None:
        while True:
            if await self._woken_within(delay):
                self.backoff = FIRST_RETRY_S
                delay = self.schedule(pending=True)
            else:
                delay = self.schedule(pending=await self.attempt())

    def schedule(self, *, pending: bool) -> float:
        """Seconds to the next attempt: 1, 2, 4 ... 60 while erasures stay pending, then
        every 60; 60 when none are."""
        if not pending:
            self.backoff = FIRST_RETRY_S
            return LAST_RETRY_S
        delay, self.backoff = self.backoff, min(2 * self.backoff, LAST_RETRY_S)
        return delay

    async def attempt(self) -> bool:
        """One scrub; whether erasures stay pending."""
        try:
            return await _scrub() > 0
        except BaseORMException:  # the database is unavailable: try again later
            log.warning("erasure scrub failed; retrying", exc_info=True)
            return True

    async def _woken_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self.wake.wait(), seconds)
        except TimeoutError:
            return False
        self.wake.clear()
        return True


@asynccontextmanager
async def retrying_scrubs() -> AsyncIterator[None]:
    """Scrub erasures a previous run left pending, then keep retrying in the background
    while the block runs (the server's lifespan)."""
    scrubber = Scrubber(asyncio.get_running_loop())
    # Before serving: at most one checkpoint's wait (shortcuts/sqlite.py TRUNCATE_WAIT_S).
    delay = scrubber.schedule(pending=await scrubber.attempt())
    task = asyncio.create_task(scrubber.run(delay))
    Scrubber.running = scrubber
    try:
        yield
    finally:
        Scrubber.running = None
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
