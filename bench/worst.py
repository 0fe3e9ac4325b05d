"""The most expensive document each kind of caller may send: the catalogue nested in
itself (the shape of the document that once stalled the server), aliased up to the
alias limit and filled up to the caller's cost budget (app/cost.py).

`worst_document(budget)` is that document; `extra=1` makes it one unit costlier than the
budget, still within the alias limit, so it must be refused.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from graphql import parse

from app.cost import operation_cost
from app.served_schema import served_schema
from core.settings import get_settings

# From the costliest to the cheapest; each counts every list by its bound.
UNITS = (
    "tiers { benefits { code name tiers { code } } }",
    "tiers { benefits { code name } }",
    "tiers { code name }",
)
UNIT = UNITS[0]


@cache
def _cost(text: str) -> int:
    settings = get_settings()
    schema = served_schema()._schema
    return operation_cost(schema, parse(text), None, None, settings.max_page_size, 10**15)


def _document(units: list[str]) -> str:
    return "{ " + " ".join(f"a{n}: {unit}" for n, unit in enumerate(units)) + " }"


def worst_document(budget: int, extra: int = 0) -> tuple[str, int]:
    """(document, cost): the costliest aliases of UNITS within `budget`, greedily; with
    `extra`, that many cheapest units upgraded to the next costlier one."""
    aliases = get_settings().max_aliases
    units: list[str] = []
    spent = 1
    for unit in UNITS:
        each = _cost("{ " + unit + " }") - 1
        while len(units) < aliases and spent + each <= budget:
            units.append(unit)
            spent += each
    for _ in range(extra):
        cheapest = max(range(len(units)), key=lambda n: UNITS.index(units[n]))
        units[cheapest] = UNITS[max(UNITS.index(units[cheapest]) - 1, 0)]
    text = _document(units)
    return text, _cost(text)


# ---------------------------------------------------------------- the scenario

KINDS = ("anonymous", "member", "staff")
RUNS = 5


def budgets() -> dict[str, int]:
    settings = get_settings()
    return {
        "anonymous": settings.max_cost_anonymous,
        "member": settings.max_cost_member,
        "staff": settings.max_cost,
    }


async def _fill_catalogue() -> dict[str, str]:
    """The catalogue at its bounds (every tier holds every benefit), so a document costs
    what it does; sessions for a member and an admin."""
    from decimal import Decimal

    from auth.authentication import issue_session
    from models.benefit import Benefit
    from models.enums import BenefitCategory
    from models.member import Member
    from models.staff import StaffUser
    from models.tier import Tier
    from services import limits
    from services.benefits import BenefitFields, upsert_benefit
    from services.clock import utcnow
    from services.tiers import TierFields, upsert_tier

    ladder = await Tier.all().order_by("rank")
    top = ladder[-1]
    for rank in range(top.rank + 1, top.rank + 1 + limits.TIERS - len(ladder)):
        spend = top.min_spend + Decimal(10_000 * rank)
        await upsert_tier(
            None, TierFields(f"B{rank}", f"Bench {rank}", rank, spend, rank * 10, Decimal(1))
        )
    codes = tuple(await Tier.all().values_list("code", flat=True))
    for n in range(limits.BENEFITS - await Benefit.all().count()):
        # Tortoise types values_list as tuples, flat=True or not.
        fields = BenefitFields(f"BENCH-{n}", f"Bench {n}", BenefitCategory.PRIORITY_SERVICE, codes)  # type: ignore[arg-type]
        await upsert_benefit(None, fields)
    now = utcnow()
    member = await Member.filter(status="ACTIVE").order_by("id").first()
    admin = await StaffUser.get(username="admin")
    return {
        "member": (await issue_session(now, member_id=member.id)).token,  # type: ignore[union-attr]
        "staff": (await issue_session(now, staff_id=admin.id)).token,
    }


def _rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _measure_kind(url: str, pid: int, kind: str, token: str | None) -> dict[str, Any]:
    document, cost = worst_document(budgets()[kind])
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"query": document}
    # The peak since now, not since the process started (Linux: clear_refs 5 resets it).
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    resident = _rss_kib(pid, "VmRSS")
    times: list[float] = []
    size = 0
    with httpx.Client(timeout=120) as http:
        for _ in range(RUNS):
            started = time.perf_counter()
            response = http.post(url + "/graphql", json=body, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            answer = response.json()
            if "errors" in answer:
                raise SystemExit(f"{kind}'s worst document was refused: {answer['errors'][0]}")
            size = len(response.content)
        healthz = _healthz_during(http, url, body, headers)
    return {
        "cost": cost,
        "p50_ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
        "response_bytes": size,
        "resident_before_mib": round(resident / 1024, 1),
        "peak_growth_mib": round((_rss_kib(pid, "VmHWM") - resident) / 1024, 1),
        "healthz_during_ms": healthz,
    }


def _healthz_during(http: httpx.Client, url: str, body: dict[str, str], headers: dict) -> float:
    """/healthz's latency while the worst document runs: whether the server stalls."""
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(http.post, url + "/graphql", json=body, headers=headers)
        time.sleep(0.005)  # let the document start first
        started = time.perf_counter()
        http.get(url + "/healthz")
        elapsed = (time.perf_counter() - started) * 1000
        running.result()
    return round(elapsed, 1)


def _refusal_ms(url: str) -> float:
    attack = "{tiers{benefits{tiers{benefits{tiers{benefits{tiers{code}}}}}}}}"
    started = time.perf_counter()
    response = httpx.post(url + "/graphql", json={"query": attack}, timeout=60)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    return round(elapsed, 1)


def measure(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    from bench import servers

    tokens = _prepare(env)
    with servers.memberhub(env) as url:
        results = {kind: _measure_kind(url, url.pid, kind, tokens.get(kind)) for kind in KINDS}
        results["reported attack"] = {"refused_in_ms": _refusal_ms(url)}
    return results


def _prepare(env: dict[str, str]) -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.worst"],
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"bench.worst failed:\n{out.stderr}")
    return json.loads(out.stdout)


def table(results: dict[str, dict[str, Any]]) -> str:
    rows = [
        "the costliest document each kind of caller may send (catalogue at its bounds)",
        f"{'':11}{'cost':>8}{'p50 ms':>9}{'max ms':>9}{'bytes':>10}{'RSS MiB':>9}"
        f"{'peak +MiB':>11}{'healthz ms':>12}",
    ]
    for kind in KINDS:
        r = results[kind]
        rows.append(
            f"{kind:11}{r['cost']:>8}{r['p50_ms']:>9.1f}{r['max_ms']:>9.1f}"
            f"{r['response_bytes']:>10}{r['resident_before_mib']:>9.1f}"
            f"{r['peak_growth_mib']:>11.1f}{r['healthz_during_ms']:>12.1f}"
        )
    rows.append(
        f"the reported document: refused in {results['reported attack']['refused_in_ms']} ms"
    )
    return "\n".join(rows)


async def _prepared() -> dict[str, str]:
    from models.db import close_db, init_db

    await init_db(get_settings().database_url)
    try:
        return await _fill_catalogue()
    finally:
        await close_db()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_prepared())))
