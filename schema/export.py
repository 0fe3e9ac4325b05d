"""The exported SDL (schema.graphql at the root), checked for drift by a test."""

from schema.root import build_schema


def export_sdl() -> str:
    return str(build_schema()) + "\n"
