"""Types of customer tags: definitions, a member's tags, and the tag mutations' inputs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import attrgetter, methodcaller
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON
from tortoise.functions import Count

from auth.ownership import may_read
from auth.policy import SENSITIVE_FIELDS
from core.ids import to_global_id
from models.tag import MemberTag as MemberTagModel
from models.tag import TagDefinition as TagDefinitionModel
from resolvers.loaders import Loaders, group_by
from resolvers.tags import tag_by_id, utilisation_of
from schema.common import Node, UserError, errors_field, model_type
from schema.context import Info
from schema.effect import Days
from schema.enums import TagCategory, TagSource, TagStatus
from schema.staff import StaffUser
from services.clock import utcnow
from services.outreach import DEFAULT_DAYS
from services.tags import Assignment, Condition, Explanation, explain
from services.tags import TagEvaluation as Evaluation
from shortcuts import reads, relation, rows_in

if TYPE_CHECKING:
    from schema.members import Member

MemberRef = Annotated["Member", strawberry.lazy("schema.members")]


async def member_counts_by_tag_id(keys: Sequence[int]) -> list[int]:
    rows = (
        await MemberTagModel.filter(tag_id__in=set(keys))
        .annotate(n=Count("id"))
        .group_by("tag_id")
        .values_list("tag_id", "n")
    )
    counts = dict(rows)
    return [counts.get(key, 0) for key in keys]


async def error_rates_by_tag_id(keys: Sequence[int]) -> list[float]:
    """Each tag's error rate from its counters as they are now: a definition the reference
    data kept holds them as old as itself (COUNTERS in models/reference_data.py)."""
    rows = await TagDefinitionModel.filter(id__in=set(keys)).only(
        "id", "assignments_total", "errors_total"
    )
    rates = {row.id: row.error_rate for row in rows}
    return [rates.get(key, 0.0) for key in keys]


async def error_rate(root: strawberry.Parent[TagDefinitionModel], info: Info) -> float:
    return await info.context.loaders.get(error_rates_by_tag_id).load(root.id)


async def tags_by_member_id(keys: Sequence[int]) -> list[list[MemberTagModel]]:
    rows = await rows_in(MemberTagModel, "member_id", keys, ("assigned_at", "id"))
    return group_by(rows, "member_id", keys)


async def visible_tags_by_member_id(keys: Sequence[int]) -> list[list[MemberTagModel]]:
    """Each member's assignments of tags members may see (`visibleToMember`)."""
    rows = await MemberTagModel.filter(
        member_id__in=set(keys), tag__visible_to_member=True
    ).order_by("assigned_at", "id")
    return group_by(rows, "member_id", keys)


def _member_tags(loaders: Loaders) -> DataLoader[int, list[MemberTagModel]]:
    """A member's request reads only assignments of tags visible to members (DESIGN §9)."""
    return loaders.get(
        visible_tags_by_member_id if loaders.visible_tags_only else tags_by_member_id
    )


async def explanations(keys: Sequence[Assignment]) -> list[Explanation]:
    return await explain(keys, utcnow())


# The Member field each rule field's value derives from: a reader sees the member's value
# (and whether the condition holds, which tells it) only where they may read that field.
RULE_FIELD_SOURCES = {
    "age": "birthDate",
    "gender": "gender",
    "region": "address",
    "tierRank": "tier",
    "pointsBalance": "pointsBalance",
    "lifetimeSpend": "lifetimeSpend",
    "spendLast365d": "purchases",
    "ordersLast30d": "purchases",
    "ordersLast90d": "purchases",
    "daysSinceLastPurchase": "purchases",
    "daysSinceJoined": "joinedAt",
    "lifecycleStage": "lifecycleStage",
}


async def _staff(info: Info, staff_id: int | None) -> StaffUser | None:
    if staff_id is None:
        return None
    return await info.context.loaders.staff_by_id.load(staff_id)


# The window of a tag's utilisation.
From = Annotated[
    datetime, strawberry.argument(name="from", description="Start of the window (UTC).")
]
To = Annotated[
    datetime,
    strawberry.argument(description="End of the window, exclusive (UTC); not before from."),
]


@strawberry.type(
    description="How much a tag was used to choose members in a window [from, to): by a "
    "send's or a programme's audience, a campaign's audience on approval, a staff search."
)
class TagUtilisation:
    uses: int = strawberry.field(description="Times it was used.")
    members_reached: int = strawberry.field(
        description="Members its uses reached, summed: a send's contacted members; 0 for a "
        "search and for a campaign's approval (its membersReached tells whom it reached)."
    )
    purchases_after: int = strawberry.field(
        description="Purchases, not refunded in full, that the members a send reached made "
        "within `days` after it; uses with no send add none."
    )


