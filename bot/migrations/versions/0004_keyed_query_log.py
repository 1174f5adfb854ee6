"""The query log keyed outside the database and aware of where a question was asked.

- `query_log.conversation`: the conversation type (`channel`, `group`, `mpim`, `im` or
  `unknown`); only `channel` (public) questions reach surfaces other people see.
- `app_settings` is dropped: it held the generated salt of the user hashes beside the hashes.
  The key is now QUERY_LOG_SALT, or a file in the user's config directory, never the database.
- The rows logged before are deleted. Their user hashes were sha256 under the old salt, so
  `python -m bot forget` could not find anyone's rows among them, and their conversation is
  unknown, so no shared surface could show them: keeping them would only keep data nobody can
  delete per person.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM query_log"))
    with op.batch_alter_table("query_log") as batch:
        batch.add_column(
            sa.Column(
                "conversation", sa.String(length=16), nullable=False, server_default="unknown"
            )
        )
    op.create_index(op.f("ix_query_log_created_at"), "query_log", ["created_at"])
    op.drop_table("app_settings")


def downgrade() -> None:
    op.create_table(
        "app_settings",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.drop_index(op.f("ix_query_log_created_at"), table_name="query_log")
    with op.batch_alter_table("query_log") as batch:
        batch.drop_column("conversation")
