from pathlib import Path

from app.served_schema import export_sdl
from auth.docs import render

ROOT = Path(__file__).resolve().parents[2]


def test_exported_schema_matches_the_code():
    # Given the SDL built from the code, then schema.graphql at the root is the same text.
    assert (ROOT / "schema.graphql").read_text(encoding="utf-8") == export_sdl(), (
        "schema.graphql is stale: run `memberhub export-schema`"
    )


def test_permission_docs_match_the_policy():
    assert (ROOT / "docs" / "permissions.md").read_text(encoding="utf-8") == render(), (
        "docs/permissions.md is stale: run `python -m auth.docs > docs/permissions.md`"
    )
