"""The CLI forms operators' scripts rely on, run as a subprocess would: only `migrate` and
`seed-demo` create a database, every other command names the database it acts on and
refuses one that is missing or not migrated."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from tortoise import connections

from app import backup as backup_module
from app.backup import BackupError, backup_sqlite
from app.cli import GIVE_WAY_NICENESS, parser
from app.jobs import JOBS
from tests.processes import ROOT, database_url, free_port, python_on, record_migrations

MEMBERHUB = str(Path(sys.executable).with_name("memberhub"))
NOT_READY = 3
# Every command that acts on an existing database, with the arguments it needs.
USERS = {
    "serve": ["--port", "0"],
    "create-admin": ["--username", "root", "--password", "long-enough-pw"],
    "run-job": ["tier-evaluation"],
    "verify-ledger": [],
    "backup": ["copy.db"],
}


@pytest.fixture
def cwd(tmp_path: Path) -> Path:
    """A working directory of the test's own: tmp_path holds the test's database."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    return folder


@pytest.fixture(scope="module")
def migrated_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("migrated")
    done = _run(folder, "migrate")
    assert done.returncode == 0, done.stderr
    return folder / "cli.db"


@pytest.fixture
def migrated(cwd: Path, migrated_once: Path) -> Path:
    """`cli.db` in `cwd`, as `memberhub migrate` leaves it (migrated once per module)."""
    source, copy = sqlite3.connect(migrated_once), sqlite3.connect(cwd / "cli.db")
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    return cwd / "cli.db"


