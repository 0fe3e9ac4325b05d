"""`memberhub ...`: the command line operators and scripts use (DESIGN §5)."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from app.settings import get_settings

Command = Callable[[argparse.Namespace], Awaitable[int]]
COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        COMMANDS[name] = fn
        return fn

    return register


async def _with_db(work: Callable[[], Awaitable[int]]) -> int:
    from models.db import close_db, init_db
    from services.audit import ensure_head

    await init_db(get_settings().database_url)
    try:
        await ensure_head()
        return await work()
    finally:
        await close_db()


@command("migrate")
async def migrate(args: argparse.Namespace) -> int:
    from tortoise import Tortoise
    from tortoise.migrations.api import migrate as run_migrations

    from models.db import tortoise_config

    try:
        await run_migrations(config=tortoise_config(get_settings().database_url))
    finally:
        # An open aiosqlite thread would keep a failed migrate from ever exiting.
        await Tortoise.close_connections()
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
            return 1
        print(f"created admin {user.username}")
        return 0

    return await _with_db(work)


@command("seed-demo")
async def seed_demo(args: argparse.Namespace) -> int:
    from app.seed import seed_demo

    async def work() -> int:
        print(await seed_demo(args.members))
        return 0

    return await _with_db(work)


@command("export-schema")
async def export_schema(args: argparse.Namespace) -> int:
    from schema.export import export_sdl

    text = export_sdl()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


@command("run-job")
async def run_job(args: argparse.Namespace) -> int:
    from app.jobs import JOB_TARGETS
    from app.jobs import job as find_job
    from services.clock import utcnow

    job = find_job(args.job)
    if job is None:
        print(
            f"run-job: unknown job {args.job!r}; known: {', '.join(sorted(JOB_TARGETS))}",
            file=sys.stderr,
        )
        return 2
    as_of = args.as_of or utcnow()

    async def work() -> int:
        # A bar on terminals only: scheduled runs log to files.
        report = await job(as_of, progress=sys.stderr.isatty())
        print(report)
        return 0

    return await _with_db(work)


@command("verify-ledger")
async def verify_ledger(args: argparse.Namespace) -> int:
    from services.points import verify_ledger

    async def work() -> int:
        violations = await verify_ledger()
        for violation in violations:
            print(f"verify-ledger: {violation}", file=sys.stderr)
        if violations:
            return 1
        print("ledger ok: every invariant holds")
        return 0

    return await _with_db(work)


@command("backup")
async def backup(args: argparse.Namespace) -> int:
    from app.backup import BackupError, backup_sqlite, sqlite_file

    try:
        source = sqlite_file(get_settings().database_url)
        await asyncio.to_thread(backup_sqlite, source, Path(args.path))
    except (BackupError, sqlite3.Error, OSError) as error:
        print(f"backup: {error}", file=sys.stderr)
        return 1
    print(f"backed up {source} to {args.path}")
    return 0


@command("trusted-documents")
async def trusted_documents(args: argparse.Namespace) -> int:
    from graphql import GraphQLError

    from app.trusted_documents import add_documents
    from schema.root import build_schema

    manifest = args.manifest or get_settings().trusted_documents_file
    try:
        added = add_documents(manifest, args.files, build_schema()._schema)
    except (ValueError, GraphQLError, OSError) as error:
        print(f"trusted-documents: {error}", file=sys.stderr)
        return 1
    for digest, file in added:
        print(f"sha256:{digest}  {file}")
    print(f"{manifest}: {len(added)} document(s) added")
    return 0


def _parse_as_of(value: str) -> datetime:
    """--as-of as the API takes asOf: ISO 8601 with an offset, within 1900-2200."""
    from schema.scalars import _parse_datetime
    from services.errors import Invalid
    from services.validation import check_moment

    try:
        return check_moment(_parse_datetime(value), ("asOf",))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    except Invalid as error:
        raise argparse.ArgumentTypeError(error.message) from None


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="memberhub", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    sub.add_parser("migrate", help="create or upgrade the database")
    admin = sub.add_parser("create-admin", help="create an ADMIN staff user")
    admin.add_argument("--username", required=True)
    admin.add_argument("--password", required=True)
    admin.add_argument("--display-name")
    seed = sub.add_parser("seed-demo", help="load demo staff, tiers and members")
    seed.add_argument("--members", type=int, default=200)
    export = sub.add_parser("export-schema", help="write the GraphQL SDL")
    export.add_argument("output", nargs="?", default="schema.graphql")
    sub.add_parser(
        "verify-ledger",
        help="check every points-ledger invariant; exits 1 naming each member in violation",
    )
    backup = sub.add_parser("backup", help="copy the SQLite database while it serves")
    backup.add_argument("path")
    trusted = sub.add_parser("trusted-documents", help="manage the trusted-documents manifest")
    trusted_sub = trusted.add_subparsers(dest="action", required=True)
    trusted_add = trusted_sub.add_parser("add", help="add the apps' .graphql documents")
    trusted_add.add_argument("files", nargs="+", metavar="FILE.graphql")
    trusted_add.add_argument("--manifest", help="default: MEMBERHUB_TRUSTED_DOCUMENTS_FILE")
    job = sub.add_parser("run-job", help="run a scheduled job now")
    job.add_argument("job")
    job.add_argument("--as-of", type=_parse_as_of)
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

    uvicorn.run("app.server:create_app", factory=True, **uvicorn_options(args))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return asyncio.run(COMMANDS[args.command](args))


if __name__ == "__main__":
    sys.exit(main())
