"""Account checks shared by the HTTP API, the FTP server and the CLI."""

from __future__ import annotations

import secrets
from datetime import datetime
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server_stub.errors import ApiError
from server_stub.models import AuthToken, User, utcnow
from server_stub.security import hash_password, needs_rehash, token_digest, verify_password
from server_stub.sign_in_throttle import record_attempt, wait_before_attempt


@cache
def _dummy_hash() -> str:
    """A real argon2 hash verified for unknown emails, so their timing matches."""
    return hash_password(secrets.token_hex(8))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def authenticate(session: Session, email: str, password: str, address: str) -> User:
    """Return the user or raise ``ApiError``; slows down repeated failures.

    ``address`` is where the attempt comes from: failures count per account
    and address, and per address (``sign_in_throttle``), so a guesser waits
    while the owner signing in from elsewhere does not. An attempt that must
    still wait is refused without checking the password, so nobody can keep
    guessing at full speed.
    """
    user = find_user(session, email)
    user_id = user.id if user is not None else None
    wait = wait_before_attempt(session, user_id, address)
    if wait.total_seconds() > 0:
        seconds = max(1, round(wait.total_seconds()))
        raise ApiError(
            429,
            "too_many_attempts",
            f"Too many failed sign-ins from your address; wait {seconds} s and try again.",
            "password",
            retry_after=seconds,
        )
    if user is None:
        verify_password(_dummy_hash(), password)
        record_attempt(session, None, address, ok=False)
        session.flush()
        raise ApiError(401, "invalid_credentials", "Wrong email or password.", "password")
    ok = verify_password(user.password_hash, password)
    if ok and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record_attempt(session, user.id, address, ok)
    session.flush()
    if not ok:
        raise ApiError(401, "invalid_credentials", "Wrong email or password.", "password")
    return user


def end_password_sessions(user: User, now: datetime | None = None) -> None:
    """FTP sessions signed in before now end at their next command.

    Called on a password change and a sign-out: an FTP session authenticated
    with the password, so no token can be revoked for it.
    """
    user.sessions_valid_after = now or utcnow()


def password_session_valid(session: Session, user_id: int, signed_in_at: datetime) -> bool:
    """Whether a session that signed in with the password at ``signed_in_at`` still holds."""
    valid_after = session.scalar(select(User.sessions_valid_after).where(User.id == user_id))
    return valid_after is None or signed_in_at > valid_after


def user_for_token(session: Session, token: str, now: datetime | None = None) -> User:
    now = now or utcnow()
    row = session.scalar(select(AuthToken).where(AuthToken.token_hash == token_digest(token)))
    if row is None or row.revoked_at is not None:
        raise ApiError(401, "not_authenticated", "Sign in again: this session is not valid.")
    if row.expires_at <= now:
        raise ApiError(401, "session_expired", "Your session has expired; sign in again.")
    return row.user
