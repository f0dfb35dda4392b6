"""Passwords (argon2), session and CSRF tokens, and the delay that slows repeated failed logins."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's recommended argon2id setting (19 MiB, 2 passes, 1 lane): the library default (64 MiB, 3 passes, 4 lanes)
# takes about 0.4 s a login on a 2-core server, which slows every login for no gain that matters here.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verifying against this when the name is unknown costs the same time as a real check, so timing does not
# reveal which names exist.
_DUMMY_HASH = _hasher.hash("unscathed-dummy-password")


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_id(token: str) -> str:
    """What the store keeps of a session token: its SHA-256, so a leaked table opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_token(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def login_delay(failures: int, free: int, base_s: float, max_s: float) -> float:
    """Seconds to wait after the last failure before the next try: none for the first ``free`` failures, then
    ``base_s`` doubling with each further failure, capped at ``max_s``."""
    if failures < free:
        return 0.0
    return min(max_s, base_s * 2 ** (failures - free))
