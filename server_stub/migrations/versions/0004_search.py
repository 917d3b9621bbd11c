"""full-text search over released datasets

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 12:00:00

SQLite: an FTS5 table ``dataset_search`` with ``datasets`` as its external
content, holding released datasets only, kept in sync by triggers (so its
own row count is the number of matches). A later migration that rebuilds
``datasets`` (batch mode) drops these triggers and must create them again.
PostgreSQL: a partial GIN index over the ``tsvector`` expression that
``server_stub.datasets.search.PG_DOCUMENT`` repeats in queries (keep the two identical).
Both: indexes for the public list's sort orders. These objects are not in
the models; ``server_stub.datasets.search.include_name`` keeps them out of schema
comparisons.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PG_DOCUMENT = (
    "to_tsvector('simple'::regconfig, regexp_replace("
    "coalesce(accession, '') || ' ' || coalesce(title, '') || ' ' || "
    "coalesce(organism, '') || ' ' || coalesce(description, ''), "
    "'[^[:alnum:]]+', ' ', 'g'))"
)

COLUMNS = "accession, title, organism, description"
NEW = "new.accession, new.title, new.organism, new.description"
OLD = "old.accession, old.title, old.organism, old.description"

SQLITE_UP = [
    f"""CREATE VIRTUAL TABLE dataset_search USING fts5(
        {COLUMNS}, content='datasets', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 4')""",
    f"""CREATE TRIGGER dataset_search_insert AFTER INSERT ON datasets
        WHEN new.released_at IS NOT NULL BEGIN
        INSERT INTO dataset_search(rowid, {COLUMNS}) VALUES (new.id, {NEW});
    END""",
    f"""CREATE TRIGGER dataset_search_delete AFTER DELETE ON datasets
        WHEN old.released_at IS NOT NULL BEGIN
        INSERT INTO dataset_search(dataset_search, rowid, {COLUMNS})
        VALUES ('delete', old.id, {OLD});
    END""",
    f"""CREATE TRIGGER dataset_search_update
        AFTER UPDATE OF {COLUMNS}, released_at ON datasets BEGIN
        INSERT INTO dataset_search(dataset_search, rowid, {COLUMNS})
        SELECT 'delete', old.id, {OLD} WHERE old.released_at IS NOT NULL;
        INSERT INTO dataset_search(rowid, {COLUMNS})
        SELECT new.id, {NEW} WHERE new.released_at IS NOT NULL;
    END""",
    f"""INSERT INTO dataset_search(rowid, {COLUMNS})
        SELECT id, {COLUMNS} FROM datasets WHERE released_at IS NOT NULL""",
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS dataset_search_update",
    "DROP TRIGGER IF EXISTS dataset_search_delete",
    "DROP TRIGGER IF EXISTS dataset_search_insert",
    "DROP TABLE IF EXISTS dataset_search",
]

POSTGRES_UP = [
    f"CREATE INDEX ix_datasets_search ON datasets USING gin ({PG_DOCUMENT}) "
    "WHERE released_at IS NOT NULL",
]

POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_datasets_search"]

SORT_INDEXES_UP = [
    "CREATE INDEX ix_datasets_released_at ON datasets (released_at)",
    "CREATE INDEX ix_datasets_title ON datasets (title)",
]

SORT_INDEXES_DOWN = [
    "DROP INDEX IF EXISTS ix_datasets_title",
    "DROP INDEX IF EXISTS ix_datasets_released_at",
]


def _dialect() -> str:
    return op.get_bind().dialect.name


def upgrade() -> None:
    dialect = _dialect()
    statements = list(SORT_INDEXES_UP)
    if dialect == "sqlite":
        statements += SQLITE_UP
    elif dialect == "postgresql":
        statements += POSTGRES_UP
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    dialect = _dialect()
    statements: list[str] = []
    if dialect == "sqlite":
        statements += SQLITE_DOWN
    elif dialect == "postgresql":
        statements += POSTGRES_DOWN
    for statement in statements + SORT_INDEXES_DOWN:
        op.execute(statement)
