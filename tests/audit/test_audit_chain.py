import asyncio
import hashlib
import json
import logging
from datetime import UTC, datetime

from tortoise import connections

from core.ids import to_global_id
from models.audit import AuditEntry
from models.enums import AuditOutcome, Role
from services import audit as audit_service
from services.clock import utcnow
from shortcuts.sql import _insert_columns
from tests.conftest import TEST_PASSWORD, make_staff, staff_token

LOGIN = """mutation Login($u: String!, $p: String!) {
  staffLogin(input: {username: $u, password: $p}) { session { token } errors { code } }
}"""
CHAIN = "{ verifyAuditChain { ok checked firstBrokenId } }"
LOG = """query Log($filter: AuditFilter) { auditLog(first: 50, filter: $filter) { totalCount
  edges { node { id operationName fields variables outcome errorCodes actorType actorId roles
  targetIds sensitiveFields ip userAgent requestId durationMs hash prevHash } } } }"""


async def test_login_is_audited_with_password_redacted(api):
    await make_staff(Role.SERVICE, "alice")
    await api(LOGIN, {"u": "alice", "p": TEST_PASSWORD})
    auditor = api.as_(await staff_token(Role.AUDITOR))
    entries = (await auditor(LOG))["data"]["auditLog"]["edges"]
    login = next(e["node"] for e in entries if e["node"]["operationName"] == "Login")
    assert (
        login["variables"] == {"u": "alice", "p": "[REDACTED]"}
        or login["variables"]["p"] == "[REDACTED]"
    )
    assert login["outcome"] == "OK"
    assert login["fields"] == ["staffLogin"]
    assert login["ip"] == "203.0.113.7"
    assert login["hash"] and login["requestId"]


async def test_failed_mutation_is_audited_as_user_error(api):
    await api(LOGIN, {"u": "nobody", "p": "wrong-password"})
    auditor = api.as_(await staff_token(Role.AUDITOR))
    entries = (await auditor(LOG, {"filter": {"outcome": ["USER_ERROR"]}}))["data"]["auditLog"]
    assert entries["totalCount"] == 1
    node = entries["edges"][0]["node"]
    assert node["errorCodes"] == ["INVALID_CREDENTIALS"]
    assert node["actorType"] == "ANONYMOUS"


async def test_denied_read_is_audited(api):
    service = api.as_(await staff_token(Role.SERVICE))
    await service("query Peek { auditLog { totalCount } }")
    admin = api.as_(await staff_token(Role.ADMIN))
    log = (await admin(LOG, {"filter": {"outcome": ["DENIED"]}}))["data"]["auditLog"]
    assert log["edges"][0]["node"]["operationName"] == "Peek"
    assert log["edges"][0]["node"]["errorCodes"] == ["FORBIDDEN"]


async def test_clear_reads_of_personal_data_are_noted(api):
    from tests.factories import make_member

    member = await make_member()
    admin = api.as_(await staff_token(Role.ADMIN))
    member_id = to_global_id("Member", member.id)
    await admin("query Read($id: ID!) { member(id: $id) { name idNumber } }", {"id": member_id})
    log = (await admin(LOG, {"filter": {"targetId": member_id}}))["data"]["auditLog"]["edges"]
    node = log[0]["node"]
    assert sorted(node["sensitiveFields"]) == ["Member.idNumber", "Member.name"]
    assert member_id in node["targetIds"]


async def test_chain_verifies_until_an_entry_is_edited(api):
    auditor = api.as_(await staff_token(Role.AUDITOR))
    for _ in range(3):
        await auditor("{ viewer { roles } }")
    report = (await auditor(CHAIN))["data"]["verifyAuditChain"]
    assert report == {"ok": True, "checked": 3, "firstBrokenId": None}
    # Given an entry edited behind the API's back
    second = await AuditEntry.all().order_by("id").offset(1).first()
    await connections.get("default").execute_query(
        "UPDATE audit_entry SET outcome = 'DENIED' WHERE id = " + str(second.id)
    )
    # then the chain names it
    report = (await auditor(CHAIN))["data"]["verifyAuditChain"]
    assert report["ok"] is False
    assert report["firstBrokenId"] == to_global_id("AuditEntry", second.id)


async def test_chain_detects_a_deleted_entry(api):
    auditor = api.as_(await staff_token(Role.AUDITOR))
    for _ in range(3):
        await auditor("{ viewer { roles } }")
    first = await AuditEntry.all().order_by("id").first()
    await connections.get("default").execute_query(
        "DELETE FROM audit_entry WHERE id = " + str(first.id)
    )
    report = (await auditor(CHAIN))["data"]["verifyAuditChain"]
    assert report["ok"] is False


async def test_anonymous_catalogue_reads_are_not_audited(api):
    await api("{ viewer { roles } }")
    assert await AuditEntry.all().count() == 0


