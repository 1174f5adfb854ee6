"""The tables, as SQLAlchemy 2 typed models on one `MetaData` (`Base.metadata`).

slack_sdk's installation and OAuth-state tables are built on the same metadata with slack_sdk's
own table builders, so the Alembic schema test compares them too: a slack_sdk upgrade that
changes its columns fails that test until a migration catches up.

Timestamps are stored as naive UTC (`UTCDateTime`) on every backend, the way slack_sdk stores
its own; Python code only ever sees timezone-aware UTC datetimes.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.workspace import Workspace

QUERY_MAX_CHARS = 500
QUERY_SOURCES = ("command", "mention", "dm", "shortcut", "cli")
# Where a question was asked, as Slack names conversation types; "unknown" when the payload
# does not say (an @mention in a C… channel may be public or private). Only "channel" (a public
# channel) ever reaches a surface other people see; everything else is treated as private.
CONVERSATION_TYPES = ("channel", "group", "mpim", "im", "unknown")
PUBLIC_CONVERSATION = "channel"
# claimed: being posted; posted; failed: refused for good (the subscription is paused); retry:
# refused for a transient reason, posted again from `retry_at`; gave_up: the day's cap reached.
POST_STATUSES = ("claimed", "posted", "failed", "retry", "gave_up")

# slack_sdk's default table names; `installation_store()` / `oauth_state_store()` use them.
SLACK_BOTS_TABLE = SQLAlchemyInstallationStore.default_bots_table_name
SLACK_INSTALLATIONS_TABLE = SQLAlchemyInstallationStore.default_installations_table_name
SLACK_OAUTH_STATES_TABLE = SQLAlchemyOAuthStateStore.default_table_name


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, naive UTC in the database (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime (UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        }
    )


class Subscription(Base):
    """A channel that gets the daily digest at `post_time` local time in `timezone`."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("team_id", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    post_time: Mapped[str] = mapped_column(String(5))  # "HH:MM", local to `timezone`
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. "Asia/Shanghai"
    weekly_day: Mapped[int] = mapped_column(SmallInteger, default=0)  # 0 = Monday
    subscribed_by: Mapped[str] = mapped_column(String(32))  # user id, for the "paused" DM
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paused_reason: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # JSON list of the digest pool ids the channel's rotation knew (bot.digest.all_pool_ids);
    # entries a rebuild adds later are not in it, so they come first. NULL: nothing is new.
    known_ids: Mapped[str | None] = mapped_column(Text)
    # Enterprise Grid: the org of the workspace (None outside Grid) and whether the app is
    # installed org-wide there; with `team_id`, the key of the installation to post with.
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    enterprise_install: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def workspace(self) -> Workspace:
        return Workspace(self.team_id, self.enterprise_id, bool(self.enterprise_install))

    def known_id_set(self) -> frozenset[str] | None:
        return None if self.known_ids is None else frozenset(json.loads(self.known_ids))


class DigestPost(Base):
    """One channel's digest on one local date: the claim that makes posting exactly-once, and
    afterwards what was shown (the history that the rotation is computed from)."""

    __tablename__ = "digest_posts"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", "local_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    local_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # one of POST_STATUSES
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str] = mapped_column(String(64))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    trend_entry_id: Mapped[str | None] = mapped_column(String(200))
    term_entry_id: Mapped[str | None] = mapped_column(String(200))
    fact_id: Mapped[str | None] = mapped_column(String(200))
    # Posting attempts on this date so far (a transient error counts one), when the next may
    # start (status `retry`) and Slack's error code of the last one.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(64))


class QueryLog(Base):
    """One question asked. No raw user id: `user_hash` is HMAC-SHA256 of (team, user) under
    QUERY_LOG_SALT, a key kept outside the database. `conversation` is one of
    CONVERSATION_TYPES: where it was asked decides who may ever see anything derived from it."""

    __tablename__ = "query_log"
    __table_args__ = (Index(None, "team_id", "created_at"), Index(None, "created_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_hash: Mapped[str] = mapped_column(String(64))
    query: Mapped[str] = mapped_column(String(QUERY_MAX_CHARS))
    normalized: Mapped[str] = mapped_column(String(QUERY_MAX_CHARS))
    answered_entry_id: Mapped[str | None] = mapped_column(String(200))
    latency_ms: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))  # one of QUERY_SOURCES
    conversation: Mapped[str] = mapped_column(String(16), server_default="unknown")
    enterprise_id: Mapped[str | None] = mapped_column(String(32))  # the Grid org, if any
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


EVENT_STATUSES = ("handling", "done")


