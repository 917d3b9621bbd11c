"""Alembic environment: the connection is handed over by ``server_stub.migrate``."""

from __future__ import annotations

from alembic import context

from server_stub.datasets.search import include_name
from server_stub.models import Base
from server_stub.release import models as release_models  # noqa: F401  (registers the release tables)

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as connection:
            _run(connection)
        return
    _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,  # full-text search objects of 0004 are not in the models
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
