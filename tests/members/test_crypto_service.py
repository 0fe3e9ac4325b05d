"""services/crypto: the idNumber key, AES-GCM round trip and the keyed lookup hash."""

from __future__ import annotations

import base64
import stat

import pytest

from core.settings import get_settings
from services import crypto


@pytest.fixture
def fresh_key(monkeypatch):
    """Settings and the cached key rebuilt from the environment this test sets."""

    def reset() -> None:
        get_settings.cache_clear()
        crypto._key.cache_clear()

    reset()
    yield monkeypatch
    monkeypatch.undo()
    reset()


def test_a_key_file_is_created_on_first_use_owner_only(fresh_key, tmp_path):
    key_file = tmp_path / "keys" / "memberhub.key"
    fresh_key.setenv("MEMBERHUB_DATA_KEY", "")
    fresh_key.setenv("MEMBERHUB_KEY_FILE", str(key_file))
    token = crypto.encrypt("11010519491231002X")
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(base64.b64decode(key_file.read_bytes())) == 32
    crypto._key.cache_clear()  # a restart reads the same file
    assert crypto.decrypt(token) == "11010519491231002X"


def test_encryption_is_randomised_and_the_lookup_hash_is_stable(fresh_key):
    first, second = crypto.encrypt("E12345678"), crypto.encrypt("E12345678")
    assert first != second and "E12345678" not in first
    assert crypto.decrypt(first) == crypto.decrypt(second) == "E12345678"
    assert crypto.lookup_hash(" e12345678 ") == crypto.lookup_hash("E12345678")
    assert crypto.encrypt(None) is None and crypto.lookup_hash(None) is None


def test_a_wrong_length_data_key_is_refused(fresh_key):
    fresh_key.setenv("MEMBERHUB_DATA_KEY", base64.b64encode(b"short").decode())
    with pytest.raises(ValueError, match="32 bytes"):
        crypto.encrypt("x")
