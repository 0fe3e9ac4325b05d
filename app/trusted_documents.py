"""Trusted documents: the manifest of operations the first-party apps may send.

The manifest is a JSON object {sha256: document}, the common persisted-documents
format. A document's hash is taken over its canonical printed form, so the same
operation hashes alike whether a client sends the .graphql file's text, its own
printing of it (gql, Apollo), or only the hash (`extensions.persistedQuery.sha256Hash`
or `documentId`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from graphql import DocumentNode, GraphQLSchema, parse, print_ast, validate

from shortcuts.by_identity import ByIdentity

DOCUMENT_ID_PREFIX = "sha256:"


def document_hash(document: DocumentNode) -> str:
    return hashlib.sha256(print_ast(document).encode("utf-8")).hexdigest()


# Per parsed document (it lives as long as the parse cache keeps it, or its request).
_HASHES: ByIdentity[str] = ByIdentity(kept=1024)


def parsed_hash(document: DocumentNode) -> str:
    """`document_hash`, worked out once per parsed document."""
    return _HASHES.get((document,), None, lambda: document_hash(document))


def requested_hash(payload: dict[str, Any] | None, document_id: Any = None) -> str | None:
    """The hash a request names, if any (APQ `persistedQuery` or spec `documentId`)."""
    persisted = (payload or {}).get("persistedQuery")
    candidate = persisted.get("sha256Hash") if isinstance(persisted, dict) else document_id
    if not isinstance(candidate, str):
        return None
    return candidate.removeprefix(DOCUMENT_ID_PREFIX).lower()


def read_manifest(path: str | Path) -> dict[str, str]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValueError(f"{path}: a trusted-documents manifest maps sha256 hashes to documents")
    return data


@lru_cache(maxsize=4)
def _cached_manifest(path: str, mtime_ns: int) -> dict[str, str]:
    return read_manifest(path)


def manifest(path: str) -> dict[str, str]:
    """The manifest as it is on disk now (re-read when the file changes, no restart)."""
    try:
        mtime_ns = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return {}
    return _cached_manifest(path, mtime_ns)


def add_documents(
    manifest_path: str | Path, files: Iterable[str | Path], schema: GraphQLSchema
) -> list[tuple[str, Path]]:
    """Validate each file against the schema and add it to the manifest; (hash, file) each."""
    documents = read_manifest(manifest_path)
    added = []
    for file in map(Path, files):
        document = parse(file.read_text(encoding="utf-8"))
        errors = validate(schema, document)
        if errors:
            raise ValueError(f"{file}: {errors[0].message}")
        digest = document_hash(document)
        documents[digest] = print_ast(document)
        added.append((digest, file))
    target = Path(manifest_path)
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(json.dumps(documents, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    temporary.replace(target)
    return added
