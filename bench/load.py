"""The load generator, run in its own process: `python -m bench.load SPEC.json`.

SPEC names the URL, headers, a list of request bodies (used round-robin), the number
of concurrent clients and the bounds (requests and seconds). It prints one JSON
object: requests, errors, seconds, rps and latency percentiles in milliseconds.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import httpx


def percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, round(share * (len(sorted_values) - 1)))
    return sorted_values[index]


async def _client(spec: dict[str, Any], state: dict[str, Any], latencies: list[float]) -> None:
    bodies = spec["bodies"]
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        while state["issued"] < spec["requests"] and time.perf_counter() < state["deadline"]:
            body = bodies[state["issued"] % len(bodies)]
            state["issued"] += 1
            started = time.perf_counter()
            response = await http.request(
                spec.get("method", "POST"), spec["url"], content=body, headers=spec["headers"]
            )
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200 or not _ok(response.content, spec):
                state["errors"] += 1


def _ok(content: bytes, spec: dict[str, Any]) -> bool:
    marker = spec.get("error_marker")
    return marker is None or marker.encode() not in content


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    state = {"issued": 0, "errors": 0, "deadline": time.perf_counter() + spec["seconds"]}
    latencies: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(_client(spec, state, latencies) for _ in range(spec["concurrency"])))
    seconds = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": state["errors"],
        "seconds": round(seconds, 3),
        "rps": round(len(latencies) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
    }


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as spec_file:
        print(json.dumps(asyncio.run(run(json.load(spec_file)))))
