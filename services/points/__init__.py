"""The points ledger, purchases and expiry (DESIGN §2 "Points ledger").

Public functions other domains call:
- `post_entry(conn, member_id, kind, points, now, ...)`: post one entry inside a transaction.
- `forfeit_balance(member_id, now, conn)`: forfeit the whole balance (termination).
"""

from services.points.ledger import find_replay, forfeit_balance, locked_balance, post_entry

__all__ = ["find_replay", "forfeit_balance", "locked_balance", "post_entry"]
