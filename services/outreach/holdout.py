"""Who of an audience is held out, and the record of who was.

A member is held out when a hash of the run's seed and their id falls below the share:
the draw needs no state, does not depend on the audience's order, and anyone holding the
recorded seed can draw it again and check it.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import F

from models.enums import CommunicationCategory, ContactChannel, OutreachKind
from models.outreach import Outreach, OutreachMember
from services.errors import Invalid
from shortcuts.sql import insert, insert_rows

MAX_SHARE = 0.5
# Rows per INSERT: a 100,000-member audience is a hundred statements.
INSERT_BATCH = 1000
_SCALE = 2**64


@dataclass(frozen=True)
class Draw:
    contacted: list[int]
    held_out: list[int]


@dataclass(frozen=True)
class _Row:
    outreach_id: int
    member_id: int
    held_out: bool


def new_seed() -> int:
    """A seed for one run's draw, kept with the run (a signed 63-bit integer: BIGINT)."""
    return secrets.randbits(63)


def clean_share(share: float, field: tuple[str, ...]) -> float:
    """A holdout share from 0 to 0.5 (DESIGN §10); Invalid at `field` otherwise."""
    if not math.isfinite(share) or not 0 <= share <= MAX_SHARE:
        raise Invalid(f"A holdout share is from 0 to {MAX_SHARE}.", field)
    return share


def held_out(seed: int, member_id: int, share: float) -> bool:
    digest = hashlib.sha256(f"{seed}:{member_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") < share * _SCALE


def draw(member_ids: Sequence[int], share: float, seed: int) -> Draw:
    """The audience split into those contacted and those held out, in the audience's order."""
    contacted: list[int] = []
    kept: list[int] = []
    for member_id in member_ids:
        (kept if share and held_out(seed, member_id, share) else contacted).append(member_id)
    return Draw(contacted, kept)


async def record_outreach(
    conn: Any,
    kind: OutreachKind,
    at: datetime,
    seed: int,
    share: float,
    drawn: Draw,
    *,
    programme: str | None = None,
    staff_id: int | None = None,
    channel: ContactChannel | None = None,
    category: CommunicationCategory | None = None,
) -> Outreach:
    """The outreach and each member of its audience, held out or not, in `conn`'s
    transaction: written with the messages it sends, or not at all."""
    outreach = Outreach(
        kind=kind,
        programme=programme,
        at=at,
        seed=seed,
        holdout_share=share,
        contacted=len(drawn.contacted),
        held_out=len(drawn.held_out),
        created_by_id=staff_id,
        channel=channel,
        category=category,
    )
    await insert(conn, outreach)
    await _record_members(conn, outreach.id, drawn)
    return outreach


async def add_to_outreach(conn: Any, outreach_id: int, drawn: Draw) -> None:
    """Add a further part of an outreach's audience (a programme run's batch), counted
    with it, in `conn`'s transaction: written with the messages it sends, or not at all."""
    await _record_members(conn, outreach_id, drawn)
    await (
        Outreach.filter(id=outreach_id)
        .using_db(conn)
        .update(
            contacted=F("contacted") + len(drawn.contacted),
            held_out=F("held_out") + len(drawn.held_out),
        )
    )


async def _record_members(conn: Any, outreach_id: int, drawn: Draw) -> None:
    rows = [_Row(outreach_id, m, False) for m in drawn.contacted]
    rows += [_Row(outreach_id, m, True) for m in drawn.held_out]
    for start in range(0, len(rows), INSERT_BATCH):
        await insert_rows(conn, OutreachMember, rows[start : start + INSERT_BATCH])
