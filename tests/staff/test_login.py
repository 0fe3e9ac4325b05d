from models.enums import Role
from tests.conftest import TEST_PASSWORD, make_staff

LOGIN = """
mutation($u: String!, $p: String!) {
  staffLogin(input: {username: $u, password: $p}) {
    session { token expiresAt viewer { roles staff { username displayName } } }
    errors { field code message }
  }
}"""
VIEWER = "{ viewer { roles staff { username } member { id } } }"


async def test_staff_login_returns_session_and_viewer(api):
    await make_staff(Role.SERVICE, "alice")
    result = await api(LOGIN, {"u": "alice", "p": TEST_PASSWORD})
    payload = result["data"]["staffLogin"]
    assert payload["errors"] == []
    assert payload["session"]["viewer"]["roles"] == ["SERVICE"]
    token = payload["session"]["token"]
    viewer = await api(VIEWER, token=token)
    assert viewer["data"]["viewer"]["staff"]["username"] == "alice"


async def test_wrong_password_and_unknown_user_look_the_same(api):
    await make_staff(Role.SERVICE, "alice")
    wrong = (await api(LOGIN, {"u": "alice", "p": "nope-nope"}))["data"]["staffLogin"]
    unknown = (await api(LOGIN, {"u": "bob", "p": "nope-nope"}))["data"]["staffLogin"]
    assert wrong["session"] is None
    assert wrong["errors"] == unknown["errors"]


async def test_five_failures_lock_the_account(api):
    await make_staff(Role.SERVICE, "alice")
    for _ in range(5):
        await api(LOGIN, {"u": "alice", "p": "wrong-password"})
    locked = (await api(LOGIN, {"u": "alice", "p": TEST_PASSWORD}))["data"]["staffLogin"]
    assert locked["session"] is None
    assert locked["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_anonymous_viewer_has_no_roles(api):
    result = await api(VIEWER)
    assert result["data"]["viewer"] == {"roles": [], "staff": None, "member": None}
