"""The load generator, run in its own process: `python -m bench.load SPEC.json`.

SPEC names the URL, headers, a list of request bodies (used round-robin), the number
of concurrent clients and the bounds (requests and seconds); optionally the source
addresses the clients connect from (round-robin, e.g. 127.0.0.11 for a client the
server counts apart) and a `count_marker` whose answers are counted. It prints one JSON
object: requests, errors, counted, seconds, rps and latency percentiles in milliseconds.
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


async def _client(
    spec: dict[str, Any], state: dict[str, Any], latencies: list[float], source: str | None
) -> None:
    bodies = spec["bodies"]
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    transport = httpx.AsyncHTTPTransport(limits=limits, local_address=source)
    async with httpx.AsyncClient(timeout=30, transport=transport) as http:
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
            marker = spec.get("count_marker")
            if marker is not None and marker.encode() in response.content:
                state["counted"] += 1


def _ok(content: bytes, spec: dict[str, Any]) -> bool:
    marker = spec.get("error_marker")
    return marker is None or marker.encode() not in content


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    state = {
        "issued": 0,
        "errors": 0,
        "counted": 0,
        "deadline": time.perf_counter() + spec["seconds"],
    }
    latencies: list[float] = []
    sources = spec.get("sources") or [None]
    started = time.perf_counter()
    await asyncio.gather(
        *(
            _client(spec, state, latencies, sources[n % len(sources)])
            for n in range(spec["concurrency"])
        )
    )
    seconds = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": state["errors"],
        "counted": state["counted"],
        "seconds": round(seconds, 3),
        "rps": round(len(latencies) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
    }


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as spec_file:
        print(json.dumps(asyncio.run(run(json.load(spec_file)))))
