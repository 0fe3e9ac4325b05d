"""Demo tags: the customer-tag policy's examples, as rules where they can be rules.

Marketing proposes every tag and operations approves it (four eyes), which computes
the rule tags at once; service staff put the manual VIP and "potential" tags on the
biggest spenders.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.progress import Progress
from app.seed import living_members
from models.enums import ReviewDecision, Role, TagCategory
from models.staff import StaffUser
from models.tag import TagDefinition
from services import tags
from services.clock import utcnow

BASIC, BEHAVIOR, VALUE = TagCategory.BASIC_INFO, TagCategory.BEHAVIOR, TagCategory.VALUE
VIP_SHARE = 0.05
POTENTIAL_SHARE = 0.10


def _when(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


# code, name, category, rule (None: assigned by hand)
DEMO_TAGS: list[tuple[str, str, TagCategory, Any]] = [
    ("age-18-25", "Age 18-25", BASIC, _when("age", "between", [18, 25])),
    ("age-26-35", "Age 26-35", BASIC, _when("age", "between", [26, 35])),
    ("age-36-45", "Age 36-45", BASIC, _when("age", "between", [36, 45])),
    ("age-46-plus", "Age 46+", BASIC, _when("age", "gte", 46)),
    ("frequency-high", "Buys often (3+ in 30 days)", BEHAVIOR, _when("ordersLast30d", "gte", 3)),
    (
        "frequency-medium",
        "Buys now and then (1-2 in 30 days)",
        BEHAVIOR,
        _when("ordersLast30d", "between", [1, 2]),
    ),
    (
        "frequency-low",
        "Buys rarely (at most 1 in 90 days)",
        BEHAVIOR,
        _when("ordersLast90d", "lte", 1),
    ),
    ("spend-high", "Spends 100,000+ a year", BEHAVIOR, _when("spendLast365d", "gte", 100000)),
    (
        "spend-medium",
        "Spends 30,000-100,000 a year",
        BEHAVIOR,
        {"all": [_when("spendLast365d", "gte", 30000), _when("spendLast365d", "lt", 100000)]},
    ),
    ("spend-low", "Spends under 30,000 a year", BEHAVIOR, _when("spendLast365d", "lt", 30000)),
    (
        "churned",
        "No purchase in 180 days",
        VALUE,
        {
            "any": [
                _when("daysSinceLastPurchase", "gte", 180),
                {
                    "all": [
                        _when("daysSinceLastPurchase", "eq", None),
                        _when("daysSinceJoined", "gte", 180),
                    ]
                },
            ]
        },
    ),
    ("vip", "VIP", VALUE, None),
    ("potential", "Potential high value", VALUE, None),
]


def _first(staff: list[StaffUser], role: Role) -> StaffUser:
    return next(s for s in staff if role.value in s.roles)


async def seed(member_ids: list[int], staff: list[StaffUser], progress: bool = True) -> None:
    now = utcnow()
    proposer, reviewer = _first(staff, Role.MARKETING), _first(staff, Role.OPERATIONS)
    taken = set(await TagDefinition.all().values_list("code", flat=True))
    # Approving a rule tag computes it for every member: the slow part at scale.
    bar = Progress(len(DEMO_TAGS), "tags") if progress else None
    for code, name, category, rule in DEMO_TAGS:
        # Tortoise types values_list as tuples, flat=True or not.
        if code not in taken:  # type: ignore[comparison-overlap]
            draft = tags.TagDraft(code, name, category, None, rule)
            tag = await tags.propose_tag_definition(draft, proposer.id, now)
            await tags.review_tag_definition(tag.id, ReviewDecision.APPROVE, None, reviewer.id, now)
        if bar is not None:
            bar.advance()
    await _assign_manual_tags(member_ids, _first(staff, Role.SERVICE), now, progress)


async def _assign_manual_tags(
    member_ids: list[int], assigner: StaffUser, now: Any, progress: bool
) -> None:
    spends = await living_members(member_ids, "id", "lifetime_spend")
    # Ordered in Python: SQLite keeps decimals as text, which would sort "9" after "10".
    ranked = [m for m, _ in sorted(spends, key=lambda row: Decimal(row[1]), reverse=True)]
    vip = round(len(ranked) * VIP_SHARE)
    potential = round(len(ranked) * (VIP_SHARE + POTENTIAL_SHARE))
    bar = Progress(potential, "manual tags") if progress and potential else None
    for index, member_id in enumerate(ranked[:potential]):
        code = "vip" if index < vip else "potential"
        await tags.assign_tag(member_id, code, assigner.id, now, "Demo: ranked by lifetime spend")
        if bar is not None:
            bar.advance()