@model_type(
    TagDefinitionModel,
    description="A customer tag: assigned by staff (manual) or computed from its rule. It "
    "becomes ACTIVE only once a staff member other than its proposer approves it.",
)
class TagDefinition(Node):
    code: str = strawberry.field(description="Unique code, e.g. VIP.")
    name: str = strawberry.field(description="Name shown to staff.")
    category: TagCategory = strawberry.field(description="The tag's family.")
    description: str | None = strawberry.field(description="What the tag means, if given.")
    status: TagStatus = strawberry.field(description="Review state.")
    rule: JSON | None = strawberry.field(
        description="Declarative rule (see the rule language); null for manual tags."
    )
    error_rate: float = strawberry.field(
        resolver=error_rate,
        description="Share of assignments reported wrong: errors / assignments ever made.",
    )
    visible_to_member: bool = strawberry.field(
        description="Whether members see their assignments of this tag (in Member.tags) and "
        "why they have it."
    )

    @strawberry.field(description="Global ID of the tag definition.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("TagDefinition", self.id))

    @strawberry.field(description="Who proposed it.")
    async def created_by(self, info: Info) -> StaffUser | None:
        return await _staff(info, self.created_by_id)

    @strawberry.field(description="Who approved or rejected it; null while PENDING_REVIEW.")
    async def reviewed_by(self, info: Info) -> StaffUser | None:
        return await _staff(info, self.reviewed_by_id)

    @strawberry.field(description="Members carrying the tag now.")
    async def member_count(self, info: Info) -> int:
        return await info.context.loaders.get(member_counts_by_tag_id).load(self.id)

    @strawberry.field(
        description="How much the tag was used to choose members in [from, to); from after "
        "to is INVALID."
    )
    async def utilisation(
        self, info: Info, from_: From, to: To, days: Days = DEFAULT_DAYS
    ) -> TagUtilisation | None:
        return await utilisation_of(info.context, self.id, from_, to, days)


@strawberry.type(description="One tag in the quarterly tag evaluation the tag policy asks for.")
class TagEvaluation:
    tag: TagDefinition = strawberry.field(description="The tag.")
    error_rate: float = strawberry.field(
        description="Share of its assignments reported wrong (all time, as TagDefinition)."
    )
    utilisation: TagUtilisation = strawberry.field(description="Its utilisation in the window.")
    last_refreshed_at: datetime | None = strawberry.field(
        description="When the tag-refresh job last computed it; null for a manual tag and "
        "before the first refresh."
    )

    @strawberry.field(description="Members holding it now.")
    async def holders(self, info: Info) -> int:
        return await info.context.loaders.get(member_counts_by_tag_id).load(self.tag.id)

    @classmethod
    def of(cls, found: Evaluation) -> TagEvaluation:
        return cls(
            tag=found.tag,  # type: ignore[arg-type]
            error_rate=found.tag.error_rate,
            utilisation=found.utilisation,  # type: ignore[arg-type]
            last_refreshed_at=found.tag.refreshed_at,
        )


@strawberry.type(description="One condition of a rule tag's rule, and how the member stands.")
class TagCondition:
    field: str = strawberry.field(description="The rule field, e.g. spendLast365d.")
    op: str = strawberry.field(
        description="The operator as written: eq, ne, gt, gte, lt, lte, between or in."
    )
    value: JSON = strawberry.field(description="The value as written in the rule.")
    member_value: JSON | None = strawberry.field(
        description="The member's current value of the field, as the rule compares it (age and "
        "days as whole units elapsed); null when unknown, when the reader may not read the "
        "member field it derives from, or when the member has withdrawn profiling consent from "
        "a BEHAVIOR or PREFERENCE tag."
    )
    met: bool | None = strawberry.field(
        description="Whether the condition holds for the member now, by the SQL the rule's "
        "evaluation runs; null when memberValue is withheld."
    )
    negated: bool = strawberry.field(
        description="Under an odd number of `not`: the rule needs this condition false."
    )
    path: str = strawberry.field(
        description='Where the condition sits in the rule, e.g. "all.1.not"; empty for a rule '
        "of one condition."
    )


@strawberry.type(description="Why a member has a tag.")
class TagExplanation:
    computed_at: datetime = strawberry.field(
        description="When the tag was last computed for the member (RULE: the later of the "
        "tag-refresh job and the member's refresh after a purchase or profile change); when "
        "it was assigned (MANUAL)."
    )
    assigned_by: StaffUser | None = strawberry.field(
        description="The staff user who assigned a MANUAL tag; null for RULE."
    )
    conditions: list[TagCondition] = strawberry.field(
        description="Each condition of a RULE tag's rule, all, any and not flattened, in order; "
        "empty for MANUAL."
    )


def _condition(info: Info, condition: Condition, member_id: int) -> TagCondition:
    context = info.context
    shown = condition.met is not None
    source = RULE_FIELD_SOURCES[condition.field]
    cell = context.cell(("Member", source))
    if not may_read(context.actor, cell, member_id) or cell.masked:
        shown = False
    elif shown and ("Member", source) in SENSITIVE_FIELDS:
        context.audit.read_clear(f"Member.{source}", to_global_id("Member", member_id))
    return TagCondition(
        field=condition.field,
        op=condition.op,
        value=condition.value,
        member_value=condition.member_value if shown else None,
        met=condition.met if shown else None,
        negated=condition.negated,
        path=condition.path,
    )


@model_type(MemberTagModel, description="A tag on a member.")
class MemberTag:
    source: TagSource = strawberry.field(description="Assigned by staff or computed by rule.")
    assigned_at: datetime = strawberry.field(description="When the member got it (UTC).")

    # A loader, not a join: a page carries a few definitions but many assignments.
    tag: TagDefinition = relation(methodcaller("get", tag_by_id), "tag_id", description="The tag.")
    assigned_by: StaffUser | None = relation(
        attrgetter("staff_by_id"),
        "assigned_by_id",
        description="The staff user who assigned a MANUAL tag; null for RULE.",
    )

    @strawberry.field(
        description="Why the member has the tag: the rule's conditions with the member's "
        "values, or who assigned it.",
        metadata=reads("member_id", "tag_id", "source", "assigned_at", "assigned_by_id"),
    )
    async def explanation(self, info: Info) -> TagExplanation:
        key = Assignment(
            self.member_id, self.tag_id, self.source, self.assigned_at, self.assigned_by_id
        )
        found = await info.context.loaders.get(explanations).load(key)
        return TagExplanation(
            computed_at=found.computed_at,
            assigned_by=await _staff(info, found.assigned_by_id),
            conditions=[_condition(info, c, self.member_id) for c in found.conditions],
        )


@strawberry.type
class MemberTagsFields:
    """Member fields of customer tags, joined into Member (schema/members.py)."""

    tags: list[MemberTag] | None = relation(
        _member_tags,
        "id",
        description="The member's tags, oldest assignment first; a member sees only those of "
        "tags visible to members (TagDefinition.visibleToMember).",
    )


@strawberry.input(description="A proposed tag definition.")
class TagDefinitionInput:
    code: str = strawberry.field(
        description="Unique code: 1 to 64 letters, digits or _ . : -, starting with a letter "
        "or digit."
    )
    name: str = strawberry.field(description="Name, 1 to 128 characters.")
    category: TagCategory = strawberry.field(description="The tag's family.")
    description: str | None = strawberry.field(
        default=None, description="What the tag means, up to 2,000 characters."
    )
    visible_to_member: bool = strawberry.field(
        default=False,
        description="Whether members see their assignments of the tag and why they have it.",
    )
    rule: JSON | None = strawberry.field(
        default=None,
        description='Omit for a manual tag. A rule tag\'s rule: {"all": [...]}, {"any": '
        '[...]}, {"not": ...} over conditions {"field": F, "op": OP, "value": V}; ops eq, ne, '
        "gt, gte, lt, lte, between ([low, high]), in ([...]); fields age, gender, region, "
        "tierRank, pointsBalance, lifetimeSpend, spendLast365d, ordersLast30d, ordersLast90d, "
        "daysSinceLastPurchase, daysSinceJoined, lifecycleStage (eq, ne, in; NEW, ACTIVE, "
        "HIGH_VALUE, AT_RISK, CHURNED; not in the rule of the VALUE tag VIP, which makes "
        "HIGH_VALUE). Unknown fields or ops are INVALID.",
    )


@strawberry.type(description="Result of a tag definition mutation.")
class TagDefinitionPayload:
    tag: TagDefinition | None = strawberry.field(
        default=None, description="The tag definition as saved; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.input(description="A member and a manual tag to put on or take off them.")
class AssignTagInput:
    member_id: strawberry.ID = strawberry.field(description="The member.")
    tag_code: str = strawberry.field(description="Code of an ACTIVE manual tag.")
    note: str | None = strawberry.field(
        default=None, description="Why, up to 2,000 characters (assignTag only)."
    )


@strawberry.type(description="Result of assignTag, removeTag and reportTagError.")
class MemberTagsPayload:
    member: MemberRef | None = strawberry.field(
        default=None, description="The member with their tags after the change."
    )
    errors: list[UserError] = errors_field()


@strawberry.input(description="A tag wrongly on a member.")
class ReportTagErrorInput:
    member_id: strawberry.ID = strawberry.field(description="The member.")
    tag_code: str = strawberry.field(description="Code of the tag the member carries wrongly.")
    note: str = strawberry.field(description="What is wrong, up to 2,000 characters.")
