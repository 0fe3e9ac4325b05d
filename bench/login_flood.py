"""The login-flood scenario: an ordinary request's latency while logins flood (issue 21).

One client asks for the tier catalogue back to back, first with the server idle, then
while six clients send staff logins with wrong passwords as fast as they are
answered: from six source addresses, then all six from one. The flood's usernames
alternate between the demo staff and names that do not exist. Source addresses are
loopback aliases (127.0.0.11 ...), which Linux answers without any set-up.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench import servers
from bench.probe import HEADERS, probe_while

LOGIN = (
    "mutation StaffLogin($username: String!, $password: String!) { staffLogin(input: "
    "{username: $username, password: $password}) { session { token } errors { code } } }"
)
STAFF = ("admin", "operations", "service", "marketing", "analyst", "auditor")
FLOOD_CLIENTS = 6
# Each phase floods from addresses of its own, so one phase's throttle does not carry over.
PHASES = {
    "idle": [],
    "six addresses": [f"127.0.0.{11 + n}" for n in range(FLOOD_CLIENTS)],
    "one address": ["127.0.0.20"],
}
BODIES = 2000


def _flood_bodies(phase: str) -> list[str]:
    tag = phase.replace(" ", "-")
    return [
        json.dumps(
            {
                "query": LOGIN,
                "variables": {
                    "username": STAFF[n % len(STAFF)] if n % 2 else f"nobody-{tag}-{n}",
                    "password": f"wrong-password-{n}",
                },
            }
        )
        for n in range(BODIES)
    ]


def _phase(url: str, sources: list[str], phase: str, seconds: float, folder: Path) -> dict:
    flood = None
    if sources:
        flood = {
            "url": url,
            "headers": HEADERS,
            "bodies": _flood_bodies(phase),
            "concurrency": FLOOD_CLIENTS,
            "requests": 10**9,
            "seconds": seconds,
            "sources": sources,
            "count_marker": '"RATE_LIMITED"',
        }
    probe, logins = probe_while(url, flood, seconds, folder)
    row = {"p50_ms": probe["p50_ms"], "p95_ms": probe["p95_ms"], "requests": probe["requests"]}
    if logins is not None:
        row.update(
            logins=logins["requests"],
            logins_per_s=logins["rps"],
            refused=logins["counted"],
            login_p50_ms=logins["p50_ms"],
        )
    return row


def measure(env: dict[str, str], folder: Path, seconds: float) -> dict[str, dict[str, Any]]:
    with servers.memberhub(env) as hub_url:
        url = hub_url + "/graphql"
        _phase(url, [], "warm-up", 2, folder)
        return {
            phase: _phase(url, sources, phase, seconds, folder) for phase, sources in PHASES.items()
        }


def table(results: dict[str, dict[str, Any]]) -> str:
    rows = [
        "tier catalogue from one client, while six clients send logins with wrong passwords",
        f"{'':15}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}{'logins':>9}{'refused':>9}"
        f"{'login p50 ms':>14}",
    ]
    for phase, r in results.items():
        flood = (
            f"{r['logins']:>9}{r['refused']:>9}{r['login_p50_ms']:>14.2f}" if "logins" in r else ""
        )
        rows.append(f"{phase:15}{r['p50_ms']:>9.2f}{r['p95_ms']:>9.2f}{r['requests']:>9}{flood}")
    return "\n".join(rows)
