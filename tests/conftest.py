"""Fixtures shared by every test tree: a real server on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from pathlib import Path

import pytest

from tests.support.accounts import ApiUser, new_user
from tests.support.server import ServerProcess


def base_database_url() -> str | None:
    """``OMIX_TEST_DATABASE_URL`` reruns the suite against PostgreSQL."""
    return os.environ.get("OMIX_TEST_DATABASE_URL") or None


@contextmanager
def database_for_test() -> Iterator[str | None]:
    """SQLite in the data folder by default; a new PostgreSQL database when asked."""
    base = base_database_url()
    if base is None:
        with nullcontext(None) as url:
            yield url
        return
    from tests.support.postgres import fresh_database

    with fresh_database(base) as url:
        yield url


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for the session; tests use fresh accounts so they don't collide."""
    with ExitStack() as stack:
        url = stack.enter_context(database_for_test())
        process = ServerProcess(
            data_dir=tmp_path_factory.mktemp("server") / "data", database_url=url
        ).start()
        stack.callback(process.stop)
        yield process


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of the test's own (not started), for restarts and disruptive tests."""
    with ExitStack() as stack:
        url = stack.enter_context(database_for_test())
        process = ServerProcess(data_dir=tmp_path / "data", database_url=url)
        stack.callback(process.stop)
        yield process


@pytest.fixture
def user(server: ServerProcess) -> ApiUser:
    return new_user(server.api)


@pytest.fixture
def other_user(server: ServerProcess) -> ApiUser:
    return new_user(server.api, prefix="other")
