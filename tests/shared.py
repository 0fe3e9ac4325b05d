"""The design folder beside the clone (`../shared`: the public contract and the clients'
documents). CI checks it out there; a clone alone skips the tests that read it."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


def shared_path(*parts: str) -> Path:
    """A path inside ../shared; skips the calling test, or module, when the folder is absent."""
    if not SHARED.is_dir():
        pytest.skip(
            f"{SHARED} is absent: these tests read the contract and the clients' documents "
            "from ../shared beside the clone",
            allow_module_level=True,
        )
    return SHARED.joinpath(*parts)
