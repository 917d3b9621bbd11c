"""The Alembic chain builds exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from server_stub.db import Database
from server_stub.migrate import upgrade
from server_stub.models import Base
from server_stub.search import include_name as search_objects_left_out
from tests.conftest import database_for_test


def _check_chain(url: str) -> None:
    database = Database(url)
    try:
        upgrade(database.engine)
        upgrade(database.engine)  # a second start changes nothing
        with database.engine.connect() as connection:
            options = {"compare_type": True, "include_name": search_objects_left_out}
            context = MigrationContext.configure(connection, opts=options)
            assert compare_metadata(context, Base.metadata) == []
            tables = set(inspect(connection).get_table_names())
        assert set(Base.metadata.tables) <= tables
        assert "alembic_version" in tables
    finally:
        database.dispose()


def test_migrations_build_the_model_schema_on_an_empty_database(tmp_path: Path) -> None:
    with database_for_test() as url:
        _check_chain(url or f"sqlite:///{tmp_path / 'empty.db'}")


def test_sqlite_database_uses_write_ahead_logging(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'wal.db'}")
    try:
        upgrade(database.engine)
        with database.engine.connect() as connection:
            mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        assert mode == "wal"
    finally:
        database.dispose()