async def test_concurrent_operations_each_get_one_entry_in_one_valid_chain(api):
    admin = api.as_(await staff_token(Role.ADMIN))
    before = await AuditEntry.all().count()
    results = await asyncio.gather(*(admin("{ viewer { roles } }") for _ in range(40)))
    assert all(result["data"]["viewer"]["roles"] == ["ADMIN"] for result in results)
    assert await AuditEntry.all().count() == before + 40
    report = await admin("{ verifyAuditChain { ok checked } }")
    assert report["data"]["verifyAuditChain"]["ok"] is True


async def test_client_chosen_text_is_cut_to_its_column_not_refused(api):
    """A long operation name or user agent failed the chain write, and with it the
    operations written in the same batch."""
    admin = api.as_(await staff_token(Role.ADMIN))
    name = "Q" + "x" * 300
    agent = {"user-agent": "a" * 1000, "Authorization": f"Bearer {admin.token}"}
    long_one = admin.client.post(
        "/graphql", json={"query": f"query {name} {{ viewer {{ roles }} }}"}, headers=agent
    )
    results = await asyncio.gather(long_one, *(admin("{ viewer { roles } }") for _ in range(3)))

    assert results[0].json()["data"]["viewer"]["roles"] == ["ADMIN"]
    assert all(result["data"]["viewer"]["roles"] == ["ADMIN"] for result in results[1:])
    [entry] = await AuditEntry.filter(operation_name__startswith="Qx")
    assert entry.operation_name == name[:128] and entry.user_agent == "a" * 512
    assert (await admin(CHAIN))["data"]["verifyAuditChain"]["ok"] is True


async def test_a_failed_audit_write_is_masked_and_logged(api, monkeypatch, caplog):
    async def broken(batch):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(audit_service, "_write", broken)
    admin = api.as_(await staff_token(Role.ADMIN))
    with caplog.at_level(logging.ERROR, logger="memberhub.errors"):
        response = await admin.post("{ viewer { roles } }")

    assert response.status_code == 200 and "secret internals" not in response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    [logged] = [record for record in caplog.records if "audit write failed" in record.getMessage()]
    assert error["extensions"]["requestId"] in logged.getMessage()
    assert logged.exc_info and str(logged.exc_info[1]) == "secret internals"


async def test_an_entry_is_stored_as_the_model_reads_it_back(db):
    """Entries are written without building the model: every column the model writes is
    one of the entry's fields, and reads back as it was given."""
    entry = audit_service.Entry(
        at=utcnow(),
        actor_type="staff",
        actor_id="staff:7",
        roles=["ADMIN", "SERVICE"],
        operation_type="mutation",
        operation_name="Edit",
        fields_=["updateMember"],
        variables={"input": {"note": "[PII]", "points": [1, 2]}, "tag": "会员"},
        target_ids=["TWVtYmVyOjE="],
        sensitive_fields=["Member.phone"],
        outcome=AuditOutcome.USER_ERROR,
        error_codes=["INVALID"],
        ip="203.0.113.7",
        user_agent="console/2.1",
        request_id="read-back",
        duration_ms=12.34567,
    )
    await audit_service.append(entry)

    [stored] = await AuditEntry.filter(request_id="read-back")
    written = [attr for attr, _ in _insert_columns(AuditEntry)]
    assert sorted(written) == sorted(vars(entry))
    assert {attr: getattr(stored, attr) for attr in written} == vars(entry)
    assert stored.duration_ms == 12.346 and stored.prev_hash is None
    assert (await audit_service.verify_chain()).ok


def test_an_entrys_hash_is_sha256_over_the_previous_hash_and_its_canonical_json():
    """Pinned: every chain already written was hashed this way."""
    at = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    entry = audit_service.Entry(
        at=at,
        actor_type="STAFF",
        actor_id="staff:1",
        roles=["ADMIN"],
        operation_type="query",
        operation_name="MemberDetail",
        fields_=["member"],
        variables={"id": "TWVtYmVyOjE=", "note": "会员"},
        target_ids=["TWVtYmVyOjE="],
        sensitive_fields=[],
        outcome=AuditOutcome.OK,
        error_codes=[],
        ip="203.0.113.7",
        user_agent=None,
        request_id="r1",
        duration_ms=1.5,
    )
    canonical = json.dumps(
        {
            "at": "2026-03-01T08:30:00+00:00",
            "actorType": "STAFF",
            "actorId": "staff:1",
            "roles": ["ADMIN"],
            "operationType": "query",
            "operationName": "MemberDetail",
            "fields": ["member"],
            "variables": {"id": "TWVtYmVyOjE=", "note": "会员"},
            "targetIds": ["TWVtYmVyOjE="],
            "sensitiveFields": [],
            "outcome": "OK",
            "errorCodes": [],
            "ip": "203.0.113.7",
            "userAgent": None,
            "requestId": "r1",
            "durationMs": 1.5,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    expected = hashlib.sha256(("a" * 64 + canonical).encode()).hexdigest()
    assert audit_service.entry_hash("a" * 64, entry) == expected
