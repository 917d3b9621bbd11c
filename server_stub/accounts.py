"""Account checks shared by the HTTP API, the FTP server and the CLI."""

from __future__ import annotations

import secrets
from datetime import datetime
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server_stub.errors import ApiError
from server_stub.models import AuthToken, User, utcnow
from server_stub.security import (
    hash_password,
    login_delay,
    needs_rehash,
    record_login,
    token_digest,
    verify_password,
)


@cache
def _dummy_hash() -> str:
    """A real argon2 hash verified for unknown emails, so their timing matches."""
    return hash_password(secrets.token_hex(8))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def authenticate(session: Session, email: str, password: str) -> User:
    """Return the user or raise ``ApiError``; slows down repeated failures.

    A locked-out attempt is refused without checking the password, so an
    attacker cannot keep guessing at full speed.
    """
    user = find_user(session, email)
    if user is None:
        verify_password(_dummy_hash(), password)
        raise ApiError(401, "invalid_credentials", "Wrong email or password.", "password")
    wait = login_delay(user)
    if wait.total_seconds() > 0:
        seconds = max(1, round(wait.total_seconds()))
        raise ApiError(
            429,
            "too_many_attempts",
            f"Too many failed sign-ins; wait {seconds} s and try again.",
            "password",
            retry_after=seconds,
        )
    ok = verify_password(user.password_hash, password)
    if ok and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record_login(user, ok)
    session.flush()
    if not ok:
        raise ApiError(401, "invalid_credentials", "Wrong email or password.", "password")
    return user


def user_for_token(session: Session, token: str, now: datetime | None = None) -> User:
    now = now or utcnow()
    row = session.scalar(select(AuthToken).where(AuthToken.token_hash == token_digest(token)))
    if row is None or row.revoked_at is not None:
        raise ApiError(401, "not_authenticated", "Sign in again: this session is not valid.")
    if row.expires_at <= now:
        raise ApiError(401, "session_expired", "Your session has expired; sign in again.")
    return row.user
