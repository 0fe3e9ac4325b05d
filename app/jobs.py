"""Scheduled jobs runnable from `memberhub run-job NAME [--as-of]` (DESIGN §5).

Each maps to the service function that the matching `run*` mutation also calls;
it takes `as_of` and returns a JobReport-like result.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable

JOB_TARGETS: dict[str, str] = {
    "tier-evaluation": "services.tiers:run_tier_evaluation",
    "points-expiry": "services.points:run_points_expiry",
    "tag-refresh": "services.tags:run_tag_refresh",
    "terminations": "services.members:run_terminations",
}


def job(name: str) -> Callable[..., Awaitable[object]] | None:
    target = JOB_TARGETS.get(name)
    if target is None:
        return None
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)  # type: ignore[no-any-return]
