"""The slow-down after failed sign-ins, per account *and* source address.

One counter per account (as before) let a slow guesser keep the owner out:
every wrong password renewed the delay, and the delay applied to the right
password too, from anywhere. Now failures count twice:

* per account and address: the guesser's own attempts on that account are
  slowed down (doubling after a few, capped); the owner signing in from
  another address is not affected at all;
* per address across accounts: one address spraying many accounts is slowed
  down too, with a larger allowance (a lab behind one NAT address shares it).

The HTTP API, the web curator sign-in and the FTP server all go through
:func:`server_stub.accounts.authenticate`, so they share the counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from server_stub.models import SignInFailure, utcnow


@dataclass(frozen=True)
class Allowance:
    free: int
    """Failures allowed before each further attempt waits."""
    max_delay: timedelta

    def delay(self, failures: int) -> timedelta:
        if failures < self.free:
            return timedelta(0)
        return min(timedelta(seconds=2 ** (failures - self.free)), self.max_delay)


PER_ACCOUNT_AND_ADDRESS = Allowance(free=3, max_delay=timedelta(seconds=30))
PER_ADDRESS = Allowance(free=20, max_delay=timedelta(seconds=60))
FORGET_AFTER = timedelta(minutes=15)
"""A quiet period after which failures are forgotten."""


def _account_key(user_id: int, address: str) -> str:
    return f"account:{user_id}|{address}"


def _address_key(address: str) -> str:
    return f"address:{address}"


def _keys(user_id: int | None, address: str) -> dict[str, Allowance]:
    keys = {_address_key(address): PER_ADDRESS}
    if user_id is not None:
        keys[_account_key(user_id, address)] = PER_ACCOUNT_AND_ADDRESS
    return keys


def wait_before_attempt(
    session: Session, user_id: int | None, address: str, now: datetime | None = None
) -> timedelta:
    """How long this address must still wait before its next attempt counts."""
    now = now or utcnow()
    keys = _keys(user_id, address)
    rows = session.scalars(select(SignInFailure).where(SignInFailure.key.in_(keys))).all()
    wait = timedelta(0)
    for row in rows:
        if now - row.last_failed_at > FORGET_AFTER:
            continue
        remaining = row.last_failed_at + keys[row.key].delay(row.failures) - now
        wait = max(wait, remaining)
    return wait


def record_attempt(
    session: Session, user_id: int | None, address: str, ok: bool, now: datetime | None = None
) -> None:
    """Count a failure under both keys, or clear this account's key from this address."""
    now = now or utcnow()
    if ok:
        if user_id is not None:
            session.execute(
                delete(SignInFailure).where(SignInFailure.key == _account_key(user_id, address))
            )
        return
    session.execute(delete(SignInFailure).where(SignInFailure.last_failed_at < now - FORGET_AFTER))
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for key in _keys(user_id, address):
        statement = insert(SignInFailure).values(key=key, failures=1, last_failed_at=now)
        statement = statement.on_conflict_do_update(
            index_elements=[SignInFailure.key],
            set_={"failures": SignInFailure.failures + 1, "last_failed_at": now},
        )
        session.execute(statement)
