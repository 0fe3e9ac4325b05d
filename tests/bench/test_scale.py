"""The scale scenarios' parts (bench/scale.py) on small things: what they sample, copy and
report. Timing nothing: the bench itself measures."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from bench import scale


def test_the_wal_sampler_keeps_the_largest_size_seen(tmp_path: Path) -> None:
    database = tmp_path / "bench.db"
    wal = tmp_path / "bench.db-wal"
    with scale.WalSampler(str(database)) as sampler:
        wal.write_bytes(b"x" * 5000)
        time.sleep(3 * scale.SAMPLE_SECONDS)
        wal.write_bytes(b"x" * 10)  # checkpointed and truncated
        time.sleep(2 * scale.SAMPLE_SECONDS)
    assert sampler.max_bytes == 5000


def test_the_copy_holds_what_is_committed_in_the_wal(tmp_path: Path) -> None:
    source = tmp_path / "bench.db"
    with closing(sqlite3.connect(source)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA wal_autocheckpoint=0")
        db.execute(
            "CREATE TABLE member (id INTEGER PRIMARY KEY, status TEXT,"
            " termination_effective_at TEXT)"
        )
        rows = [(n, "ACTIVE") for n in range(1, 301)]
        db.executemany("INSERT INTO member (id, status) VALUES (?, ?)", rows)
        db.commit()
        env = {"BENCH_DATABASE": str(source), "MEMBERHUB_DATABASE_URL": f"sqlite://{source}"}
        copy = scale.copy_dataset(env, tmp_path)
    assert copy["MEMBERHUB_DATABASE_URL"] == f"sqlite://{tmp_path / 'jobs' / 'bench.db'}"
    with closing(sqlite3.connect(copy["BENCH_DATABASE"])) as db:
        assert db.execute("SELECT count(*) FROM member").fetchone() == (300,)
        # One member in TERMINATING_EVERY is due for the terminations job.
        due = "SELECT id FROM member WHERE status = 'TERMINATING' AND termination_effective_at < ?"
        now = datetime.now(UTC).isoformat(sep=" ")
        assert db.execute(due, (now,)).fetchall() == [(100,), (200,), (300,)]


def test_a_jobs_report_time_and_peak_memory_come_from_its_process(tmp_path: Path) -> None:
    # given a child that holds about 64 MiB and prints a run-job --json report
    report = {"asOf": "2026-01-01T00:00:00+00:00", "examined": 3, "changed": 1}
    code = (
        "import json; held = bytearray(64 * 1024 * 1024); "
        f"print(json.dumps({{**{report!r}, 'durationMs': 12.5}}))"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    log = tmp_path / "job.log"
    log.write_text("", encoding="utf-8")
    ran = scale.finish_job(child, time.monotonic(), log)
    assert (ran["examined"], ran["changed"], ran["duration_ms"]) == (3, 1, 12.5)
    assert 64 <= ran["max_rss_mib"] < 256 and ran["wall_s"] >= 0
    assert child.returncode == 0


def test_the_table_names_each_figure_and_its_target() -> None:
    term = {
        "term": "王芳",
        "p50_ms": 3.0,
        "p95_ms": 5.0,
        "rounds_p50_ms": [4.0, 3.0, 2.5],
        "rounds_machine_loop_ms": [[120.0, 110.0], [98.0, 99.0], [175.0, 160.0]],
    }
    run = {"examined": 10, "changed": 2, "duration_ms": 900.0, "wall_s": 1.6, "max_rss_mib": 90.0}
    results = {
        "search-under-load": {
            "idle_p50_ms": 1.0,
            "idle_p95_ms": 2.0,
            "loaded_p50_ms": 2.0,
            "loaded_p95_ms": 5.0,
            "ratio_p95": 2.5,
            "broad_search_p50_ms": 40.0,
            "broad_search_p95_ms": 60.0,
            "searches": 50,
            "terms": {"2-char name": term},
        },
        "wal": {"seeding_max_bytes": None, "w3_max_bytes": 32 * scale.MIB},
        "jobs": {
            "runs": {"tag-refresh": run},
            "w1": {"job": "tag-refresh", "idle_p99_ms": 4.0, "job_p99_ms": 6.0, "ratio_p99": 1.5},
        },
    }
    text = scale.table(results)
    assert "p95 ratio 2.50 (target <= 3)" in text
    assert (
        "'王芳'" in text
        and "rounds' p50 4.00 3.00 2.50; machine loop ms 120/110 98/99 175/160)" in text
    )
    assert "while seeding not sampled, during W3 32.0 MB (target < 64 MB)" in text
    assert "tag-refresh" in text and "ratio 1.50 (target <= 2" in text
    json.dumps(results)  # what --json writes
