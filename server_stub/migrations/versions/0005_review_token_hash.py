"""reviewer link tokens stored hashed

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 12:00:00

``review_links.token`` held the token of each link's address in plain text,
unlike bearer tokens: anyone reading the database (a backup, a dump) could
open every preview. It becomes ``token_hash``, the SHA-256 hex digest of
the token (``server_stub.security.token_digest``). Existing rows are hashed
in place, so a link already sent to reviewers keeps working; the plaintext
is gone afterwards.

The downgrade cannot bring the plaintext back: it puts the hashes into
``token``, so links made before it answer "unknown" under the old code
(generate new ones).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _digest(token: str) -> str:
    """Same as ``server_stub.security.token_digest`` (repeated: a migration stays fixed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _copy(source: str, target: str, transform: Callable[[str], str] | None = None) -> None:
    """``target = transform(source)`` for every row, in Python (SQLite has no sha256)."""
    links = sa.table(
        "review_links",
        sa.column("id", sa.Integer),
        sa.column(source, sa.String),
        sa.column(target, sa.String),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(links.c.id, links.c[source])).all()
    for row_id, value in rows:
        new = transform(value) if transform is not None else value
        bind.execute(links.update().where(links.c.id == row_id).values({target: new}))


def upgrade() -> None:
    with op.batch_alter_table("review_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_hash", sa.String(length=64), nullable=True))
    _copy("token", "token_hash", _digest)
    with op.batch_alter_table("review_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_links_token"))
        batch_op.drop_column("token")
        batch_op.alter_column("token_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index(batch_op.f("ix_review_links_token_hash"), ["token_hash"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("review_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token", sa.String(length=64), nullable=True))
    _copy("token_hash", "token")
    with op.batch_alter_table("review_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_links_token_hash"))
        batch_op.drop_column("token_hash")
        batch_op.alter_column("token", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index(batch_op.f("ix_review_links_token"), ["token"], unique=True)
