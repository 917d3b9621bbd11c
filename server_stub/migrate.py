"""Applies the Alembic chain on start, so a data folder is always current.

Several server processes of a site start on one PostgreSQL database at once:
the upgrade then runs under a transaction-level advisory lock, so one
process migrates and the others wait, then find the schema current.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = (0x4F4D, 0)
"""The advisory lock key held while migrating (``server_stub.release.claims`` uses
the same first key with dataset ids, which are never 0)."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    config = alembic_config(str(engine.url))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:a, :b)"),
                dict(zip("ab", MIGRATION_LOCK, strict=True)),
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
