"""Writes docs/permissions.md from the policy table (`python -m auth.docs`)."""

from __future__ import annotations

import sys
from itertools import groupby

from auth.policy import POLICY, PUBLIC_ROOT_FIELDS, SCOPES
from models.enums import Role

HEADER = """# Permissions

Generated from `auth/policy.py` by `python -m auth.docs > docs/permissions.md`; a test
fails when this file is stale. Cells: `full` (clear value, or allowed), `masked`
(middle hidden), `self` (the calling member's own records only), `-` (denied: null plus
a FORBIDDEN error, or UNAUTHENTICATED for anonymous callers). Scopes narrow the rows:
{scopes}.

Open to every caller, signed in or not: {public}.
"""


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
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
