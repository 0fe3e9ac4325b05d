"""GraphQL operations and small builders the points tests share."""

from __future__ import annotations

import itertools
from typing import Any

from core.ids import to_global_id
from models.enums import Role
from tests.conftest import Api, staff_token

RECORD = """
mutation($input: RecordPurchaseInput!) {
  recordPurchase(input: $input) {
    purchase { id orderRef amount refundedAmount pointsEarned occurredAt channel }
    tierChange { from { code } to { code } reason }
    member { id pointsBalance lifetimeSpend tier { code } }
    errors { field code message }
  }
}"""

REFUND = """
mutation($input: RefundPurchaseInput!) {
  refundPurchase(input: $input) {
    purchase { orderRef amount refundedAmount }
    member { pointsBalance lifetimeSpend }
    errors { field code message }
  }
}"""

REDEEM = """
mutation($input: RedeemPointsInput!) {
  redeemPoints(input: $input) {
    entry { id kind points balanceAfter reason idempotencyKey }
    member { pointsBalance }
    cashValue
    errors { field code message }
  }
}"""

ADJUST = """
mutation($input: AdjustPointsInput!) {
  adjustPoints(input: $input) {
    entry { id kind points balanceAfter reason createdBy { displayName } }
    member { pointsBalance }
    errors { field code message }
  }
}"""


_staff_numbers = itertools.count(1)


def gid(member_id: int) -> str:
    return to_global_id("Member", member_id)


async def staff_api(api: Api, role: Role = Role.OPERATIONS) -> Api:
    """A fresh staff user of `role` signed in (usernames `<role>-<n>`)."""
    return api.as_(await staff_token(role, f"{role.value.lower()}-{next(_staff_numbers)}"))


async def record(api: Api, member_id: int, order_ref: str, amount: str, **extra: Any) -> Any:
    variables = {
        "input": {"memberId": gid(member_id), "orderRef": order_ref, "amount": amount, **extra}
    }
    return (await api(RECORD, variables))["data"]["recordPurchase"]


async def adjust(api: Api, member_id: int, points: int, key: str, reason: str = "goodwill") -> Any:
    variables = {
        "input": {
            "memberId": gid(member_id),
            "points": points,
            "reason": reason,
            "idempotencyKey": key,
        }
    }
    return (await api(ADJUST, variables))["data"]["adjustPoints"]


async def redeem(
    api: Api, points: int, key: str, member_id: int | None = None, purpose: str = "GIFT"
) -> Any:
    payload: dict[str, Any] = {"points": points, "purpose": purpose, "idempotencyKey": key}
    if member_id is not None:
        payload["memberId"] = gid(member_id)
    return (await api(REDEEM, {"input": payload}))["data"]["redeemPoints"]
