"""`memberhub ...`: the command line operators and scripts use.

Every command that uses the database names it on stderr first. Only `migrate` (and
`seed-demo`, which migrates first) may create or upgrade one; the others refuse a database
that is missing or not migrated, so a command run from the wrong directory or with the
wrong MEMBERHUB_DATABASE_URL fails loudly instead of acting on an empty file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from core import collector
from core.settings import InvalidSetting, get_settings

Command = Callable[[argparse.Namespace], Awaitable[int]]
COMMANDS: dict[str, Command] = {}

# Exit statuses: 0 done, 1 the command failed (a refused admin, ledger violations, a failed
# backup), 2 usage (argparse, or a setting memberhub cannot run with), 3 the database is
# missing or not migrated.
FAILED = 1
USAGE = 2
NOT_READY = 3


def command(name: str) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        COMMANDS[name] = fn
        return fn

    return register


def _announce(name: str) -> str:
    """The database URL, after telling the operator which database `name` acts on."""
    from app.database_check import describe

    url = get_settings().database_url
    print(f"{name}: database {describe(url)}", file=sys.stderr)
    return url


# What a process that answers no requests adds to its CPU niceness (see `_with_db`).
GIVE_WAY_NICENESS = 10


async def _with_db(
    name: str, work: Callable[[], Awaitable[int]], *, migrate_first: bool = False
) -> int:
    from app.database_check import DatabaseNotReady, open_migrated
    from app.database_check import migrate as run_migrations
    from models.db import close_db
    from services.audit import ensure_head
    from shortcuts.sqlite import no_read_budget

    # Before any thread starts, which inherits it: on a machine shared with the server, a
    # job's batches wait for the CPU rather than the server's requests for them. Best
    # effort: a policy may forbid it, and it is no reason not to run.
    with suppress(OSError, AttributeError):
        os.nice(GIVE_WAY_NICENESS)
    url = _announce(name)
    try:
        if migrate_first:
            await run_migrations(url)
        await open_migrated(url)
    except DatabaseNotReady as error:
        print(f"{name}: {error}", file=sys.stderr)
        return NOT_READY
    try:
        await ensure_head()
        # A job's batches and the worker's runs allocate as the server's requests do.
        collector.settle()
        # No request waits on this process's loop: a long read is not worth interrupting.
        with no_read_budget():
            return await work()
    finally:
        await close_db()


@command("migrate")
async def migrate(args: argparse.Namespace) -> int:
    from app.database_check import DatabaseNotReady
    from app.database_check import migrate as run_migrations

    try:
        await run_migrations(_announce("migrate"))
    except DatabaseNotReady as error:
        print(f"migrate: {error}", file=sys.stderr)
        return NOT_READY
    print("database is up to date")
    return 0


@command("create-admin")
async def create_admin(args: argparse.Namespace) -> int:
    from models.enums import Role
    from services import staff
    from services.clock import utcnow
    from services.errors import DomainError

    async def work() -> int:
        try:
            user = await staff.create_staff_user(
                args.username,
                args.display_name or args.username,
                args.password,
                [Role.ADMIN],
                utcnow(),
            )
        except DomainError as error:
            print(f"create-admin: {error.message}", file=sys.stderr)
            return FAILED
        print(f"created admin {user.username}")
        return 0

    return await _with_db("create-admin", work)


@command("seed-demo")
async def seed_demo(args: argparse.Namespace) -> int:
    from app.seed_demo import seed_demo

    async def work() -> int:
        print(await seed_demo(args.members))
        return 0

    return await _with_db("seed-demo", work, migrate_first=True)


@command("export-schema")
async def export_schema(args: argparse.Namespace) -> int:
    from app.served_schema import export_sdl

    text = export_sdl()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


@command("run-job")
async def run_job(args: argparse.Namespace) -> int:
    from app.jobs import job as find_job
    from app.jobs import report, summary
    from app.progress import terminal_bar
    from services.clock import utcnow
    from services.schedules import run_recorded

    job = find_job(args.job)
    assert job is not None  # argparse keeps to the known jobs
    as_of = args.as_of or utcnow()
    # A bar on terminals only: scheduled runs log to files.
    progress = terminal_bar(args.job) if sys.stderr.isatty() else None

    async def work() -> int:
        # Recorded as a JobRun like the worker's runs: jobRuns shows cron's runs too.
        result = await run_recorded(args.job, as_of, partial(job, progress=progress))
        print(json.dumps(report(result)) if args.json else summary(result))
        return 0

    return await _with_db("run-job", work)


@command("worker")
async def worker(args: argparse.Namespace) -> int:
    import logging.config

    from app.logs import logging_config
    from app.worker import run_worker, stop_on_signals

    logging.config.dictConfig(logging_config())
    stop = stop_on_signals()

    async def work() -> int:
        try:
            await run_worker(stop)
        except ValueError as error:  # a malformed channel setting, named in the message
            print(f"worker: {error}", file=sys.stderr)
            return FAILED
        return 0

    return await _with_db("worker", work)


@command("verify-ledger")
async def verify_ledger(args: argparse.Namespace) -> int:
    from services.points import verify_ledger

    async def work() -> int:
        violations = await verify_ledger()
        for violation in violations:
            print(f"verify-ledger: {violation}", file=sys.stderr)
        if violations:
            return FAILED
        print("ledger ok: every invariant holds")
        return 0

    return await _with_db("verify-ledger", work)


@command("backup")
async def backup(args: argparse.Namespace) -> int:
    from app.backup import BackupError, backup_sqlite, sqlite_file
    from app.database_check import DatabaseNotReady

    url = _announce("backup")
    try:
        source = sqlite_file(url)
    except DatabaseNotReady as error:
        print(f"backup: {error}", file=sys.stderr)
        return NOT_READY
    except BackupError as error:
        print(f"backup: {error}", file=sys.stderr)
        return FAILED
    try:
        done = await asyncio.to_thread(backup_sqlite, source, Path(args.path))
    except (BackupError, sqlite3.Error, OSError) as error:
        print(f"backup: {error}; {args.path} left as it was", file=sys.stderr)
        return FAILED
    print(
        f"backed up {source} to {args.path}: {done.tables} tables, {done.rows:,} rows, "
        "integrity and row counts verified"
    )
    return 0


@command("trusted-documents")
async def trusted_documents(args: argparse.Namespace) -> int:
    from graphql import GraphQLError

    from app.served_schema import served_schema
    from app.trusted_documents import add_documents

    manifest = args.manifest or get_settings().trusted_documents_file
    try:
        added = add_documents(manifest, args.files, served_schema()._schema)
    except (ValueError, GraphQLError, OSError) as error:
        print(f"trusted-documents: {error}", file=sys.stderr)
        return 1
    for digest, file in added:
        print(f"sha256:{digest}  {file}")
    print(f"{manifest}: {len(added)} document(s) added")
    return 0


def _parse_as_of(value: str) -> datetime:
    """--as-of as the API takes asOf: ISO 8601 with an offset, within 1900-2200."""
    from schema.scalars import parse_datetime
    from services.errors import Invalid
    from services.validation import check_moment

    try:
        return check_moment(parse_datetime(value), ("asOf",))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    except Invalid as error:
        raise argparse.ArgumentTypeError(error.message) from None


EPILOG = """\
Configuration comes from MEMBERHUB_* environment variables (README, "Configuration").
The database is MEMBERHUB_DATABASE_URL: sqlite:///absolute/path.db, sqlite://relative.db
(relative to the working directory; the default is sqlite://memberhub.db) or
postgres://user:password@host:port/db. Every command that uses it names it on stderr;
only migrate and seed-demo create or upgrade one, the others refuse a database that is
missing or not migrated.

exit status: 0 done, 1 failed, 2 usage error, 3 database missing or not migrated.
`memberhub COMMAND --help` explains each command; README ("Command line", "Operations")
and docs/ say more."""


def _jobs_epilog() -> str:
    from app.jobs import JOBS

    width = max(map(len, JOBS)) + 2
    lines = ["jobs:"]
    for name, job in JOBS.items():
        wrapped = textwrap.wrap(job.summary, 88 - width - 2)
        lines.append(f"  {name:<{width}}{wrapped[0]}")
        lines += [" " * (width + 2) + more for more in wrapped[1:]]
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    from app.jobs import JOBS

    raw = argparse.RawDescriptionHelpFormatter
    root = argparse.ArgumentParser(
        prog="memberhub",
        description=textwrap.fill(
            "memberhub, the membership and loyalty GraphQL API: its server and the commands "
            "operators and scripts run.",
            88,
        ),
        epilog=EPILOG,
        formatter_class=raw,
    )
    sub = root.add_subparsers(
        dest="command", required=True, metavar="COMMAND", help="`COMMAND --help` says more"
    )

    serve = sub.add_parser(
        "serve",
        help="run the API server",
        description="Serve /graphql (POST and GET, GraphiQL in browsers, subscriptions over "
        "graphql-transport-ws), /healthz, /readyz and /metrics with uvicorn. Refuses to start "
        "on a database that is missing or not migrated: run `memberhub migrate` first.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", metavar="H", help="listen address (default: %(default)s)"
    )
    serve.add_argument(
        "--port", type=int, default=8000, metavar="P", help="TCP port (default: %(default)s)"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="server processes (default: %(default)s); several share one PostgreSQL "
        'database (README, "PostgreSQL and several processes")',
    )
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="start no `memberhub worker` beside the server (deployments that run workers "
        "apart); by default one runs and stops with it",
    )

    sub.add_parser(
        "migrate",
        help="create or upgrade the database",
        description="Create the database named by MEMBERHUB_DATABASE_URL if it does not exist, "
        "or upgrade it to this version (the migrations in models/migrations/). Idempotent: "
        "run it before each new version starts.",
    )

    admin = sub.add_parser(
        "create-admin",
        help="create an ADMIN staff user",
        description="Create a staff user with the ADMIN role, who can then create the other "
        "staff users through the API. Exits 1 when the username is taken or the password "
        "is refused.",
    )
    admin.add_argument("--username", required=True, metavar="U", help="the name to sign in with")
    admin.add_argument(
        "--password", required=True, metavar="P", help="the password (at least 8 characters)"
    )
    admin.add_argument(
        "--display-name", metavar="NAME", help="name shown to other staff (default: the username)"
    )

    seed = sub.add_parser(
        "seed-demo",
        help="migrate, then load demo data",
        description="Migrate the database (creating it if needed), then load demo data: staff "
        "users of every role, the tier ladder, benefits, tags, members with purchases and "
        "service cases. For trying memberhub out, never for production.",
    )
    seed.add_argument(
        "--members", type=int, default=200, metavar="N", help="demo members (default: %(default)s)"
    )

    export = sub.add_parser(
        "export-schema",
        help="write the GraphQL SDL",
        description="Write the schema the server serves, as GraphQL SDL. Uses no database.",
    )
    export.add_argument(
        "output",
        nargs="?",
        default="schema.graphql",
        metavar="PATH",
        help="file to write (default: %(default)s; - for standard output)",
    )

    job = sub.add_parser(
        "run-job",
        help="run a scheduled job now",
        description=textwrap.fill(
            "Run one scheduled job now, as its run* mutation would, and print one line of "
            "counts (or --json). A progress bar on a terminal.",
            88,
        ),
        epilog=_jobs_epilog(),
        formatter_class=raw,
    )
    job.add_argument("job", choices=list(JOBS), metavar="JOB", help="the job to run, listed below")
    job.add_argument(
        "--as-of",
        type=_parse_as_of,
        metavar="ISO",
        help="the moment the job runs as, ISO 8601 with an offset, e.g. "
        "2025-03-31T16:00:00+08:00 (default: now)",
    )
    job.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object for scripts (job, asOf, examined, changed, durationMs, "
        "erasuresPending) instead of the line of counts",
    )

    sub.add_parser(
        "worker",
        help="deliver the outbox until stopped",
        description="Send due deliveries (EMAIL over MEMBERHUB_SMTP_URL, SMS and APP_PUSH to "
        "their gateways, else to MEMBERHUB_DELIVERY_SINK), retrying with backoff, until "
        "SIGTERM or SIGINT: the send in progress finishes, then it exits 0. Several workers "
        'may share one database (README, "Channels and the worker").',
    )

    sub.add_parser(
        "verify-ledger",
        help="check every points-ledger invariant",
        description="Check every points-ledger invariant over the whole database: running "
        "balances, member balances, lots covering every debit, purchases against their "
        "points and refunds, the ledger's guard triggers. Prints `ledger ok` and exits 0, or "
        "names each member in violation on stderr and exits 1.",
    )

    backup = sub.add_parser(
        "backup",
        help="copy the SQLite database while it serves, verified",
        description="Copy the SQLite database while the server runs (one consistent snapshot, "
        "SQLite's online backup API), then verify the copy: PRAGMA integrity_check and, in "
        "every table, the row count the source had at the moment of copy. Only a verified "
        "copy replaces PATH; one that fails is removed and the exit status is 1. Refuses a "
        "database that is missing, empty or not migrated (exit status 3). Back up PostgreSQL "
        'with pg_dump (README, "Operations").',
    )
    backup.add_argument("path", metavar="PATH", help="the file to write the copy to")

    trusted = sub.add_parser(
        "trusted-documents",
        help="manage the trusted-documents manifest",
        description="With MEMBERHUB_TRUSTED_DOCUMENTS=required, members and anonymous callers "
        "may run only the documents listed in the manifest. Uses no database.",
    )
    trusted_sub = trusted.add_subparsers(
        dest="action", required=True, metavar="ACTION", help="what to do with the manifest"
    )
    trusted_add = trusted_sub.add_parser(
        "add",
        help="add the apps' .graphql documents",
        description="Add each file's operations to the manifest, keyed by their SHA-256; a "
        "document the schema does not validate is refused and nothing is written.",
    )
    trusted_add.add_argument(
        "files", nargs="+", metavar="FILE.graphql", help="the apps' GraphQL documents"
    )
    trusted_add.add_argument(
        "--manifest",
        metavar="PATH",
        help="manifest to add to (default: MEMBERHUB_TRUSTED_DOCUMENTS_FILE, "
        "trusted-documents.json)",
    )
    return root


def uvicorn_options(args: argparse.Namespace) -> dict[str, Any]:
    from app.logs import logging_config

    return {
        "host": args.host,
        "port": args.port,
        "workers": args.workers,
        # SIGTERM stops accepting, then waits this long for requests in flight.
        "timeout_graceful_shutdown": 30,
        "log_config": logging_config(),
        "access_log": False,  # app.observability logs each request with its request id
    }


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.database_check import DatabaseNotReady, open_migrated
    from models.db import close_db

    async def check() -> None:
        await open_migrated(_announce("serve"))
        await close_db()

    try:
        asyncio.run(check())
    except DatabaseNotReady as error:
        print(f"serve: {error}", file=sys.stderr)
        return NOT_READY
    # SIGTERM ends serve through its `finally` (which stops the worker), also when it
    # arrives before uvicorn listens or is raised again by uvicorn after its shutdown.
    signal.signal(signal.SIGTERM, _exit)
    worker = None if args.no_worker else _start_worker()
    try:
        uvicorn.run("app.server:create_app", factory=True, **uvicorn_options(args))
    finally:
        if worker is not None:
            _stop_worker(worker)
    return 0


# Seconds a stopping worker gets to finish its send (a mail server's step is 30 s).
WORKER_GRACE = 40


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _start_worker() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "app.cli", "worker"])


def _stop_worker(worker: subprocess.Popen[bytes]) -> None:
    worker.terminate()
    try:
        worker.wait(WORKER_GRACE)
    except subprocess.TimeoutExpired:
        # Its lease runs out and another worker sends what it held (at least once).
        worker.kill()
        worker.wait()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "serve":
            return serve(args)
        # Every command is an async def: its call is a coroutine.
        return asyncio.run(COMMANDS[args.command](args))  # type: ignore[arg-type]
    except InvalidSetting as error:
        print(f"{args.command}: {error}", file=sys.stderr)
        return USAGE


if __name__ == "__main__":
    sys.exit(main())
