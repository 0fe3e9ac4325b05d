"""`python -m bench [--members N] [--json PATH]`: memberhub against the limit of its stack.

Builds one SQLite database through the services (`memberhub seed-demo`), starts
memberhub and the baseline (bench/baseline.py: plain Starlette + raw aiosqlite
answering the same JSON bytes) with uvicorn, and drives each workload from a
separate load process (bench/load.py). Prints a table and writes JSON.

With them, the scenarios at shop scale (bench/scale.py): a trivial query's latency while
two clients search, the search's own latency, the write-ahead log's largest size while
seeding and during W3, and each job's time and memory on a copy of the data set with W1's
p99 while one runs.

`--scenario login-flood` measures instead a plain query's latency, idle and while
six clients flood logins (bench/login_flood.py).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import login_flood, scale, servers, workloads, worst

ROOT = Path(__file__).resolve().parents[1]


def _cli(env: dict[str, str], *args: str) -> None:
    memberhub = str(Path(sys.executable).with_name("memberhub"))
    subprocess.run([memberhub, *args], cwd=ROOT, env={**os.environ, **env}, check=True)


def build_dataset(folder: Path, members: int) -> dict[str, str]:
    """The data set in `folder`: built when the folder holds none, else reused as it is."""
    key_file = folder / "data-key"
    reuse = key_file.exists()
    if not reuse:
        folder.mkdir(parents=True, exist_ok=True)
        key_file.write_text(base64.b64encode(os.urandom(32)).decode(), encoding="utf-8")
    env = {
        "MEMBERHUB_DATABASE_URL": f"sqlite://{folder / 'bench.db'}",
        "MEMBERHUB_DATA_KEY": key_file.read_text(encoding="utf-8"),
        "MEMBERHUB_ENV": "development",
        "BENCH_DATABASE": str(folder / "bench.db"),
    }
    if reuse:
        print(f"data set: reusing {folder}", file=sys.stderr)
        return env
    started = time.monotonic()
    _cli(env, "migrate")
    seeding: dict[str, Any] = {}
    with scale.sampling_wal(env, seeding, "wal_max_bytes"):
        _cli(env, "seed-demo", "--members", str(members))
    seeding["seconds"] = round(time.monotonic() - started)
    # Kept with the data set: a run reusing it (--data) reports how it was built.
    (folder / "seeding.json").write_text(json.dumps(seeding), encoding="utf-8")
    print(f"data set: {members} members in {seeding['seconds']} s", file=sys.stderr)
    return env


def _seeding(folder: Path) -> dict[str, Any]:
    path = folder / "seeding.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _python(module: str, *args: str, env: dict[str, str] | None = None) -> Any:
    """Run `python -m module` in its own process; its stdout is one JSON document."""
    out = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"{module} failed:\n{out.stderr}")
    return json.loads(out.stdout)


def _load(spec: dict[str, Any], folder: Path) -> dict[str, Any]:
    path = folder / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return _python("bench.load", str(path))


def _statements(env: dict[str, str]) -> dict[str, int]:
    return _python("bench.statements", env=env)


def measure(env: dict[str, str], folder: Path, seconds: float) -> dict[str, Any]:
    statements = _statements(env)
    results: dict[str, Any] = {}
    w3_wal: dict[str, Any] = {}
    with servers.memberhub(env) as hub_url, servers.baseline(env) as base_url:
        token = workloads.staff_token(hub_url)
        for name in workloads.NAMES:
            hub_spec, base_spec = workloads.specs(name, hub_url, base_url, token, env, seconds)
            workloads.check_same_bytes(name, hub_spec, base_spec)
            with scale.sampling_wal(env, w3_wal, name):
                hub = _load(hub_spec, folder)
            base = _load(base_spec, folder)
            alone = _load(workloads.one_client(name, hub_spec, env), folder)
            results[name] = {
                "rps": hub["rps"],
                "p50_ms": hub["p50_ms"],
                "p99_ms": hub["p99_ms"],
                "statements": statements[name],
                "baseline_rps": base["rps"],
                "baseline_p50_ms": base["p50_ms"],
                "baseline_p99_ms": base["p99_ms"],
                "errors": hub["errors"] + base["errors"],
                "ratio": round(hub["rps"] / base["rps"], 3) if base["rps"] else 0.0,
                # Latency without queueing behind other clients: what the data's size costs.
                "one_client_p50_ms": alone["p50_ms"],
                "one_client_p99_ms": alone["p99_ms"],
            }
        results["search-under-load"] = scale.search_under_load(hub_url, token, env, seconds, folder)
    results["wal"] = scale.wal(_seeding(folder), w3_wal["W3"])
    results["jobs"] = scale.jobs(env, folder, seconds)
    return results


def table(results: dict[str, dict[str, Any]]) -> str:
    head = (
        f"{'':4}{'rps':>9}{'p50 ms':>9}{'p99 ms':>9}{'stmts':>7}{'base rps':>10}{'ratio':>7}"
        f"{'1-client p50/p99 ms':>22}"
    )
    rows = [head]
    for name in workloads.NAMES:
        r = results[name]
        rows.append(
            f"{name:4}{r['rps']:>9.1f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}"
            f"{r['statements']:>7}{r['baseline_rps']:>10.1f}{r['ratio']:>7.2f}"
            f"{r['one_client_p50_ms']:>13.2f} / {r['one_client_p99_ms']:.2f}"
        )
    return "\n".join(rows) + "\n" + scale.table(results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--scenario",
        choices=("workloads", "login-flood", "worst-documents"),
        default="workloads",
        help="W1-W3 against the baseline (default), a plain query's latency while logins "
        "flood, or the time and memory of the costliest document each kind of caller may send",
    )
    parser.add_argument(
        "--members",
        type=int,
        help="members in the data set (default 10000; 200 for the other scenarios)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        help="length of each load phase (default 20 for the workloads, 15 for login-flood)",
    )
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    parser.add_argument(
        "--data",
        type=Path,
        help="keep the data set in this folder and reuse it on later runs (--members is "
        "then ignored); default: a temporary folder",
    )
    args = parser.parse_args(argv)
    small = args.scenario != "workloads"
    members = args.members or (200 if small else 10_000)
    with tempfile.TemporaryDirectory(prefix="memberhub-bench-") as tmp:
        folder = args.data or Path(tmp)
        env = build_dataset(folder, members)
        if args.scenario == "login-flood":
            results = login_flood.measure(env, folder, args.seconds or 15)
            report = login_flood.table(results)
        elif args.scenario == "worst-documents":
            results = worst.measure(env)
            report = worst.table(results)
        else:
            results = measure(env, folder, args.seconds or workloads.SECONDS)
            report = table(results)
    print(report)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
