"""The schema: per-domain Query/Mutation classes joined, guarded by the policy, extended.

Those classes (schema/<domain>_root.py) answer with the services' model rows where a
schema type is declared: strawberry reads each field off the row by name. The type
checker sees a model there, so those lines carry `# type: ignore[arg-type]` (or
`[return-value]`)."""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Annotated, Any

import strawberry
from strawberry.extensions.max_aliases import create_validator as aliases_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.schema.config import StrawberryConfig

from app.admission import Admission
from app.observability import OperationObserver
from auth import enforce
from auth.audit import AuditExtension
from auth.docs import describe_access
from core.settings import get_settings
from resolvers.nodes import fetch_node
from schema import columns, direct, inputs, prefetch
from schema.audit_root import AuditQuery
from schema.benefits_root import BenefitsMutation, BenefitsQuery
from schema.common import Node
from schema.communications_root import CommunicationsMutation, CommunicationsQuery
from schema.context import Info
from schema.documents import Documents
from schema.errors import ErrorShaping
from schema.execution import FastExecution, shortcut_fields
from schema.extension_hooks import Schema
from schema.members_root import MembersMutation, MembersQuery
from schema.points_root import PointsMutation, PointsQuery
from schema.scalars import SCALAR_MAP
from schema.staff_root import StaffMutation, StaffQuery
from schema.subscriptions_root import Subscription
from schema.tags_root import TagsMutation, TagsQuery
from schema.tiers_root import TiersMutation, TiersQuery


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
    CommunicationsQuery,
    AuditQuery,
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
    CommunicationsMutation,
):
    pass


def _extensions() -> list[object]:
    settings = get_settings()
    # The limit rules are made once: QueryDepthLimiter and MaxAliasesLimiter would make a
    # new rule class per request, and the validations kept are keyed by the rules.
    limits = [
        depth_validator(settings.max_depth, None, None),
        aliases_validator(settings.max_aliases),
    ]
    # The observer outermost: its log line and metrics see how the audit's commit went.
    return [
        OperationObserver,
        AuditExtension,
        ErrorShaping,
        partial(Documents, limits, settings.max_tokens),
        Admission,
    ]


@lru_cache(maxsize=1)
def build_schema() -> strawberry.Schema:
    """The schema, then what is bound to its resolvers once: relation fields read their
    loaders, text and date inputs are checked, every field with a policy row is guarded
    (the guard first) and says who may use it, and plain leaves and objects in hand get
    a short path."""
    schema = Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=_extensions(),  # type: ignore[arg-type]
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        execution_context_class=FastExecution,
    )
    prefetch.install(schema._schema)
    direct.install(schema)
    columns.install(schema)
    inputs.install(schema)
    guards = enforce.install(schema._schema)
    describe_access(schema._schema)
    FastExecution.fields = shortcut_fields(schema, guards)
    return schema
