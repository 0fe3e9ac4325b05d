"""The benefits domain's records by ID (resolvers/nodes.py)."""

from __future__ import annotations

from auth.ownership import check_ownership
from models.benefit import Benefit as BenefitModel
from models.benefit import BenefitUsage as BenefitUsageModel
from resolvers.context import Context


async def benefit_node(context: Context, pk: int) -> BenefitModel | None:
    return await BenefitModel.get_or_none(id=pk)


async def usage_node(context: Context, pk: int) -> BenefitUsageModel | None:
    """Readers of Member.benefitUsages read any usage; a member reads their own."""
    usage = await BenefitUsageModel.get_or_none(id=pk)
    check_ownership(
        context.actor,
        context.cell(("Member", "benefitUsages")),
        usage,
        what="benefit usages",
        not_yours="Members may read their own benefit usages only.",
    )
    return usage
