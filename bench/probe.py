"""A plain query's latency from one client, with the server idle or while a load of
other clients runs (bench.load processes, started side by side)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.servers import ROOT

PROBE = json.dumps({"query": "query Tiers { tiers { code name rank } }"})
HEADERS = {"Content-Type": "application/json"}


def start_load(spec: dict[str, Any], path: Path) -> subprocess.Popen[str]:
    path.write_text(json.dumps(spec), encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "bench.load", str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def result(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"bench.load failed:\n{err}")
    return json.loads(out)


def probe_spec(url: str, seconds: float) -> dict[str, Any]:
    """The tier catalogue asked back to back by one client for `seconds`."""
    return {
        "url": url,
        "headers": HEADERS,
        "bodies": [PROBE],
        "concurrency": 1,
        "requests": 10**9,
        "seconds": seconds,
        "error_marker": '"errors":[{',
    }


def probe_while(
    url: str, load: dict[str, Any] | None, seconds: float, folder: Path
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The probe's figures over `seconds`, and the load's if one ran beside it."""
    running = start_load(load, folder / "load.json") if load is not None else None
    probe = result(start_load(probe_spec(url, seconds), folder / "probe.json"))
    return probe, result(running) if running is not None else None
