"""Encryption at rest for identity numbers (DESIGN §2): AES-GCM plus a keyed hash.

The key comes from MEMBERHUB_DATA_KEY (base64 of 32 bytes) or, failing that, a key
file created on first start with owner-only permissions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.settings import get_settings

_NONCE_BYTES = 12
_VERSION = "v1:"


@lru_cache(maxsize=1)
def _key() -> bytes:
    settings = get_settings()
    if settings.data_key:
        key = base64.b64decode(settings.data_key)
        if len(key) != 32:
            raise ValueError("MEMBERHUB_DATA_KEY must be base64 of exactly 32 bytes.")
        return key
    path = Path(settings.key_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(base64.b64encode(AESGCM.generate_key(bit_length=256)))
    return base64.b64decode(path.read_bytes().strip())


def _hash_key() -> bytes:
    # A separate key for lookups, so the hash reveals nothing about the cipher key.
    return hmac.new(_key(), b"memberhub:lookup-hash", hashlib.sha256).digest()


def encrypt(clear: str | None) -> str | None:
    if clear is None:
        return None
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_key()).encrypt(nonce, clear.encode(), None)
    return _VERSION + base64.b64encode(nonce + sealed).decode()


def decrypt(token: str | None) -> str | None:
    if token is None:
        return None
    raw = base64.b64decode(token.removeprefix(_VERSION))
    return AESGCM(_key()).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None).decode()


def lookup_hash(clear: str | None) -> str | None:
    """Keyed hash of a normalised value, for duplicate detection without the clear value."""
    if clear is None:
        return None
    normalised = clear.strip().upper()
    return hmac.new(_hash_key(), normalised.encode(), hashlib.sha256).hexdigest()
