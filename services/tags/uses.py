"""Each use of a tag to choose members, counted for the tag's utilisation (the tag
policy judges tags by how often marketing and service use them, and what they bring)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models.enums import TagUseKind
from models.tag import TagUse
from shortcuts.sql import fetch_dicts, insert_rows, marks


@dataclass(frozen=True)
class _Use:
    tag_id: int
    kind: TagUseKind
    used_at: datetime
    members_reached: int
    outreach_id: int | None


async def record_tag_uses(
    conn: Any,
    tag_ids: Iterable[int],
    kind: TagUseKind,
    at: datetime,
    members_reached: int,
    outreach_id: int | None = None,
) -> None:
    """One use of each tag (once however often the audience names it), in `conn`'s
    transaction: counted with the send or search that used it, or not at all."""
    uses = [_Use(t, kind, at, members_reached, outreach_id) for t in sorted(set(tag_ids))]
    await insert_rows(conn, TagUse, uses)


async def record_uses_by_code(
    conn: Any,
    codes: Sequence[str],
    kind: TagUseKind,
    at: datetime,
    members_reached: int,
    outreach_id: int | None = None,
) -> None:
    """One use of each tag the codes name, in one statement (a code naming no tag counts
    nothing), in `conn`'s transaction (None: the default connection)."""
    wanted = sorted(set(codes))
    if not wanted:
        return
    await fetch_dicts(
        conn,
        "INSERT INTO tag_use (tag_id, kind, used_at, members_reached, outreach_id)"
        f" SELECT id, ?, ?, ?, ? FROM tag_definition WHERE code IN ({marks(len(wanted))})",
        (kind.value, at, members_reached, outreach_id, *wanted),
    )
