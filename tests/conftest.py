"""Fixtures shared by every test tree: a real server on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.accounts import ApiUser, new_user
from tests.support.server import ServerProcess


def _database_url() -> str | None:
    """``OMIX_TEST_DATABASE_URL`` reruns the suite against PostgreSQL."""
    return os.environ.get("OMIX_TEST_DATABASE_URL") or None


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for the session; tests use fresh accounts so they don't collide."""
    process = ServerProcess(
        data_dir=tmp_path_factory.mktemp("server") / "data",
        database_url=_database_url(),
    ).start()
    yield process
    process.stop()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of the test's own, for restarts and other disruptive tests."""
    process = ServerProcess(data_dir=tmp_path / "data", database_url=_database_url())
    yield process
    process.stop()


@pytest.fixture
def user(server: ServerProcess) -> ApiUser:
    return new_user(server.api)


@pytest.fixture
def other_user(server: ServerProcess) -> ApiUser:
    return new_user(server.api, prefix="other")
