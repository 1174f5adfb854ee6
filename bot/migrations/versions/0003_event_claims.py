"""De-duplicating Slack re-deliveries with "in progress" claims: `processed_events.status`
(`handling` / `done`; rows from before are `done`) and `claimed_by` (the handler holding it).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("processed_events") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="done")
        )
        batch.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("processed_events") as batch:
        batch.drop_column("claimed_by")
        batch.drop_column("status")
