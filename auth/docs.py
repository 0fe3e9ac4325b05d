"""The policy in words: docs/permissions.md (`python -m auth.docs`) and the access note
each guarded or public field of the schema carries in its description (GraphiQL's
documentation pane), both rendered from auth/policy.py so neither can drift from it."""

from __future__ import annotations

import sys
from itertools import groupby

from graphql import GraphQLObjectType, GraphQLSchema

from auth.policy import OPEN_FIELDS, POLICY, PUBLIC_ROOT_FIELDS, SCOPES, Cell
from models.enums import Role

HEADER = """# Permissions

Generated from `auth/policy.py` by `python -m auth.docs > docs/permissions.md`; a test
fails when this file is stale. Cells: `full` (clear value, or allowed), `masked`
(middle hidden), `self` (the calling member's own records only), `-` (denied: null plus
a FORBIDDEN error, or UNAUTHENTICATED for anonymous callers). Scopes narrow the rows:
{scopes}.

Open to every caller, signed in or not: {public}.
"""

OPEN_HEADER = """
## Open fields

No row of their own: whoever reaches the record, through the guarded fields above, reads
them. A schema with a field in none of the tables, the list of fields open to every
caller or this one is not built.

| type | fields |
|---|---|"""

ACCESS = "Access (from the permission policy): "
PUBLIC_ACCESS = ACCESS + "every caller, signed in or not."
DENIED_READ = "Any other caller gets null and a FORBIDDEN error"
DENIED_ACTION = "Any other caller is refused with a FORBIDDEN error"
WHEN_ANONYMOUS = " (UNAUTHENTICATED when not signed in)."
# Root types whose fields act rather than read.
ACTIONS = frozenset({"Mutation", "Subscription"})


def render() -> str:
    roles = list(Role)
    scopes = "; ".join(f"`{key}` = {text}" for key, text in SCOPES.items())
    public = ", ".join(f"`{t}.{f}`" for t, f in sorted(PUBLIC_ROOT_FIELDS))
    lines = [HEADER.format(scopes=scopes, public=public)]
    for type_name, rows in groupby(POLICY.items(), key=lambda item: item[0][0]):
        lines.append(f"\n## {type_name}\n")
        lines.append("| field | " + " | ".join(r.value for r in roles) + " |")
        lines.append("|---" * (len(roles) + 1) + "|")
        for (_, field), cells in rows:
            labels = [cells[r].label() if r in cells else "-" for r in roles]
            lines.append(f"| {field} | " + " | ".join(labels) + " |")
    lines.append(OPEN_HEADER)
    for type_name, fields in sorted(OPEN_FIELDS.items()):
        lines.append(f"| {type_name} | " + ", ".join(sorted(fields)) + " |")
    return "\n".join(lines) + "\n"


def _terms(cell: Cell, masking: bool) -> str:
    terms = ["in clear"] if masking and cell.kind == "full" else []
    if cell.kind == "self":
        terms.append("own records only")
    if cell.masked:
        terms.append("masked: the middle hidden")
    if cell.scope:
        terms.append(SCOPES[cell.scope])
    return ", ".join(terms)


def access_note(type_name: str, field_name: str) -> str | None:
    """Who may read or call the field, in a sentence; None for a field the policy leaves
    open to whoever may read its parent."""
    key = (type_name, field_name)
    if key in PUBLIC_ROOT_FIELDS:
        return PUBLIC_ACCESS
    cells = POLICY.get(key)
    if cells is None:
        return None
    masking = any(cell.masked for cell in cells.values())
    roles_by_terms: dict[str, list[str]] = {}
    for role in Role:
        cell = cells.get(role)
        if cell is not None and cell.allowed:
            roles_by_terms.setdefault(_terms(cell, masking), []).append(role.value)
    parts = [
        ", ".join(roles) + (f" ({terms})" if terms else "")
        for terms, roles in roles_by_terms.items()
    ]
    denied = DENIED_ACTION if type_name in ACTIONS else DENIED_READ
    return f"{ACCESS}{'; '.join(parts)}. {denied}{WHEN_ANONYMOUS}"


def describe_access(schema: GraphQLSchema) -> None:
    """Append its access note to the description of every field that has one."""
    for type_name, graphql_type in schema.type_map.items():
        if not isinstance(graphql_type, GraphQLObjectType) or type_name.startswith("__"):
            continue
        for field_name, field in graphql_type.fields.items():
            note = access_note(type_name, field_name)
            if note is not None:
                field.description = f"{field.description}\n\n{note}" if field.description else note


if __name__ == "__main__":
    sys.stdout.write(render())
