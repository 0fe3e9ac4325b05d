from datetime import timedelta

from core.ids import to_global_id
from models.enums import Role
from models.staff import Session
from services.clock import utcnow
from tests.conftest import TEST_PASSWORD, make_staff, staff_token

CREATE = """mutation($input: CreateStaffUserInput!) { createStaffUser(input: $input) {
  staffUser { id username displayName roles active } errors { field code } } }"""
UPDATE = """mutation($input: UpdateStaffUserInput!) { updateStaffUser(input: $input) {
  staffUser { id active roles displayName } errors { field code } } }"""
VIEWER = "{ viewer { roles } }"


async def assert_session_ended(api, token):
    """A token of no live session is refused, never served as an anonymous caller."""
    response = await api.post(VIEWER, token=token)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "no longer valid" in error["message"]


async def test_admin_creates_staff_user(api):
    admin = api.as_(await staff_token(Role.ADMIN))
    result = await admin(
        CREATE,
        {
            "input": {
                "username": "carol",
                "displayName": "Carol",
                "password": "long-enough-1",
                "roles": ["SERVICE"],
            }
        },
    )
    user = result["data"]["createStaffUser"]["staffUser"]
    assert user["username"] == "carol" and user["roles"] == ["SERVICE"] and user["active"]


async def test_duplicate_username_is_refused(api):
    admin = api.as_(await staff_token(Role.ADMIN))
    variables = {
        "input": {
            "username": "carol",
            "displayName": "C",
            "password": "long-enough-1",
            "roles": ["SERVICE"],
        }
    }
    await admin(CREATE, variables)
    errors = (await admin(CREATE, variables))["data"]["createStaffUser"]["errors"]
    assert errors == [{"field": ["input", "username"], "code": "DUPLICATE"}]


async def test_short_password_and_no_roles_are_invalid(api):
    admin = api.as_(await staff_token(Role.ADMIN))
    result = await admin(
        CREATE,
        {"input": {"username": "dave", "displayName": "D", "password": "short", "roles": []}},
    )
    assert result["data"]["createStaffUser"]["errors"][0]["code"] == "INVALID"


async def test_deactivation_revokes_sessions(api):
    staff = await make_staff(Role.SERVICE, "erin")
    login = await api(
        """mutation { staffLogin(input: {username: "erin", password: "%s"}) {
        session { token } } }"""
        % TEST_PASSWORD
    )
    token = login["data"]["staffLogin"]["session"]["token"]
    assert (await api(VIEWER, token=token))["data"]["viewer"]["roles"] == ["SERVICE"]
    admin = api.as_(await staff_token(Role.ADMIN))
    result = await admin(
        UPDATE, {"input": {"id": to_global_id("StaffUser", staff.id), "active": False}}
    )
    assert result["data"]["updateStaffUser"]["staffUser"]["active"] is False
    await assert_session_ended(api, token)


async def test_logout_revokes_the_token(api):
    token = await staff_token(Role.SERVICE)
    result = await api("mutation { logout { ok errors { code } } }", token=token)
    assert result["data"]["logout"] == {"ok": True, "errors": []}
    await assert_session_ended(api, token)


async def test_change_password_revokes_every_session(api):
    await make_staff(Role.SERVICE, "frank")
    login = """mutation($p: String!) { staffLogin(input: {username: "frank", password: $p}) {
        session { token } } }"""
    token = (await api(login, {"p": TEST_PASSWORD}))["data"]["staffLogin"]["session"]["token"]
    change = """mutation($c: String!, $n: String!) { changePassword(input:
        {currentPassword: $c, newPassword: $n}) { ok errors { code field } } }"""
    wrong = await api(change, {"c": "not-it-at-all", "n": "new-password-1"}, token=token)
    assert wrong["data"]["changePassword"]["errors"][0]["field"] == ["input", "currentPassword"]
    ok = await api(change, {"c": TEST_PASSWORD, "n": "new-password-1"}, token=token)
    assert ok["data"]["changePassword"]["ok"] is True
    await assert_session_ended(api, token)
    again = await api(login, {"p": "new-password-1"})
    assert again["data"]["staffLogin"]["session"]["token"]


async def test_unknown_and_garbage_tokens_are_refused_not_anonymous(api):
    await assert_session_ended(api, "garbage")
    await assert_session_ended(api, "x" * 43)


async def test_expired_sessions_sign_nobody_in(api):
    token = await staff_token(Role.ADMIN)
    assert (await api(VIEWER, token=token))["data"]["viewer"]["roles"] == ["ADMIN"]
    await Session.all().update(expires_at=utcnow() - timedelta(seconds=1))
    await assert_session_ended(api, token)


async def test_tokens_are_stored_only_as_hashes(api):
    token = await staff_token(Role.ADMIN)
    stored = await Session.all().values_list("token_hash", flat=True)
    assert stored and token not in stored
