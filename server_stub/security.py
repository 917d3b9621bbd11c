"""Passwords and bearer tokens (the slow-down after failed sign-ins: ``sign_in_throttle``)."""

from __future__ import annotations

import hashlib
import secrets
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
"""OWASP's argon2id minimum (19 MiB, 2 passes). The library's default of 64 MiB made
every FTP or API sign-in lift the server's memory by that much; hashes made with
other parameters still verify (they carry their own) and are redone at sign-in."""

ARGON2_AT_ONCE = 2
"""Password hashes computed at the same time in this process. Each holds its
19 MiB while it runs: 20 clients signing in to FTP together ran six at once (the
default thread pool) and lifted the server by up to ~115 MB
(``benchmarks/bench_load.py``). argon2 is CPU-bound, so more than the cores of a
small server buys no speed; sign-ins beyond these wait their turn (a few tens of ms)."""
_argon2_slots = threading.BoundedSemaphore(ARGON2_AT_ONCE)


def hash_password(password: str) -> str:
    with _argon2_slots:
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        with _argon2_slots:
            return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Made with other parameters than today's: hash it again after a good sign-in."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


def new_token() -> tuple[str, str]:
    """Return the token for the client and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
