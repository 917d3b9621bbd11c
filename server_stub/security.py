"""Passwords, bearer tokens and the slow-down after failed logins."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server_stub.models import User, utcnow

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
"""OWASP's argon2id minimum (19 MiB, 2 passes). The library's default of 64 MiB made
every FTP or API sign-in lift the server's memory by that much; hashes made with
other parameters still verify (they carry their own) and are redone at sign-in."""

FREE_ATTEMPTS = 3
"""Failed logins allowed before each further attempt is delayed."""
MAX_DELAY = timedelta(seconds=30)
FORGET_AFTER = timedelta(minutes=15)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
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


def login_delay(user: User, now: datetime | None = None) -> timedelta:
    """How long this account must still wait before another attempt counts.

    Doubles with every failure past the free attempts, capped, and forgotten
    after a quiet period, so a typo costs nothing and guessing costs a lot.
    """
    now = now or utcnow()
    if user.last_failed_login is None or user.failed_logins < FREE_ATTEMPTS:
        return timedelta(0)
    if now - user.last_failed_login > FORGET_AFTER:
        return timedelta(0)
    delay = timedelta(seconds=2 ** (user.failed_logins - FREE_ATTEMPTS))
    delay = min(delay, MAX_DELAY)
    remaining = user.last_failed_login + delay - now
    return max(remaining, timedelta(0))


def record_login(user: User, success: bool, now: datetime | None = None) -> None:
    now = now or utcnow()
    if success:
        user.failed_logins = 0
        user.last_failed_login = None
        return
    if user.last_failed_login and now - user.last_failed_login > FORGET_AFTER:
        user.failed_logins = 0
    user.failed_logins += 1
    user.last_failed_login = now
