"""Token columns of slack_sdk's installation tables become text.

slack_sdk makes them VARCHAR(200); a token encrypted at rest with TOKEN_ENCRYPTION_KEY (a
Fernet token, base64) is about 2.7 times as long as the token, so a long user or refresh token
would not fit in PostgreSQL. SQLite does not enforce the length; its tables are rebuilt by
batch mode all the same, so both databases end with the same schema.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKEN_COLUMNS = {
    "slack_bots": ("bot_token", "bot_refresh_token"),
    "slack_installations": ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"),
}


def upgrade() -> None:
    for table, columns in TOKEN_COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(
                    column, existing_type=sa.String(length=200), type_=sa.Text(), nullable=True
                )


def downgrade() -> None:
    for table, columns in TOKEN_COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(
                    column, existing_type=sa.Text(), type_=sa.String(length=200), nullable=True
                )
