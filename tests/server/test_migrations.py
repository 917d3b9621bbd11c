"""The Alembic chain builds exactly the schema the models describe."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import requests
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from server_stub.datasets.search import include_name as search_objects_left_out
from server_stub.db import Database
from server_stub.migrate import alembic_config, upgrade
from server_stub.models import Base
from tests.conftest import database_for_test
from tests.support.catalog import database_url
from tests.support.server import ServerProcess


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


def _upgrade_to(url: str, revision: str) -> None:
    database = Database(url)
    try:
        config = alembic_config(url)
        with database.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        database.dispose()


def _placeholder(column: sa.Column[object]) -> object:
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 0
    if isinstance(kind, sa.DateTime):
        return datetime.now(UTC)
    if isinstance(kind, sa.Date):
        return date.today()
    return ""


def _insert(connection: sa.Connection, table_name: str, **values: object) -> int:
    """A row as the table is *at this revision* (reflected, not the models of today),
    required columns not given filled with placeholders."""
    table = sa.Table(table_name, sa.MetaData(), autoload_with=connection)
    row = {
        column.name: _placeholder(column)
        for column in table.columns
        if not (column.primary_key or column.nullable or column.server_default is not None)
    }
    row.update(values)
    key = connection.execute(table.insert().values(row)).inserted_primary_key
    assert key is not None
    return int(key[0])


def test_0005_hashes_stored_reviewer_tokens_and_open_links_keep_working(tmp_path: Path) -> None:
    """Links made before 0005 (plaintext tokens) still open after the upgrade;
    afterwards the database holds their SHA-256 only."""
    tokens = {"open": secrets.token_urlsafe(24), "closed": secrets.token_urlsafe(24)}
    with database_for_test() as base_url:
        data_dir = tmp_path / "data"
        data_dir.mkdir()
        url = database_url(data_dir, base_url)
        _upgrade_to(url, "0004")
        database = Database(url)
        try:
            with database.engine.begin() as connection:
                user = _insert(connection, "users", email="owner@example.org", last_name="Li")
                project = _insert(connection, "bioprojects", accession="PRJCA000001", user_id=user)
                for number, (state, token) in enumerate(tokens.items(), start=1):
                    dataset = _insert(
                        connection,
                        "datasets",
                        accession=f"OMIX{number:06d}",
                        user_id=user,
                        bioproject_id=project,
                        title=f"Dataset with a {state} link",
                        access="open",
                        curation_status="Waiting for Curation",
                        release_date=date.today() + timedelta(days=30),
                    )
                    closed = datetime.now(UTC) if state == "closed" else None
                    _insert(
                        connection,
                        "review_links",
                        dataset_id=dataset,
                        token=token,
                        closed_at=closed,
                        close_reason="owner" if closed else None,
                    )
        finally:
            database.dispose()

        server = ServerProcess(data_dir=data_dir, database_url=base_url).start()  # migrates
        try:
            page = requests.get(f"{server.url}/review/{tokens['open']}", timeout=30)
            assert page.status_code == 200, page.text
            assert "Dataset with a open link" in page.text
            api = requests.get(f"{server.api}/review/{tokens['open']}", timeout=30)
            assert api.status_code == 200 and api.json()["accession"] == "OMIX000001"
            closed_page = requests.get(f"{server.api}/review/{tokens['closed']}", timeout=30)
            assert closed_page.status_code == 410
        finally:
            server.stop()

        database = Database(url)
        try:
            with database.engine.connect() as connection:
                columns = {c["name"] for c in inspect(connection).get_columns("review_links")}
                stored = connection.execute(
                    text("SELECT token_hash FROM review_links ORDER BY id")
                ).all()
        finally:
            database.dispose()
        assert "token" not in columns
        digests = [hashlib.sha256(token.encode()).hexdigest() for token in tokens.values()]
        assert [row[0] for row in stored] == digests
