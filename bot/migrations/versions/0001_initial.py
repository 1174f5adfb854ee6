"""Initial schema: subscriptions, digest posts, query log, processed events, and slack_sdk's
installation and OAuth-state tables (identical to slack_sdk 3.x's own `create_tables()`).

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Timestamps are naive UTC (bot.store.models.UTCDateTime converts at the edge).


def upgrade() -> None:
    op.create_table(
        "digest_posts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("posted_at", sa.DateTime(), nullable=True),
        sa.Column("trend_entry_id", sa.String(length=200), nullable=True),
        sa.Column("term_entry_id", sa.String(length=200), nullable=True),
        sa.Column("fact_id", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "team_id",
            "channel_id",
            "local_date",
            name=op.f("uq_digest_posts_team_id_channel_id_local_date"),
        ),
    )
    op.create_table(
        "processed_events",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(op.f("ix_processed_events_created_at"), "processed_events", ["created_at"])
    op.create_table(
        "query_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_hash", sa.String(length=64), nullable=False),
        sa.Column("query", sa.String(length=500), nullable=False),
        sa.Column("normalized", sa.String(length=500), nullable=False),
        sa.Column("answered_entry_id", sa.String(length=200), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_query_log_team_id_created_at"), "query_log", ["team_id", "created_at"])
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("post_time", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("weekly_day", sa.SmallInteger(), nullable=False),
        sa.Column("subscribed_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("paused_reason", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "team_id", "channel_id", name=op.f("uq_subscriptions_team_id_channel_id")
        ),
    )
    # An app that ran slack_sdk's create_tables() before migrations existed already has these.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "slack_bots" not in existing:
        op.create_table(
            "slack_bots",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("client_id", sa.String(length=32), nullable=False),
            sa.Column("app_id", sa.String(length=32), nullable=False),
            sa.Column("enterprise_id", sa.String(length=32), nullable=True),
            sa.Column("enterprise_name", sa.String(length=200), nullable=True),
            sa.Column("team_id", sa.String(length=32), nullable=True),
            sa.Column("team_name", sa.String(length=200), nullable=True),
            sa.Column("bot_token", sa.String(length=200), nullable=True),
            sa.Column("bot_id", sa.String(length=32), nullable=True),
            sa.Column("bot_user_id", sa.String(length=32), nullable=True),
            sa.Column("bot_scopes", sa.String(length=1000), nullable=True),
            sa.Column("bot_refresh_token", sa.String(length=200), nullable=True),
            sa.Column("bot_token_expires_at", sa.DateTime(), nullable=True),
            sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
            sa.Column("installed_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            "slack_bots_idx",
            "slack_bots",
            ["client_id", "enterprise_id", "team_id", "installed_at"],
        )
    if "slack_installations" not in existing:
        op.create_table(
            "slack_installations",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("client_id", sa.String(length=32), nullable=False),
            sa.Column("app_id", sa.String(length=32), nullable=False),
            sa.Column("enterprise_id", sa.String(length=32), nullable=True),
            sa.Column("enterprise_name", sa.String(length=200), nullable=True),
            sa.Column("enterprise_url", sa.String(length=200), nullable=True),
            sa.Column("team_id", sa.String(length=32), nullable=True),
            sa.Column("team_name", sa.String(length=200), nullable=True),
            sa.Column("bot_token", sa.String(length=200), nullable=True),
            sa.Column("bot_id", sa.String(length=32), nullable=True),
            sa.Column("bot_user_id", sa.String(length=32), nullable=True),
            sa.Column("bot_scopes", sa.String(length=1000), nullable=True),
            sa.Column("bot_refresh_token", sa.String(length=200), nullable=True),
            sa.Column("bot_token_expires_at", sa.DateTime(), nullable=True),
            sa.Column("user_id", sa.String(length=32), nullable=False),
            sa.Column("user_token", sa.String(length=200), nullable=True),
            sa.Column("user_scopes", sa.String(length=1000), nullable=True),
            sa.Column("user_refresh_token", sa.String(length=200), nullable=True),
            sa.Column("user_token_expires_at", sa.DateTime(), nullable=True),
            sa.Column("incoming_webhook_url", sa.String(length=200), nullable=True),
            sa.Column("incoming_webhook_channel", sa.String(length=200), nullable=True),
            sa.Column("incoming_webhook_channel_id", sa.String(length=200), nullable=True),
            sa.Column("incoming_webhook_configuration_url", sa.String(length=200), nullable=True),
            sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
            sa.Column("token_type", sa.String(length=32), nullable=True),
            sa.Column("installed_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            "slack_installations_idx",
            "slack_installations",
            ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"],
        )
    if "slack_oauth_states" not in existing:
        op.create_table(
            "slack_oauth_states",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("state", sa.String(length=200), nullable=False),
            sa.Column("expire_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )


def downgrade() -> None:
    op.drop_table("slack_oauth_states")
    op.drop_table("slack_installations")
    op.drop_table("slack_bots")
    op.drop_table("subscriptions")
    op.drop_table("query_log")
    op.drop_table("processed_events")
    op.drop_table("digest_posts")
