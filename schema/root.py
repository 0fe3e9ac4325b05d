"""The schema: per-domain Query/Mutation classes joined, guarded by the policy, extended.

Those classes (schema/<domain>_root.py) answer with the services' model rows where a
schema type is declared: strawberry reads each field off the row by name. The type
checker sees a model there, so those lines carry `# type: ignore[arg-type]` (or
`[return-value]`)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Annotated, Any

import strawberry
from strawberry.extensions.max_aliases import create_validator as aliases_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.schema.config import StrawberryConfig

import shortcuts
from auth import enforce
from auth.docs import describe_access
from auth.introspection import may_introspect
from core.settings import get_settings
from resolvers.nodes import fetch_node
from schema import inputs
from schema.audit_root import AuditQuery
from schema.auditing import AuditExtension
from schema.benefits_root import BenefitsMutation, BenefitsQuery
from schema.campaigns_root import CampaignsMutation, CampaignsQuery
from schema.common import Node
from schema.communications_root import CommunicationsMutation, CommunicationsQuery
from schema.context import Info
from schema.delivery_root import DeliveryMutation, DeliveryQuery
from schema.documents import Documents
from schema.errors import ErrorShaping, is_meant
from schema.jobs_root import JobsQuery
from schema.members_root import MembersMutation, MembersQuery
from schema.points_root import PointsMutation, PointsQuery
from schema.programmes_root import ProgrammesMutation, ProgrammesQuery
from schema.reference_data import ReferenceDataOnce
from schema.scalars import SCALAR_MAP
from schema.staff_root import StaffMutation, StaffQuery
from schema.subscriptions_root import Subscription
from schema.tags_root import TagsMutation, TagsQuery
from schema.tiers_root import TiersMutation, TiersQuery
from schema.webhooks import WebhooksMutation, WebhooksQuery


async def node(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A global ID from any record.")],
) -> Any:
    return await fetch_node(info.context, id)


@strawberry.type
class NodeQuery:
    node: Node | None = strawberry.field(
        resolver=node,
        description="Any record by its global ID; null when there is none. Its fields are "
        "guarded as everywhere else.",
    )


@strawberry.type(
    description="What can be read. Staff and members sign in with staffLogin or memberLogin "
    "and send the token as `Authorization: Bearer <token>`; each field says who may read it."
)
class Query(
    NodeQuery,
    StaffQuery,
    MembersQuery,
    TiersQuery,
    PointsQuery,
    BenefitsQuery,
    TagsQuery,
    CampaignsQuery,
    ProgrammesQuery,
    CommunicationsQuery,
    DeliveryQuery,
    WebhooksQuery,
    AuditQuery,
    JobsQuery,
):
    pass


@strawberry.type(
    description="What can be changed. A mutation refused for its input or the records' state "
    "answers with UserErrors in its payload's `errors` (codes listed per mutation) and changes "
    "nothing; one the caller's role may not run answers with a FORBIDDEN (or UNAUTHENTICATED) "
    "GraphQL error."
)
class Mutation(
    StaffMutation,
    MembersMutation,
    TiersMutation,
    PointsMutation,
    BenefitsMutation,
    TagsMutation,
    CampaignsMutation,
    ProgrammesMutation,
    CommunicationsMutation,
    DeliveryMutation,
    WebhooksMutation,
):
    pass


def own_extensions() -> list[object]:
    """The schema's own extensions, outermost first: the audit entry, error shaping, the
    document's parsing and validation, and a query's one read of the reference data. The
    app puts its own around them."""
    settings = get_settings()
    # The limit rules are made once: QueryDepthLimiter and MaxAliasesLimiter would make a
    # new rule class per request, and the validations kept are keyed by the rules.
    limits = [
        depth_validator(settings.max_depth, None, None),
        aliases_validator(settings.max_aliases),
    ]
    return [
        AuditExtension,
        ErrorShaping,
        partial(Documents, limits, settings.max_tokens),
        ReferenceDataOnce,
    ]


# `extensions` outermost first, the app's around own_extensions(). The shortcuts are
# installed on shared classes, so a process builds one schema: app/served_schema.py keeps it.
def build_schema(extensions: Sequence[object]) -> strawberry.Schema:
    """The schema, with its shortcuts installed (shortcuts/__init__.py): text and date
    inputs are checked, every field with a policy row is guarded (the guard outermost)
    and says who may use it."""
    schema = strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,  # type: ignore[arg-type]
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        execution_context_class=shortcuts.FastExecution,
    )
    shortcuts.install(
        schema,
        wrappers=[inputs.install],
        guard=enforce.install,
        hides_schema_from=lambda context: not may_introspect(context),
        is_meant=is_meant,
    )
    describe_access(schema._schema)
    return schema
