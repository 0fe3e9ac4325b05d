"""Trusted documents (MEMBERHUB_TRUSTED_DOCUMENTS=required) and the query cost limit."""

import hashlib
import json
from pathlib import Path

import pytest
from graphql import parse, print_ast

from app.cli import main
from models.enums import Role
from tests.app.helpers import api_with
from tests.conftest import member_token, staff_token
from tests.factories import make_member, make_tiers
from tests.shared import shared_path

MODERN = "application/graphql-response+json"
CATALOGUE = "query Catalogue { tiers { code name } }"


def canonical_hash(text):
    return hashlib.sha256(print_ast(parse(text)).encode()).hexdigest()


@pytest.fixture
def manifest(tmp_path):
    catalogue = tmp_path / "Catalogue.graphql"
    catalogue.write_text(CATALOGUE)
    path = tmp_path / "trusted.json"
    assert main(["trusted-documents", "add", str(catalogue), "--manifest", str(path)]) == 0
    return path


def test_cli_builds_the_manifest_from_the_apps_files(tmp_path, capsys):
    path = tmp_path / "trusted.json"
    clients = shared_path("clients")
    files = [
        str(clients / "console" / "StaffLogin.graphql"),
        str(clients / "mobile" / "MemberLogin.graphql"),
    ]
    assert main(["trusted-documents", "add", *files, "--manifest", str(path)]) == 0
    documents = json.loads(path.read_text())
    printed = capsys.readouterr().out
    for file in files:
        text = Path(file).read_text()
        assert documents[canonical_hash(text)] == print_ast(parse(text))
        assert f"sha256:{canonical_hash(text)}  {file}" in printed
    # adding again changes nothing; adding more keeps what is there
    assert main(["trusted-documents", "add", files[0], "--manifest", str(path)]) == 0
    assert json.loads(path.read_text()) == documents


def test_cli_refuses_documents_the_schema_does_not_validate(tmp_path, capsys):
    bad = tmp_path / "Bad.graphql"
    bad.write_text("query Bad { noSuchField }")
    path = tmp_path / "trusted.json"
    assert main(["trusted-documents", "add", str(bad), "--manifest", str(path)]) == 1
    assert "noSuchField" in capsys.readouterr().err
    assert not path.exists()


async def post(api, body, token=None):
    headers = {"accept": MODERN} | ({"authorization": f"Bearer {token}"} if token else {})
    return await api.client.post("/graphql", json=body, headers=headers)


async def test_required_mode_runs_listed_documents_only_for_members_and_anonymous(db, manifest):
    await make_tiers()
    member = await make_member()
    async with api_with(trusted_documents="required", trusted_documents_file=str(manifest)) as api:
        for token in (None, await member_token(member.id)):
            refused = await post(api, {"query": "{ tiers { code } }"}, token)
            assert refused.status_code == 400
            assert "data" not in refused.json()
            assert refused.json()["errors"][0]["extensions"]["code"] == "UNTRUSTED_DOCUMENT"
            # the listed text, formatted differently, hashes to the listed document
            reformatted = "query Catalogue {\n  tiers {\n    code\n    name\n  }\n}"
            assert (await post(api, {"query": reformatted}, token)).json()["data"]["tiers"]
        free = await post(api, {"query": "{ tiers { code } }"}, await staff_token(Role.ANALYST))
        assert free.status_code == 200 and free.json()["data"]["tiers"]


async def test_listed_documents_run_by_hash(db, manifest):
    await make_tiers()
    digest = canonical_hash(CATALOGUE)
    async with api_with(trusted_documents="required", trusted_documents_file=str(manifest)) as api:
        apq = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
        assert (await post(api, apq)).json()["data"]["tiers"]
        by_id = await post(api, {"documentId": f"sha256:{digest}"})
        assert by_id.json()["data"]["tiers"]
        get = await api.client.get(
            "/graphql",
            params={"documentId": f"sha256:{digest}"},
            headers={"accept": MODERN},
        )
        assert get.json()["data"]["tiers"]
        unknown = await post(api, {"documentId": "sha256:" + "0" * 64})
        assert unknown.status_code == 400
        assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_off_mode_lets_everyone_send_any_document(db, manifest):
    async with api_with(trusted_documents="off", trusted_documents_file=str(manifest)) as api:
        assert (await post(api, {"query": "{ tiers { code } }"})).status_code == 200


MEMBERS = "query($first: Int) { members(first: $first) { edges { node { id } } } }"


async def test_staff_see_the_cost_of_their_queries(db):
    admin = await staff_token(Role.ADMIN)
    async with api_with() as api:
        body = (await post(api, {"query": MEMBERS, "variables": {"first": 10}}, admin)).json()
        assert body["extensions"]["cost"] == 1 + 10 * (1 + (1 + 1))
        literal = (await post(api, {"query": "{ viewer { roles } }"}, admin)).json()
        assert literal["extensions"]["cost"] == 2
        anonymous = (await post(api, {"query": "{ viewer { roles } }"})).json()
        assert "extensions" not in anonymous


async def test_queries_over_the_cost_limit_are_refused(db):
    admin = await staff_token(Role.ADMIN)
    async with api_with(max_cost=100) as api:
        refused = await post(api, {"query": MEMBERS, "variables": {"first": 50}}, admin)
        assert refused.status_code == 400
        error = refused.json()["errors"][0]
        assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 151, "maxCost": 100}
        # without `first`, the largest page counts
        unbounded = await post(api, {"query": MEMBERS}, admin)
        assert unbounded.json()["errors"][0]["extensions"]["cost"] == 1 + 100 * 3
        assert (
            await post(api, {"query": MEMBERS, "variables": {"first": 5}}, admin)
        ).status_code == 200
