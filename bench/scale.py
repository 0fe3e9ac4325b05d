"""The scenarios at shop scale (issue 28), run beside W1-W3:

- search-under-load: the tier catalogue's latency from one client, idle and while two
  clients run the slowest member search the console sends (MemberSearch, first 100 with
  totalCount, a short term matching many members); and the search's own latency for a
  few typical terms, from one client, the terms taking turns for a few rounds.
- wal: the largest bench.db-wal seen (sampled every 0.2 s) while the data set was seeded
  and during W3.
- jobs: each job run by `memberhub run-job NAME --json` on a copy of the data set, its
  time and peak memory; and W1's p99 idle and while a job runs in a process beside it.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench import servers, workloads
from bench.probe import probe_while, result, start_load
from bench.servers import ROOT
from core.ids import to_global_id

SAMPLE_SECONDS = 0.2
SEARCHERS = 2
# Short terms that match most members: no index narrows them, each answer counts them all.
BROAD_TERMS = ("王", "13")
TERM_REQUESTS = 200
# Each term is searched this many times over, the terms taking turns, and reported by its
# median round: this machine's speed drifts by as much as 1.9x for seconds at a time (a
# fixed loop of plain Python, issue 28), which one run of a term can land in whole.
TERM_ROUNDS = 3
# The fixed loop timed before and after each round, reported beside the term's figures
# so that a reader can tell a slower server from a slower machine.
MACHINE_LOOP = 1_000_000
# Each job as of a moment that gives it work: far ahead, lots lapse and terminations fall
# due; a year ahead, lots expire within the notice's days. Notices before the expiry that
# would take their points.
JOB_AS_OF = {
    "tier-evaluation": timedelta(0),
    "tag-refresh": timedelta(0),
    "points-expiry-notice": timedelta(days=365),
    "points-expiry": timedelta(days=3 * 365),
    "terminations": timedelta(days=3 * 365),
    "case-deadlines": timedelta(0),
    "programmes": timedelta(0),
}
# Members of the copy whose termination has taken effect, one in TERMINATING_EVERY: the
# seed terminates nobody, and terminations erase and scrub what they find.
TERMINATING_EVERY = 100
# The job run beside W1: it reads every member and writes in batches.
BESIDE_W1 = "tag-refresh"
MIB = 1024 * 1024


class WalSampler:
    """The largest size of a database's write-ahead log seen while the block runs."""

    def __init__(self, database: str) -> None:
        self.wal = Path(database + "-wal")
        self.max_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            with suppress(FileNotFoundError):  # no log yet
                self.max_bytes = max(self.max_bytes, self.wal.stat().st_size)
            if self._stop.wait(SAMPLE_SECONDS):
                return

    def __enter__(self) -> WalSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _graphql(query: str, variables: dict[str, Any]) -> str:
    return json.dumps({"query": query, "variables": variables})


def _search(term: str) -> str:
    return _graphql(workloads.operation("MemberSearch"), {"first": 100, "filter": {"search": term}})


