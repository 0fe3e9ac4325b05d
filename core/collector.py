"""The garbage collector as a long-running memberhub process wants it.

What start-up built (modules, the schema, the models) lives as long as the process:
frozen out of the collector's generations, full collections stop walking it, which
halved a page of 100 members' p99 (issue 7). A request leaves no cycles
(tests/core/test_execution.py), so a young collection finds little garbage but walks the
objects in use: one every 700 allocations cost a member screen 7 % of its throughput, and
walked a job's batch of thousands of ledger rows again and again. What does become cyclic
garbage is still collected, later.
"""

from __future__ import annotations

import gc

# Allocations between young collections (Python's default is 700).
YOUNG_COLLECTION_EVERY = 10_000


def settle() -> None:
    """Freeze what exists now and collect young objects less often: call once start-up
    is done."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])
