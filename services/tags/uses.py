"""Each use of a tag to choose members, counted for the tag's utilisation (the tag
policy judges tags by how often marketing and service use them, and what they bring)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models.enums import TagUseKind
from models.tag import TagUse
from shortcuts.sql import insert_rows


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
