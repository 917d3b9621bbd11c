"""FastAPI dependencies: database session, settings and the signed-in user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from server_stub.accounts import user_for_token
from server_stub.config import Settings
from server_stub.db import Database
from server_stub.errors import ApiError
from server_stub.models import User
from server_stub.preupload.records import PreuploadRecords
from server_stub.release.scheduler import ReleaseWaker

_bearer = HTTPBearer(auto_error=False)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


def get_release_waker(request: Request) -> ReleaseWaker:
    waker: ReleaseWaker = request.app.state.release_waker
    return waker


def get_records(request: Request) -> PreuploadRecords:
    records: PreuploadRecords = request.app.state.records
    return records


def get_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    with database.session() as session:
        yield session


def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "not_authenticated", "Sign in first: this request needs a token.")
    return credentials.credentials


def current_user(
    token: Annotated[str, Depends(bearer_token)],
    session: Annotated[Session, Depends(get_session, scope="function")],
) -> User:
    return user_for_token(session, token)


def client_address(request: Request) -> str:
    """Where a request comes from (the sign-in throttle counts per address)."""
    return request.client.host if request.client is not None else "unknown"


def current_curator(user: Annotated[User, Depends(current_user)]) -> User:
    if not user.is_curator:
        raise ApiError(403, "curator_only", "Only curators may do this.")
    return user


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
"""Committed when the endpoint returns, *before* the response is sent: with the
default ("request") scope FastAPI would commit after sending, so a client could
act on a 201 whose row is not yet visible (or never written)."""
SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
UserDep = Annotated[User, Depends(current_user)]
CuratorDep = Annotated[User, Depends(current_curator)]
TokenDep = Annotated[str, Depends(bearer_token)]
AddressDep = Annotated[str, Depends(client_address)]

MAX_ROW_ID = 2**31 - 1
"""The largest id a row can have: ids are ``Integer`` columns, PostgreSQL's 32-bit
``integer`` (SQLite's hold 64 bits, the smaller limit is the one of both)."""
RowIdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
"""An integer id in a path: one outside 1..2^31-1 cannot exist, and would overflow the
database (PostgreSQL: "integer out of range", SQLite's driver beyond 2^63: a 500); it is
refused with 422 naming the parameter, like an id that is not a number at all."""
RecordsDep = Annotated[PreuploadRecords, Depends(get_records)]
ReleaseWakerDep = Annotated[ReleaseWaker, Depends(get_release_waker)]
"""Wakes this process's release scheduler, after a change that may make a dataset due."""
