"""Tag definitions by ID (resolvers/nodes.py), for whom Query.tagDefinitions admits."""

from __future__ import annotations

from auth.errors import denial
from models.tag import TagDefinition as TagDefinitionModel
from resolvers.context import Context
from resolvers.loaders import by_id

tag_by_id = by_id(TagDefinitionModel)


async def tag_node(context: Context, pk: int) -> TagDefinitionModel | None:
    if not context.cell(("Query", "tagDefinitions")).allowed:
        raise denial(context.actor.is_anonymous, "tag definitions")
    return await context.loaders.get(tag_by_id).load(pk)
