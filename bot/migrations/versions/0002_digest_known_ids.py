"""Digest rotation memory and per-install settings: `subscriptions.known_ids` (the pool ids a
channel's rotation knew, so entries a rebuild adds come first) and `app_settings` (e.g. the
query-log salt generated on first start).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("known_ids", sa.Text(), nullable=True))
    op.create_table(
        "app_settings",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("app_settings")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("known_ids")
