"""Enterprise Grid installations, and digest posts retried with backoff and a daily cap.

- `subscriptions.enterprise_id` / `enterprise_install`: the Grid org a subscribed workspace
  belongs to and whether the app is installed org-wide there, so the scheduler finds the
  installation Bolt saved (keyed by enterprise and team). Rows from before are outside Grid.
- `digest_posts.attempts` / `retry_at` / `last_error`: a digest Slack refused for a transient
  reason waits (status `retry`) until `retry_at`, and after the day's cap is `gave_up`.
- `query_log.enterprise_id`: the org a question came from, so uninstalling an org-wide app
  deletes the questions of every workspace of the org.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("enterprise_id", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column("enterprise_install", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("digest_posts") as batch:
        batch.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(sa.Column("retry_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("last_error", sa.String(length=64), nullable=True))
    with op.batch_alter_table("query_log") as batch:
        batch.add_column(sa.Column("enterprise_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("query_log") as batch:
        batch.drop_column("enterprise_id")
    with op.batch_alter_table("digest_posts") as batch:
        batch.drop_column("last_error")
        batch.drop_column("retry_at")
        batch.drop_column("attempts")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("enterprise_install")
        batch.drop_column("enterprise_id")