def _hub_spec(url: str, token: str, bodies: list[str], clients: int, seconds: float) -> dict:
    return {
        "url": url + "/graphql",
        "headers": {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        "bodies": bodies,
        "concurrency": clients,
        "requests": 10**9,
        "seconds": seconds,
        "error_marker": '"errors":[{',
    }


def typical_terms(url: str, token: str, env: dict[str, str]) -> dict[str, str]:
    """What staff type, taken from the data set's members: a 2-character and a
    3-character name, 4 digits of a phone, a fragment of an email address."""
    headers = {"Authorization": f"Bearer {token}"}
    terms: dict[str, str] = {}
    for pk in workloads.member_ids(env):
        variables = {"id": to_global_id("Member", pk)}
        body = {"query": workloads.operation("MemberDetail"), "variables": variables}
        member = httpx.post(url + "/graphql", json=body, headers=headers, timeout=30).json()
        person = member["data"]["member"]
        name, phone, email = person["name"] or "", person["phone"] or "", person["email"] or ""
        if len(name) in (2, 3):
            terms.setdefault(f"{len(name)}-char name", name)
        if len(phone) >= 7:
            terms.setdefault("4 phone digits", phone[3:7])
        if "@" in email:
            terms.setdefault("email fragment", email.split("@")[0][:5])
        if len(terms) == 4:
            break
    return terms


def search_under_load(
    url: str, token: str, env: dict[str, str], seconds: float, folder: Path
) -> dict[str, Any]:
    graphql = url + "/graphql"
    idle, _ = probe_while(graphql, None, seconds, folder)
    broad = [_search(term) for term in BROAD_TERMS]
    searches = _hub_spec(url, token, broad, SEARCHERS, seconds)
    loaded, searched = probe_while(graphql, searches, seconds, folder)
    assert searched is not None
    typical = typical_terms(url, token, env)
    rounds: dict[str, list[dict[str, Any]]] = {label: [] for label in typical}
    for _ in range(TERM_ROUNDS):
        for label, term in typical.items():
            spec = {**_hub_spec(url, token, [_search(term)], 1, seconds), "requests": TERM_REQUESTS}
            before = machine_loop_ms()
            figures = result(start_load(spec, folder / "term.json"))
            rounds[label].append({**figures, "machine_loop_ms": [before, machine_loop_ms()]})
    terms = {label: _median_round(term, rounds[label]) for label, term in typical.items()}
    return {
        "idle_p50_ms": idle["p50_ms"],
        "idle_p95_ms": idle["p95_ms"],
        "loaded_p50_ms": loaded["p50_ms"],
        "loaded_p95_ms": loaded["p95_ms"],
        "ratio_p95": round(loaded["p95_ms"] / idle["p95_ms"], 2) if idle["p95_ms"] else 0.0,
        "broad_search_p50_ms": searched["p50_ms"],
        "broad_search_p95_ms": searched["p95_ms"],
        "searches": searched["requests"],
        "errors": searched["errors"]
        + loaded["errors"]
        + sum(figures["errors"] for each in rounds.values() for figures in each),
        "terms": terms,
    }


def machine_loop_ms() -> float:
    """How long MACHINE_LOOP additions of plain Python take here now, in milliseconds."""
    started = time.perf_counter()
    total = 0
    for number in range(MACHINE_LOOP):
        total += number
    return round((time.perf_counter() - started) * 1000, 1)


def _median_round(term: str, rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """A term's figures from its median round by p50, and every round's p50."""
    ranked = sorted(rounds, key=lambda figures: figures["p50_ms"])
    median = ranked[len(ranked) // 2]
    return {
        "term": term,
        "p50_ms": median["p50_ms"],
        "p95_ms": median["p95_ms"],
        "rounds_p50_ms": [figures["p50_ms"] for figures in rounds],
        "rounds_machine_loop_ms": [figures["machine_loop_ms"] for figures in rounds],
    }


def copy_dataset(env: dict[str, str], folder: Path) -> dict[str, str]:
    """A copy of the data set (same data key) for the jobs to change, taken with SQLite's
    backup API (what is committed in the write-ahead log is in the copy), with one member
    in TERMINATING_EVERY due for termination."""
    target = folder / "jobs" / "bench.db"
    shutil.rmtree(target.parent, ignore_errors=True)
    target.parent.mkdir(parents=True)
    with (
        closing(sqlite3.connect(env["BENCH_DATABASE"])) as source,
        closing(sqlite3.connect(target)) as copy,
    ):
        source.backup(copy)
        # Written as Tortoise stores date-times on SQLite.
        due = (datetime.now(UTC) - timedelta(days=1)).isoformat(sep=" ")
        copy.execute(
            "UPDATE member SET status = 'TERMINATING', termination_effective_at = ?"
            " WHERE status = 'ACTIVE' AND id % ? = 0",
            (due, TERMINATING_EVERY),
        )
        copy.commit()
    return {**env, "MEMBERHUB_DATABASE_URL": f"sqlite://{target}", "BENCH_DATABASE": str(target)}


def _memberhub() -> str:
    return str(Path(sys.executable).with_name("memberhub"))


def _start_job(env: dict[str, str], name: str, as_of: datetime, log: Path) -> subprocess.Popen:
    argv = [_memberhub(), "run-job", name, "--json", "--as-of", as_of.isoformat()]
    with log.open("w", encoding="utf-8") as errors:
        return subprocess.Popen(
            argv, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=errors
        )


def finish_job(process: subprocess.Popen, started: float, log: Path) -> dict[str, Any]:
    """Wait for a `run-job --json` process: its report, wall time and peak memory (the
    child's own maximum resident set, from wait4's resource usage)."""
    assert process.stdout is not None
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    wall = time.monotonic() - started
    if process.returncode != 0:
        raise SystemExit(f"run-job failed:\n{log.read_text(encoding='utf-8')}")
    report = json.loads(out)
    return {
        "as_of": report["asOf"],
        "examined": report["examined"],
        "changed": report["changed"],
        "duration_ms": report["durationMs"],
        "wall_s": round(wall, 2),
        # ru_maxrss is in KiB on Linux.
        "max_rss_mib": round(usage.ru_maxrss * 1024 / MIB, 1),
    }


def run_job(env: dict[str, str], name: str, as_of: datetime, folder: Path) -> dict[str, Any]:
    log = folder / f"{name}.log"
    started = time.monotonic()
    return finish_job(_start_job(env, name, as_of, log), started, log)


def w1_beside_job(
    env: dict[str, str], folder: Path, timing: tuple[float, float], job: str, as_of: datetime
) -> dict[str, Any]:
    """W1 from one load process, idle and then while `job` runs in a process of its own.
    `timing` is (start-up, seconds) from an earlier run of the job: the loaded phase
    begins once the job is past its start-up (imports, connecting) and lasts `seconds`,
    so that it overlaps the job's work; the idle phase lasts as long."""
    startup, seconds = timing
    with servers.memberhub(env) as url:
        token = workloads.staff_token(url)
        spec, _ = workloads.specs("W1", url, url, token, env)
        spec = {**spec, "requests": 10**9, "seconds": seconds}
        idle = result(start_load(spec, folder / "w1.json"))
        log = folder / f"{job}-beside-w1.log"
        started = time.monotonic()
        running = _start_job(env, job, as_of, log)
        time.sleep(startup)
        loaded = result(start_load(spec, folder / "w1.json"))
        ran = finish_job(running, started, log)
    return {
        "job": job,
        "seconds": round(seconds, 2),
        "idle_p99_ms": idle["p99_ms"],
        "job_p99_ms": loaded["p99_ms"],
        "ratio_p99": round(loaded["p99_ms"] / idle["p99_ms"], 2) if idle["p99_ms"] else 0.0,
        "job_wall_s": ran["wall_s"],
        "errors": idle["errors"] + loaded["errors"],
    }


def jobs(env: dict[str, str], folder: Path, seconds: float) -> dict[str, Any]:
    """Every job on a copy of the data set, then W1 beside one of them again."""
    copy = copy_dataset(env, folder)
    now = datetime.now(UTC)
    runs = {name: run_job(copy, name, now + ahead, folder) for name, ahead in JOB_AS_OF.items()}
    alone = runs[BESIDE_W1]
    work = alone["duration_ms"] / 1000
    timing = (max(0.0, alone["wall_s"] - work), min(seconds, max(1.0, work)))
    return {"runs": runs, "w1": w1_beside_job(copy, folder, timing, BESIDE_W1, now)}


@contextmanager
def sampling_wal(env: dict[str, str], into: dict[str, Any], key: str) -> Iterator[None]:
    """Record in `into[key]` the largest write-ahead log seen while the block runs."""
    with WalSampler(env["BENCH_DATABASE"]) as sampler:
        yield
    into[key] = sampler.max_bytes


def wal(seeding: dict[str, Any], w3_max_bytes: int) -> dict[str, Any]:
    return {"seeding_max_bytes": seeding.get("wal_max_bytes"), "w3_max_bytes": w3_max_bytes}


def table(results: dict[str, Any]) -> str:
    rows: list[str] = []
    search = results.get("search-under-load")
    if search:
        rows += [
            "",
            f"search-under-load: tier catalogue from one client, idle and while {SEARCHERS} "
            f"clients search {' / '.join(BROAD_TERMS)} (first 100, totalCount)",
            f"  p50/p95 ms idle {search['idle_p50_ms']:.2f} / {search['idle_p95_ms']:.2f},"
            f" searching {search['loaded_p50_ms']:.2f} / {search['loaded_p95_ms']:.2f};"
            f" p95 ratio {search['ratio_p95']:.2f} (target <= 3)",
            f"  broad search p50/p95 ms {search['broad_search_p50_ms']:.2f} /"
            f" {search['broad_search_p95_ms']:.2f} ({search['searches']} searches)",
        ]
        for label, term in search["terms"].items():
            each = " ".join(f"{p50:.2f}" for p50 in term["rounds_p50_ms"])
            loops = " ".join(
                f"{before:.0f}/{after:.0f}" for before, after in term["rounds_machine_loop_ms"]
            )
            rows.append(
                f"  search {label:16} {term['term']!r:14} p50/p95 ms {term['p50_ms']:.2f} /"
                f" {term['p95_ms']:.2f} (target 20; rounds' p50 {each}; machine loop ms {loops})"
            )
        rows.append(
            f"  (machine loop: {MACHINE_LOOP:,} additions of plain Python, timed before/after"
            " each round in the rounds' order; longer means a slower machine at that moment)"
        )
    sizes = results.get("wal")
    if sizes:
        seeded = sizes["seeding_max_bytes"]
        seeding = "not sampled" if seeded is None else f"{seeded / MIB:.1f} MB"
        rows += [
            "",
            f"wal: largest bench.db-wal while seeding {seeding}, during W3"
            f" {sizes['w3_max_bytes'] / MIB:.1f} MB (target < 64 MB)",
        ]
    ran = results.get("jobs")
    if ran:
        rows += ["", f"jobs{'':20}{'examined':>10}{'changed':>9}{'ms':>10}{'wall s':>8}{'MiB':>7}"]
        for name, r in ran["runs"].items():
            rows.append(
                f"  {name:22}{r['examined']:>10}{r['changed']:>9}{r['duration_ms']:>10.0f}"
                f"{r['wall_s']:>8.1f}{r['max_rss_mib']:>7.0f}"
            )
        w1 = ran["w1"]
        rows.append(
            f"  W1 p99 ms idle {w1['idle_p99_ms']:.2f}, while {w1['job']} runs"
            f" {w1['job_p99_ms']:.2f}: ratio {w1['ratio_p99']:.2f} (target <= 2; each job"
            " target < 60 s)"
        )
    return "\n".join(rows)
