"""uploads the server knows are incomplete (full disk, lost data connection)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:30:00

After a full disk the truncated file was listed as complete and valid. A
row now says ``incomplete`` with the reason in ``interruption``, until the
upload is resumed.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("preupload_files", sa.Column("interruption", sa.String(length=32)))


def downgrade() -> None:
    op.execute("UPDATE preupload_files SET state = 'complete' WHERE state = 'incomplete'")
    op.execute("ALTER TABLE preupload_files DROP COLUMN interruption")