class ProcessedEvent(Base):
    """A Slack delivery (event id, trigger id, button press) being handled or handled, for
    de-duplicating retried deliveries: `handling` by `claimed_by` since `created_at`, then
    `done` (see bot/listeners/dedupe.py)."""

    __tablename__ = "processed_events"
    __table_args__ = (Index(None, "created_at"),)

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="done", server_default="done")
    claimed_by: Mapped[str | None] = mapped_column(String(64))


# Team knowledge (issue 12): votes on answers, suggested terms, the approved overlay per
# workspace, and the version number every process polls to pick up approvals in seconds.
VOTE_WANTED_MAX_CHARS = 500
SUGGESTION_ORIGINS = ("no_answer", "correct", "teach", "shortcut", "feedback", "report")
SUGGESTION_STATUSES = ("pending", "approved", "rejected")
SUGGESTION_REASON_MAX_CHARS = 500


class AnswerVote(Base):
    """One person's 👍 (+1) or 👎 (-1) on one entry an answer showed, in one workspace;
    changeable, one per (team, entry, person). No raw user id: `user_hash` is keyed like the
    query log's. `wanted`: what the person was looking for (the 👎 modal's free text)."""

    __tablename__ = "answer_votes"
    __table_args__ = (
        UniqueConstraint("team_id", "entry_id", "user_hash"),
        Index(None, "team_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    entry_id: Mapped[str] = mapped_column(String(200))
    user_hash: Mapped[str] = mapped_column(String(64))
    vote: Mapped[int] = mapped_column(SmallInteger)  # +1 or -1
    wanted: Mapped[str | None] = mapped_column(String(VOTE_WANTED_MAX_CHARS))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SuggestionRow(Base):
    """A term someone proposed (new, or a correction of an entry), waiting for an editor or
    decided. `submitter` and `reviewer` are Slack user ids: the outcome is DMed to the
    submitter and an answer says who approved it. `term` is the TeamTerm as JSON."""

    __tablename__ = "suggestions"
    __table_args__ = (Index(None, "team_id", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    submitter: Mapped[str] = mapped_column(String(32))
    term: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(16))  # one of SUGGESTION_ORIGINS
    status: Mapped[str] = mapped_column(String(16))  # one of SUGGESTION_STATUSES
    reviewer: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(SUGGESTION_REASON_MAX_CHARS))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TeamTermRow(Base):
    """An approved term of a workspace's overlay, answering as `key` (the built-in entry id it
    corrects, or "team:<suggestion id>"). Live while `retired_at` is NULL; retired when undone,
    superseded by a later approval of the same key, or found in the knowledge file itself
    (`retired_reason`). Retired rows stay as the record of what was live when."""

    __tablename__ = "team_terms"
    __table_args__ = (Index(None, "team_id", "retired_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    term: Mapped[str] = mapped_column(Text)
    suggestion_id: Mapped[int | None] = mapped_column(Integer)
    approved_by: Mapped[str] = mapped_column(String(32))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retired_by: Mapped[str | None] = mapped_column(String(32))
    retired_reason: Mapped[str | None] = mapped_column(String(32))


class KnowledgeVersion(Base):
    """One row per workspace whose overlay ever changed: `version` goes up with every change
    (approval, undo, retirement), and every process polls the table to rebuild what changed."""

    __tablename__ = "knowledge_version"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


# claimed: being sent; sent; retry: no editor could be reached, tried again from `retry_at`;
# gave_up: the attempts of the day are spent.
REPORT_STATUSES = ("claimed", "sent", "retry", "gave_up")


class KnowledgeReport(Base):
    """The editors' weekly knowledge-gap report of one workspace on one local date (the
    report's weekday): the claim that makes it once per week across processes, then how many
    editors got it (`sent_to`; 0: there was nothing to report)."""

    __tablename__ = "knowledge_reports"
    __table_args__ = (UniqueConstraint("team_id", "local_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(32))
    local_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # one of REPORT_STATUSES
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(64))
    sent_to: Mapped[int | None] = mapped_column(Integer)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


SQLAlchemyInstallationStore.build_bots_table(Base.metadata, SLACK_BOTS_TABLE)
SQLAlchemyInstallationStore.build_installations_table(Base.metadata, SLACK_INSTALLATIONS_TABLE)
SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, SLACK_OAUTH_STATES_TABLE)

# Token columns are text, not slack_sdk's VARCHAR(200): a token encrypted with
# TOKEN_ENCRYPTION_KEY (Fernet) is about 2.7 times as long as the token (migration 0005).
TOKEN_COLUMNS = {
    SLACK_BOTS_TABLE: ("bot_token", "bot_refresh_token"),
    SLACK_INSTALLATIONS_TABLE: (
        "bot_token",
        "bot_refresh_token",
        "user_token",
        "user_refresh_token",
    ),
}
for _table, _columns in TOKEN_COLUMNS.items():
    for _column in _columns:
        Base.metadata.tables[_table].c[_column].type = Text()
