"""sign-in failures per account and address; FTP sessions end on password change

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:00:00

The per-account counter (``users.failed_logins``, ``users.last_failed_login``)
let a slow guesser keep the owner out from anywhere. Failures are now
counted in ``sign_in_failures`` per account and address and per address
(``server_stub.sign_in_throttle``); the old counters go (they only ever held
a short-lived delay). ``users.sessions_valid_after`` lets a password change
or a sign-out end the account's FTP sessions.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(
        op.f("ix_sign_in_failures_last_failed_at"), "sign_in_failures", ["last_failed_at"]
    )
    # Not batch mode: on SQLite it would copy and drop ``users``, and with
    # foreign keys on, dropping it cascades to every dataset. SQLite (3.35+)
    # and PostgreSQL both take these statements as they are.
    op.add_column("users", sa.Column("sessions_valid_after", sa.DateTime(timezone=True)))
    op.execute("ALTER TABLE users DROP COLUMN failed_logins")
    op.execute("ALTER TABLE users DROP COLUMN last_failed_login")


def downgrade() -> None:
    op.add_column("users", sa.Column("last_failed_login", sa.DateTime(timezone=True)))
    op.add_column(
        "users", sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
    )
    op.execute("ALTER TABLE users DROP COLUMN sessions_valid_after")
    op.drop_index(op.f("ix_sign_in_failures_last_failed_at"), table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
