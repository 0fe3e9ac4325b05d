"""The bench carries the console documents it sends (bench/documents), so it runs from a
clone alone: each copy validates against the repository's schema and, where ../shared sits
beside the clone, is still the console's document word for word."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

from bench.workloads import DOCUMENTS
from tests.shared import shared_path

ROOT = Path(__file__).resolve().parents[2]
COPIES = sorted(DOCUMENTS.glob("*.graphql"))


def test_the_bench_carries_every_document_it_sends():
    names = {copy.stem for copy in COPIES}
    assert {"StaffLogin", "MemberDetail", "MemberSearch", "RecordPurchase"} <= names


@pytest.mark.parametrize("copy", COPIES, ids=lambda copy: copy.stem)
def test_each_copy_validates_against_the_repository_schema(copy):
    schema = build_schema((ROOT / "schema.graphql").read_text(encoding="utf-8"))
    assert validate(schema, parse(copy.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("copy", COPIES, ids=lambda copy: copy.stem)
def test_each_copy_is_the_consoles_document_verbatim(copy):
    original = shared_path("clients", "console", copy.name)
    assert copy.read_text(encoding="utf-8") == original.read_text(encoding="utf-8"), (
        f"bench/documents/{copy.name} differs from the console's: copy it again"
    )
