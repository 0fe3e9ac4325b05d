"""The CLI forms operators' scripts rely on (DESIGN §5), run as a subprocess would."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

MEMBERHUB = str(Path(sys.executable).with_name("memberhub"))


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MEMBERHUB_DATABASE_URL": f"sqlite://{tmp_path}/cli.db"}
    return subprocess.run(
        [MEMBERHUB, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


def test_migrate_creates_then_upgrades_in_place(tmp_path):
    first = _run(tmp_path, "migrate")
    assert first.returncode == 0, first.stderr
    again = _run(tmp_path, "migrate")
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(tmp_path / "cli.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        assert {"member", "points_entry", "audit_entry", "staff_user"} <= tables
        # The ledger's append-only triggers come with the migrations, not only with tests.
        assert "points_entry_no_update" in tables
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_create_admin_then_refuses_the_same_username(tmp_path):
    assert _run(tmp_path, "migrate").returncode == 0
    created = _run(tmp_path, "create-admin", "--username", "root", "--password", "long-enough-pw")
    assert created.returncode == 0, created.stderr
    again = _run(tmp_path, "create-admin", "--username", "root", "--password", "long-enough-pw")
    assert again.returncode == 1
    assert "Traceback" not in again.stderr
    with sqlite3.connect(tmp_path / "cli.db") as db:
        roles = db.execute("SELECT roles FROM staff_user WHERE username = 'root'").fetchone()[0]
    assert "ADMIN" in roles


def test_unknown_job_is_a_usage_error(tmp_path):
    result = _run(tmp_path, "run-job", "no-such-job")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
