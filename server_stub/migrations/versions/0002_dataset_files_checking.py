"""human genetic resource flag on datasets, checking reason on data files

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "human_genetic_resource",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
    with op.batch_alter_table("data_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checking_reason", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("data_files", schema=None) as batch_op:
        batch_op.drop_column("checking_reason")
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_column("human_genetic_resource")
