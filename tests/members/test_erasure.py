"""Termination erases personal data from the database file itself (issue 3 §7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tortoise import connections

from models.enums import Role
from schema.ids import from_global_id, to_global_id
from services.members.lifecycle import ERASED_TABLES
from tests.conftest import member_token, staff_token
from tests.factories import make_member
from tests.members.conftest import enroll
from tests.members.test_lifecycle import TERMINATE
from tests.members.test_profile import REQUEST, UPDATE
from tests.tags.helpers import active_tag

ASSIGN = "mutation($input: AssignTagInput!) { assignTag(input: $input) { errors { code } } }"
REPORT = (
    "mutation($input: ReportTagErrorInput!) { reportTagError(input: $input) { errors { code } } }"
)

OLD = {
    "name": "欧阳娜娜",
    "phone": "13512349876",
    "email": "nana.ouyang@example.com",
    "idNumber": "44030519900101123X",
    "address": "深圳市南山区科技园南区8栋",
}
NEWER = {"name": "欧阳娜", "phone": "13512340000", "email": "nana.new@example.com"}


def _database_files() -> list[Path]:
    main = Path(connections.get("default").filename)
    return [path for path in (main, Path(f"{main}-wal")) if path.exists()]


def _found(values: list[str]) -> set[str]:
    """Values present in the raw bytes, as UTF-8 or as JSON's \\u escapes."""
    contents = b"".join(path.read_bytes() for path in _database_files())
    return {
        value
        for value in values
        if value.encode() in contents or json.dumps(value)[1:-1].encode() in contents
    }


async def _checkpoint() -> None:
    await connections.get("default").execute_script("PRAGMA wal_checkpoint(TRUNCATE)")


@pytest.fixture
def sqlite_only(db):
    if connections.get("default").capabilities.dialect != "sqlite":
        pytest.skip("scans the SQLite file; PostgreSQL vacuums the touched tables instead")


async def test_termination_leaves_no_personal_data_in_the_file_or_wal(api, reviewer, sqlite_only):
    approved = await enroll(api, reviewer, **{**OLD, "birthDate": "1990-01-01"})
    member = approved["application"]["member"]
    admin = api.as_(await staff_token(Role.ADMIN))
    # Older values too: an update leaves the previous ones in freed space unless scrubbed.
    await admin(UPDATE, {"input": {"id": member["id"], **NEWER}})
    member_id = int(from_global_id(member["id"])[1])
    mine = api.as_(await member_token(member_id))
    await mine(REQUEST, {"input": {"address": "深圳市福田区新家园9号", "reason": "欧阳娜娜搬家"}})
    # A staff note about the member that outlives the tag: an error report's.
    await active_tag("vip")
    tagged = {"memberId": member["id"], "tagCode": "vip"}
    await admin(ASSIGN, {"input": {**tagged, "note": None}})
    await admin(REPORT, {"input": {**tagged, "note": "欧阳娜娜 is no VIP"}})
    await _checkpoint()
    clear = [*OLD.values(), *NEWER.values(), "深圳市福田区新家园9号", "is no VIP"]
    # The scan is meaningful: before termination the data is there in clear (except the
    # idNumber, which is encrypted from the start).
    assert _found(clear) == set(clear) - {OLD["idNumber"]}

    result = await admin(
        TERMINATE,
        {
            "input": {
                "id": member["id"],
                "reason": "VIOLATION",
                "effectiveAt": "2020-01-01T00:00:00Z",
            }
        },
    )
    assert result["data"]["terminateMembership"]["member"]["status"] == "TERMINATED"
    # Leftovers written after termination (WAL frames of the erasure itself) are scrubbed
    # by the termination; a further checkpoint must not bring anything back either.
    assert _found(clear) == set()
    await _checkpoint()
    assert _found(clear) == set()


async def test_postgresql_vacuums_the_tables_erasure_touched(api, db):
    connection = connections.get("default")
    if connection.capabilities.dialect != "postgres":
        pytest.skip("SQLite is scrubbed by secure_delete and the checkpoint (test above)")
    member = await make_member()
    admin = api.as_(await staff_token(Role.ADMIN))
    member_id = to_global_id("Member", member.id)
    await admin(
        TERMINATE,
        {"input": {"id": member_id, "reason": "VIOLATION", "effectiveAt": "2020-01-01T00:00:00Z"}},
    )
    await connection.execute_query("SELECT pg_stat_clear_snapshot()")
    rows = await connection.execute_query_dict(
        "SELECT relname, vacuum_count FROM pg_stat_user_tables WHERE relname = ANY($1)",
        [list(ERASED_TABLES)],
    )
    assert {row["relname"] for row in rows if row["vacuum_count"] > 0} == set(ERASED_TABLES)
