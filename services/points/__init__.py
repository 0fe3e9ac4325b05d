"""The points ledger, purchases and expiry (DESIGN §2 "Points ledger").

Public functions other domains call:
- `post_entry(conn, member_id, kind, points, now, ...)`: post one entry inside a transaction.
- `forfeit_balance(member_id, now, conn)`: forfeit the whole balance (termination).
- `ensure_points_active(member)`: InvalidState for members who may not earn or redeem.
- `post_histories(member_ids, script)`: whole purchase histories at once (demo data, imports).
"""

from services.points.earning import PurchaseResult, record_purchase, refund_purchase
from services.points.expiry import run_points_expiry
from services.points.expiry_notice import run_points_expiry_notice
from services.points.history import Book, post_histories
from services.points.ledger import (
    ensure_points_active,
    find_replay,
    forfeit_balance,
    locked_balance,
    post_entry,
)
from services.points.redemption import PointsResult, adjust_points, redeem_points
from services.points.rules import is_birthday
from services.points.verify import Violation, verify_ledger

__all__ = [
    "Book",
    "PointsResult",
    "PurchaseResult",
    "Violation",
    "adjust_points",
    "ensure_points_active",
    "find_replay",
    "forfeit_balance",
    "is_birthday",
    "locked_balance",
    "post_histories",
    "post_entry",
    "record_purchase",
    "redeem_points",
    "refund_purchase",
    "run_points_expiry",
    "run_points_expiry_notice",
    "verify_ledger",
]