def _run(
    cwd: Path, *args: str, url: str | None = None, timeout: int = 120
) -> subprocess.CompletedProcess[str]:
    """`memberhub ARGS` in `cwd` on the database `url`, by default `cli.db` in `cwd`."""
    env = {**os.environ, "MEMBERHUB_DATABASE_URL": url or f"sqlite://{cwd}/cli.db"}
    return subprocess.run(
        [MEMBERHUB, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def _refused(result: subprocess.CompletedProcess[str], command: str, where: str) -> None:
    assert result.returncode == NOT_READY, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{command}: database {where}\n"), result.stderr
    assert "memberhub migrate" in result.stderr


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_migrate_creates_then_upgrades_in_place(cwd):
    first = _run(cwd, "migrate")
    assert first.returncode == 0, first.stderr
    assert first.stderr == f"migrate: database SQLite file {cwd}/cli.db\n"
    again = _run(cwd, "migrate")
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(cwd / "cli.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        assert {"member", "points_entry", "audit_entry", "staff_user"} <= tables
        # The ledger's append-only triggers come with the migrations, not only with tests.
        assert "points_entry_no_update" in tables
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_create_admin_then_refuses_the_same_username(migrated, cwd):
    created = _run(cwd, "create-admin", "--username", "root", "--password", "long-enough-pw")
    assert created.returncode == 0, created.stderr
    again = _run(cwd, "create-admin", "--username", "root", "--password", "long-enough-pw")
    assert again.returncode == 1
    assert "Traceback" not in again.stderr
    with sqlite3.connect(cwd / "cli.db") as db:
        roles = db.execute("SELECT roles FROM staff_user WHERE username = 'root'").fetchone()[0]
    assert "ADMIN" in roles


# What a command's work sees of its own process: its niceness and its read budget.
_PROCESS_PROBE = """
import asyncio, os, sys
from app import cli
from shortcuts import sqlite

async def work():
    print(os.nice(0), sqlite._read_budget.get())
    return 0

sys.exit(asyncio.run(cli._with_db("probe", work)))
"""


def test_a_command_that_answers_no_requests_gives_way_to_the_server(migrated, cwd):
    # run-job, the worker and the other commands but serve: nothing waits on their loop
    done = python_on(f"sqlite://{migrated}", _PROCESS_PROBE)
    assert done.returncode == 0, done.stderr
    niceness, budget = done.stdout.split()
    assert int(niceness) == min(19, os.nice(0) + GIVE_WAY_NICENESS)
    assert float(budget) == float("inf")


def test_unknown_job_is_a_usage_error(cwd):
    result = _run(cwd, "run-job", "no-such-job")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "tier-evaluation" in result.stderr
    assert list(cwd.iterdir()) == []


@pytest.mark.parametrize("command", sorted(USERS))
def test_a_command_run_elsewhere_refuses_the_missing_default_database(cwd, command):
    # Given no MEMBERHUB_DATABASE_URL, the default file in the working directory, absent;
    env = {k: v for k, v in os.environ.items() if k != "MEMBERHUB_DATABASE_URL"}
    result = subprocess.run(
        [MEMBERHUB, command, *USERS[command]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # then the command names that file, refuses it, and leaves nothing behind.
    _refused(result, command, f"SQLite file {cwd}/memberhub.db")
    assert f"no database at {cwd}/memberhub.db" in result.stderr
    assert list(cwd.iterdir()) == []


@pytest.mark.parametrize("command", ["backup", "verify-ledger"])
def test_a_command_refuses_an_empty_file_and_leaves_it_as_it_was(cwd, command):
    (cwd / "cli.db").touch()
    result = _run(cwd, command, *USERS[command])
    _refused(result, command, f"SQLite file {cwd}/cli.db")
    assert "is an empty file" in result.stderr
    assert sorted(p.name for p in cwd.iterdir()) == ["cli.db"]
    assert (cwd / "cli.db").stat().st_size == 0


@pytest.mark.parametrize("command", ["serve", "run-job"])
def test_a_command_refuses_another_applications_database_untouched(cwd, command):
    with sqlite3.connect(cwd / "cli.db") as other:
        other.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    before = _digest(cwd / "cli.db")
    result = _run(cwd, command, *USERS[command])
    _refused(result, command, f"SQLite file {cwd}/cli.db")
    assert "is not migrated" in result.stderr
    assert _digest(cwd / "cli.db") == before
    assert not (cwd / "copy.db").exists()


def test_a_file_that_is_no_database_is_refused(cwd):
    (cwd / "cli.db").write_text("not a database\n" * 300)
    result = _run(cwd, "verify-ledger")
    assert result.returncode == NOT_READY
    assert "is not a SQLite database" in result.stderr and "Traceback" not in result.stderr


def test_a_database_missing_a_migration_is_refused_until_migrated(migrated, cwd):
    with sqlite3.connect(cwd / "cli.db") as db:
        (last,) = db.execute(
            "SELECT name FROM tortoise_migrations ORDER BY name DESC LIMIT 1"
        ).fetchone()
        db.execute("DELETE FROM tortoise_migrations WHERE name = ?", (last,))
    stale = _run(cwd, "verify-ledger")
    _refused(stale, "verify-ledger", f"SQLite file {cwd}/cli.db")
    assert f"lacks migration(s) {last}" in stale.stderr


def test_a_database_of_a_newer_version_is_refused(migrated, cwd):
    with sqlite3.connect(cwd / "cli.db") as db:
        db.execute(
            "INSERT INTO tortoise_migrations (app, name, applied_at) "
            "VALUES ('models', '9999_from_the_future', '2030-01-01 00:00:00')"
        )
    result = _run(cwd, "verify-ledger")
    assert result.returncode == NOT_READY
    assert "9999_from_the_future" in result.stderr and "newer version" in result.stderr


def test_migrate_names_a_missing_directory(cwd):
    result = _run(cwd, "migrate", url=f"sqlite://{cwd}/no/such/dir/cli.db")
    assert result.returncode == NOT_READY
    assert f"no directory {cwd}/no/such/dir" in result.stderr
    assert "Traceback" not in result.stderr


def test_seed_demo_migrates_first(cwd):
    result = _run(cwd, "seed-demo", "--members", "3", timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(f"seed-demo: database SQLite file {cwd}/cli.db\n")
    assert _run(cwd, "verify-ledger").returncode == 0


def test_serve_starts_on_a_migrated_database(migrated, cwd):
    port = free_port()
    env = {**os.environ, "MEMBERHUB_DATABASE_URL": f"sqlite://{cwd}/cli.db"}
    server = subprocess.Popen(
        [MEMBERHUB, "serve", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(1200):
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        else:
            raise AssertionError("memberhub serve did not become ready")
    finally:
        server.terminate()
        server.wait(30)
    assert server.stderr is not None
    assert server.stderr.readline() == f"serve: database SQLite file {cwd}/cli.db\n"


# ---------------------------------------------------------------- jobs


def test_a_job_prints_one_line_of_counts_and_json_for_scripts(migrated, cwd):
    as_of = "2025-03-31T16:00:00+00:00"
    line = _run(cwd, "run-job", "tier-evaluation", "--as-of", as_of)
    assert line.returncode == 0, line.stderr
    assert re.fullmatch(
        r"tier-evaluation: 0 members above the entry tier evaluated, 0 demoted "
        r"in \d+\.\d s \(as of 2025-03-31T16:00:00\+00:00\)\n",
        line.stdout,
    ), line.stdout
    scripted = _run(cwd, "run-job", "terminations", "--as-of", as_of, "--json")
    assert scripted.returncode == 0, scripted.stderr
    report = json.loads(scripted.stdout)
    assert report.pop("durationMs") >= 0
    assert report == {
        "job": "terminations",
        "asOf": as_of,
        "examined": 0,
        "changed": 0,
        "erasuresPending": 0,
    }


# ---------------------------------------------------------------- backup


def test_backup_refuses_a_missing_database_and_writes_nothing(cwd):
    result = _run(cwd, "backup", str(cwd / "copy.db"))
    _refused(result, "backup", f"SQLite file {cwd}/cli.db")
    assert list(cwd.iterdir()) == []


def test_backup_verifies_its_copy(migrated, cwd):
    admin = _run(cwd, "create-admin", "--username", "root", "--password", "pw-long-enough")
    assert admin.returncode == 0, admin.stderr
    done = _run(cwd, "backup", "copy.db")
    assert done.returncode == 0, done.stderr
    assert "integrity and row counts verified" in done.stdout
    source, copy = sqlite3.connect(cwd / "cli.db"), sqlite3.connect(cwd / "copy.db")
    try:
        assert backup_module.row_counts(copy) == backup_module.row_counts(source)
        assert copy.execute("SELECT username FROM staff_user").fetchall() == [("root",)]
    finally:
        source.close()
        copy.close()
    assert not (cwd / "copy.db.partial").exists()


def test_backup_refuses_to_overwrite_the_database_itself(migrated, cwd):
    before = _digest(cwd / "cli.db")
    result = _run(cwd, "backup", "cli.db")
    assert result.returncode == 1 and "is the database itself" in result.stderr
    assert _digest(cwd / "cli.db") == before


def test_a_copy_that_fails_verification_is_removed_and_the_old_backup_kept(
    migrated, cwd, monkeypatch
):
    target = cwd / "copy.db"
    target.write_text("yesterday's backup")
    counted = backup_module.row_counts

    def a_row_lost_in_the_copy(db):
        counts = counted(db)
        if db.execute("PRAGMA database_list").fetchone()[2].endswith(".partial"):
            counts["staff_user"] -= 1
        return counts

    monkeypatch.setattr(backup_module, "row_counts", a_row_lost_in_the_copy)
    with pytest.raises(BackupError, match="row counts differ .* staff_user"):
        backup_sqlite(cwd / "cli.db", target)
    assert target.read_text() == "yesterday's backup"
    assert not (cwd / "copy.db.partial").exists()


# ---------------------------------------------------------------- server databases


def test_a_server_database_is_named_without_its_password(cwd):
    url = "postgres://memberhub:s3cret-pw@127.0.0.1:1/memberhub"
    for command in ("verify-ledger", "migrate"):
        result = _run(cwd, command, url=url)
        assert result.returncode == NOT_READY
        assert result.stderr.startswith(
            f"{command}: database postgres://memberhub:***@127.0.0.1:1/memberhub\n"
        )
        assert "cannot connect" in result.stderr
        assert "s3cret-pw" not in result.stderr and "Traceback" not in result.stderr


async def test_the_cli_acts_only_once_the_database_records_every_migration(cwd):
    # The test's database is built from the models but records no migration: refused;
    url = database_url()
    unmigrated = _run(cwd, "verify-ledger", url=url)
    assert unmigrated.returncode == NOT_READY, unmigrated.stderr
    assert "is not migrated" in unmigrated.stderr
    # with every migration recorded, accepted; without the last one, refused again.
    await record_migrations()
    assert _run(cwd, "verify-ledger", url=url).returncode == 0
    client = connections.get("default")
    _, rows = await client.execute_query(
        "SELECT name FROM tortoise_migrations ORDER BY name DESC LIMIT 1"
    )
    last = rows[0]["name"]
    await client.execute_query(f"DELETE FROM tortoise_migrations WHERE name = '{last}'")
    stale = _run(cwd, "verify-ledger", url=url)
    assert stale.returncode == NOT_READY and f"lacks migration(s) {last}" in stale.stderr
    if url.startswith("postgres"):
        assert ":***@" in stale.stderr


# ---------------------------------------------------------------- help


def _subcommands(root: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found = {}
    for action in root._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = sub
                found.update({f"{name} {n}": s for n, s in _subcommands(sub).items()})
    return found


def test_every_argument_of_every_command_is_explained():
    commands = {"": parser(), **_subcommands(parser())}
    assert {"serve", "migrate", "create-admin", "seed-demo", "export-schema", "run-job"} <= set(
        commands
    )
    assert {"verify-ledger", "backup", "trusted-documents add"} <= set(commands)
    for name, sub in commands.items():
        assert sub.description, name
        for action in sub._actions:
            assert action.help, f"{name} {action.dest}"


@pytest.mark.parametrize("command", ["", *sorted(_subcommands(parser()))])
def test_help_cites_only_what_the_repository_holds(cwd, command):
    result = _run(cwd, *command.split(), "--help")
    assert result.returncode == 0, result.stderr
    assert "DESIGN" not in result.stdout and "§" not in result.stdout
    for cited in re.findall(r"\b(?:docs|models)/[\w/.-]*", result.stdout):
        assert (ROOT / cited).exists(), cited
    text = " ".join(result.stdout.split())  # argparse wraps a citation across lines
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for cited in re.findall(r'README[ ,(]+((?:"[^"]+"(?:, )?)+)', text):
        for section in re.findall(r'"([^"]+)"', cited):
            assert f"## {section}\n" in readme, section
    assert list(cwd.iterdir()) == []


def test_run_job_help_lists_every_job_with_its_line(cwd):
    result = _run(cwd, "run-job", "--help")
    listed = result.stdout.split("jobs:\n", 1)[1]
    for name, job in JOBS.items():
        assert re.search(rf"^  {name} +{re.escape(job.summary.split()[0])}", listed, re.M), name
