"""`Store`: the queries the app needs, each one short transaction, retried on transient errors.

Exactly-once posting rests on the database, not on the processes: `claim` inserts the
(team, channel, local date) row and the unique constraint lets one INSERT win; a claim left
behind by a process that died mid-post is taken over by a conditional UPDATE that only one
caller's WHERE clause can still match.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import ColumnElement, case, delete, distinct, exc, func, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.digest.schedule import (
    DEFAULT_POST_TIME,
    DEFAULT_TIMEZONE,
    DEFAULT_WEEKLY_DAY,
    due_date,
    validate_post_time,
    validate_timezone,
    validate_weekly_day,
)
from bot.store.engine import RETRY_BACKOFF, make_engine, with_retries
from bot.store.models import (
    CONVERSATION_TYPES,
    PUBLIC_CONVERSATION,
    QUERY_MAX_CHARS,
    QUERY_SOURCES,
    SLACK_BOTS_TABLE,
    SLACK_INSTALLATIONS_TABLE,
    SLACK_OAUTH_STATES_TABLE,
    SUGGESTION_ORIGINS,
    SUGGESTION_REASON_MAX_CHARS,
    VOTE_WANTED_MAX_CHARS,
    AnswerVote,
    DigestPost,
    KnowledgeReport,
    KnowledgeVersion,
    ProcessedEvent,
    QueryLog,
    Subscription,
    SuggestionRow,
    TeamTermRow,
)
from bot.store.tokens import EncryptedInstallationStore, TokenCipher
from bot.workspace import Workspace

if TYPE_CHECKING:
    from knowledge.overlay import ApprovedTerm, TeamTerm

T = TypeVar("T")

# A claim older than this belongs to a process that died mid-post; another may take it over.
DEFAULT_STALE_CLAIM = timedelta(minutes=10)


# An unanswered topic is shown only once this many different people asked it (in public
# channels): fewer could point at one person's question.
MIN_TOPIC_ASKERS = 3


@dataclass(frozen=True)
class EntryStat:
    """An entry of the knowledge that questions were answered with: how often, by how many."""

    entry_id: str
    count: int
    askers: int


@dataclass(frozen=True)
class TopicStat:
    """A normalised question the knowledge had no answer for, asked by `askers` people."""

    topic: str
    count: int
    askers: int


@dataclass(frozen=True)
class OwnQuestion:
    """One of a person's own questions, for that person only (the App Home)."""

    query: str
    answered_entry_id: str | None
    asked_at: datetime


@dataclass(frozen=True)
class VoteCount:
    """The 👍 and 👎 one entry got in a workspace."""

    entry_id: str
    up: int
    down: int


@dataclass(frozen=True)
class Suggestion:
    """A proposed term and what became of it. `submitter` and `reviewer` are Slack user ids."""

    id: int
    team_id: str
    submitter: str
    term: TeamTerm
    origin: str  # one of SUGGESTION_ORIGINS
    status: str  # "pending" | "approved" | "rejected"
    reviewer: str | None
    reason: str | None
    created_at: datetime
    decided_at: datetime | None


class SuggestionDecided(Exception):
    """An editor acted on a suggestion another editor (or another click) already decided."""

    def __init__(self, suggestion: Suggestion) -> None:
        super().__init__(f"suggestion {suggestion.id} is already {suggestion.status}")
        self.suggestion = suggestion


# Why a team term stopped being live (team_terms.retired_reason).
RETIRED_UNDONE = "undone"
RETIRED_SUPERSEDED = "superseded"  # a later approval answers as the same key
RETIRED_IN_KNOWLEDGE_FILE = "in_knowledge_file"  # the rebuilt knowledge file has it now


def hash_user(key: str, team_id: str, user_id: str) -> str:
    """HMAC-SHA256 of (team, user) under `key`: stable per person, and without the key no one
    can test guessed user ids against the stored hashes (Slack user ids are few)."""
    if not key:
        raise ValueError("the query log's user hashes need a key (QUERY_LOG_SALT)")
    message = f"{team_id}\x1f{user_id}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def installation_store(
    engine: Engine, client_id: str, cipher: TokenCipher | None = None
) -> SQLAlchemyInstallationStore:
    """slack_sdk's installation store on this engine; `migrate` creates its tables. With a
    `cipher` (TOKEN_ENCRYPTION_KEY) the tokens are encrypted at rest."""
    kwargs = dict(
        client_id=client_id,
        engine=engine,
        bots_table_name=SLACK_BOTS_TABLE,
        installations_table_name=SLACK_INSTALLATIONS_TABLE,
    )
    if cipher is not None:
        return EncryptedInstallationStore(cipher, **kwargs)
    return SQLAlchemyInstallationStore(**kwargs)


def oauth_state_store(engine: Engine, expiration_seconds: int = 600) -> SQLAlchemyOAuthStateStore:
    """slack_sdk's OAuth state store on this engine; `migrate` creates its table."""
    return SQLAlchemyOAuthStateStore(
        expiration_seconds=expiration_seconds, engine=engine, table_name=SLACK_OAUTH_STATES_TABLE
    )


@dataclass(frozen=True)
class QueryRecord:
    """One question for the query log, as a listener saw it. The user id is stored only as a
    keyed hash; a missing team or user is stored as "". `conversation` is where it was asked
    (one of CONVERSATION_TYPES; "unknown" counts as private)."""

    team_id: str | None
    user_id: str | None
    query: str
    normalized: str
    answered_entry_id: str | None  # None: no answer
    latency_ms: int
    source: str  # one of QUERY_SOURCES: command / mention / dm / shortcut / cli
    conversation: str = "unknown"
    enterprise_id: str | None = None  # the Enterprise Grid org, if any


class Store:
    """The app's queries. Pass the engine (already migrated) and the clock; `sleep` is only
    used between retries of a transient error and `user_key` (QUERY_LOG_SALT) keys the user
    hashes: without it, questions cannot be logged nor anyone's forgotten."""

    def __init__(
        self,
        engine: Engine,
        now: Callable[[], datetime],
        *,
        user_key: str | None = None,
        stale_claim: timedelta = DEFAULT_STALE_CLAIM,
        sleep: Callable[[float], None] = time.sleep,
        retry_backoff: tuple[float, ...] = RETRY_BACKOFF,
    ) -> None:
        self.engine = engine
        self._now = now
        self._user_key = user_key
        self._stale_claim = stale_claim
        self._sleep = sleep
        self._backoff = retry_backoff
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @cached_property
    def lookup_engine(self) -> Engine:
        """The engine for reads that must not wait for another program's write lock (Bolt
        reads the installation before every ack). On SQLite the store's own engine begins
        every transaction by taking that lock; this one begins deferred, and WAL readers never
        wait. Other databases: the store's engine."""
        if self.engine.dialect.name != "sqlite":
            return self.engine
        return make_engine(self.engine.url.render_as_string(hide_password=False), write_first=False)

    def now(self) -> datetime:
        value = self._now()
        if value.tzinfo is None:
            raise ValueError("the store's clock must return aware datetimes")
        return value.astimezone(UTC)

    def _transaction(self, what: str, work: Callable[[Session], T]) -> T:
        def attempt() -> T:
            with self._sessions.begin() as session:
                return work(session)

        return with_retries(attempt, what=what, sleep=self._sleep, backoff=self._backoff)

    def _read(self, what: str, work: Callable[[Session], T]) -> T:
        """A read on `lookup_engine`: on SQLite it never waits for another connection's write
        lock (the store's own engine begins every transaction by taking it). For reads on a
        request's way to its ack, such as the knowledge a workspace answers with."""
        sessions = self._read_sessions

        def attempt() -> T:
            with sessions.begin() as session:
                return work(session)

        return with_retries(attempt, what=what, sleep=self._sleep, backoff=self._backoff)

    @cached_property
    def _read_sessions(self) -> sessionmaker:
        return sessionmaker(self.lookup_engine, expire_on_commit=False)

    # -- subscriptions ------------------------------------------------------------------------

    def subscribe(
        self,
        team_id: str,
        channel_id: str,
        user_id: str,
        post_time: str = DEFAULT_POST_TIME,
        tz: str = DEFAULT_TIMEZONE,
        weekly_day: int = DEFAULT_WEEKLY_DAY,
        *,
        known_ids: Iterable[str] | None = None,
        enterprise_id: str | None = None,
        enterprise_install: bool = False,
    ) -> Subscription:
        """Subscribe a channel, or change its time; a paused subscription becomes active.

        `known_ids` (the digest pool today) is kept for a new subscription, or one that has none
        yet; a re-subscription keeps the rotation memory it has. `enterprise_id` and
        `enterprise_install` (Enterprise Grid) say which installation posts the digest; a
        re-subscription updates them (a workspace may have joined an org since)."""
        post_time = validate_post_time(post_time)
        tz = validate_timezone(tz)
        weekly_day = validate_weekly_day(weekly_day)
        known = _encode_ids(known_ids)

        def insert(session: Session) -> Subscription | None:
            if self._find(session, team_id, channel_id) is not None:
                return None
            now = self.now()
            sub = Subscription(
                team_id=team_id,
                channel_id=channel_id,
                post_time=post_time,
                timezone=tz,
                weekly_day=weekly_day,
                subscribed_by=user_id,
                created_at=now,
                updated_at=now,
                paused_reason=None,
                active=True,
                known_ids=known,
                enterprise_id=enterprise_id,
                enterprise_install=enterprise_install,
            )
            session.add(sub)
            return sub

        def change(session: Session) -> Subscription:
            sub = self._find(session, team_id, channel_id)
            assert sub is not None  # rows are only deleted by unsubscribe
            sub.post_time, sub.timezone, sub.weekly_day = post_time, tz, weekly_day
            sub.subscribed_by = user_id
            sub.active, sub.paused_reason = True, None
            sub.enterprise_id, sub.enterprise_install = enterprise_id, enterprise_install
            if sub.known_ids is None:
                sub.known_ids = known
            sub.updated_at = self.now()
            return sub

        try:
            inserted = self._transaction("save the subscription", insert)
        except exc.IntegrityError:  # another process subscribed the channel just now
            inserted = None
        if inserted is not None:
            return inserted
        return self._transaction("save the subscription", change)

    def unsubscribe(self, team_id: str, channel_id: str) -> bool:
        """Stop the digest in a channel; False if it was not subscribed."""

        def work(session: Session) -> bool:
            result = session.execute(
                delete(Subscription).where(
                    Subscription.team_id == team_id, Subscription.channel_id == channel_id
                )
            )
            return result.rowcount > 0

        return self._transaction("remove the subscription", work)

    def subscription(self, team_id: str, channel_id: str) -> Subscription | None:
        return self._transaction(
            "read the subscription", lambda s: self._find(s, team_id, channel_id)
        )

    def subscriptions(self, team_id: str) -> list[Subscription]:
        """All of a workspace's subscriptions, paused ones included, by channel id."""

        def work(session: Session) -> list[Subscription]:
            query = (
                select(Subscription)
                .where(Subscription.team_id == team_id)
                .order_by(Subscription.channel_id)
            )
            return list(session.scalars(query))

        return self._transaction("list subscriptions", work)

    def pause(self, team_id: str, channel_id: str, reason: str) -> bool:
        """Stop posting until the channel is subscribed again; False if not subscribed."""

        def work(session: Session) -> bool:
            result = session.execute(
                update(Subscription)
                .where(Subscription.team_id == team_id, Subscription.channel_id == channel_id)
                .values(active=False, paused_reason=reason[:200], updated_at=self.now())
            )
            return result.rowcount > 0

        return self._transaction("pause the subscription", work)

    def pause_installation(
        self, *, enterprise_id: str | None, team_id: str | None, reason: str
    ) -> int:
        """Pause the active subscriptions an installation posted for: one workspace's
        (`team_id`), or with no team, every workspace of an org-wide install (`enterprise_id`).
        Returns how many were paused."""
        where = self._installation_subscriptions(enterprise_id, team_id)
        if where is None:
            return 0

        def work(session: Session) -> int:
            result = session.execute(
                update(Subscription)
                .where(where, Subscription.active.is_(True))
                .values(active=False, paused_reason=reason[:200], updated_at=self.now())
            )
            return result.rowcount

        return self._transaction("pause the installation's subscriptions", work)

    @staticmethod
    def _installation_subscriptions(enterprise_id: str | None, team_id: str | None):
        if team_id:
            return Subscription.team_id == team_id
        if enterprise_id:
            return Subscription.enterprise_id == enterprise_id
        return None

    def set_known_ids(self, team_id: str, channel_id: str, known_ids: Iterable[str]) -> bool:
        """Remember the digest pool the channel's rotation has now seen as known."""

        def work(session: Session) -> bool:
            result = session.execute(
                update(Subscription)
                .where(Subscription.team_id == team_id, Subscription.channel_id == channel_id)
                .values(known_ids=_encode_ids(known_ids))
            )
            return result.rowcount > 0

        return self._transaction("remember the digest pool", work)

    def channel_subscriptions(self, channel_id: str) -> list[Subscription]:
        """Subscriptions of a channel id in any workspace (for the CLI, which has no team)."""

        def work(session: Session) -> list[Subscription]:
            query = (
                select(Subscription)
                .where(Subscription.channel_id == channel_id)
                .order_by(Subscription.team_id)
            )
            return list(session.scalars(query))

        return self._transaction("find the channel's subscription", work)

    @staticmethod
    def _find(session: Session, team_id: str, channel_id: str) -> Subscription | None:
        return session.scalars(
            select(Subscription).where(
                Subscription.team_id == team_id, Subscription.channel_id == channel_id
            )
        ).one_or_none()

    # -- digest posts ---------------------------------------------------------------------------

    def due_subscriptions(self, now_utc: datetime) -> list[tuple[Subscription, date]]:
        """Active subscriptions whose post time has passed today in their own time zone and
        that have no posted (or live claimed) digest for today. Only today counts: a day the
        app was down entirely is not posted later. A stale claim counts as due again; a digest
        waiting to be retried once its `retry_at` has come; one given up for today, not."""
        if now_utc.tzinfo is None:
            raise ValueError("now_utc must be timezone-aware")
        stale_before = now_utc - self._stale_claim

        def work(session: Session) -> list[tuple[Subscription, date]]:
            candidates: list[tuple[Subscription, date]] = []
            for sub in session.scalars(
                select(Subscription)
                .where(Subscription.active.is_(True))
                .order_by(Subscription.team_id, Subscription.channel_id)
            ):
                local_date = due_date(sub.post_time, sub.timezone, now_utc)
                if local_date is not None:
                    candidates.append((sub, local_date))
            if not candidates:
                return []
            dates = {d for _, d in candidates}
            done = {
                tuple(row)
                for row in session.execute(
                    select(DigestPost.team_id, DigestPost.channel_id, DigestPost.local_date).where(
                        DigestPost.local_date.in_(dates),
                        or_(
                            DigestPost.status.in_(("posted", "gave_up")),
                            (DigestPost.status == "claimed")
                            & (DigestPost.claimed_at >= stale_before),
                            (DigestPost.status == "retry") & (DigestPost.retry_at > now_utc),
                        ),
                    )
                )
            }
            return [(s, d) for s, d in candidates if (s.team_id, s.channel_id, d) not in done]

        return self._transaction("find due digests", work)

    def claim(
        self,
        team_id: str,
        channel_id: str,
        local_date: date,
        claimer: str,
        *,
        asked: bool = False,
    ) -> bool:
        """Take the right to post this channel's digest for `local_date`. True for exactly one
        caller across processes; a failed post, a stale claim and a retry whose time has come
        can be taken over. `asked` (someone ran `/aigc digest post`): a retry or a day given up
        may be taken over now; the attempts so far still count."""
        now = self.now()
        if asked:
            retry_due = DigestPost.status.in_(("retry", "gave_up"))
        else:
            retry_due = (DigestPost.status == "retry") & (DigestPost.retry_at <= now)
        key = {"team_id": team_id, "channel_id": channel_id, "local_date": local_date}
        return self._claim(
            "claim the digest",
            DigestPost,
            key,
            claimer,
            now,
            also=(DigestPost.status == "failed", retry_due),
        )

    def _claim(
        self,
        what: str,
        model: type[DigestPost] | type[KnowledgeReport],
        key: dict[str, object],
        claimer: str,
        now: datetime,
        *,
        also: Sequence[ColumnElement[bool]] = (),
    ) -> bool:
        """The claim row for `key`, inserted, or the existing one taken over when its claim is
        stale or one of `also` holds: True for exactly one caller across processes (the
        primary key refuses a second insert; the update's conditions a second take-over)."""

        def insert(session: Session) -> None:
            session.add(model(**key, status="claimed", claimed_at=now, claimed_by=claimer))

        try:
            self._transaction(what, insert)
            return True
        except exc.IntegrityError:
            pass

        def take_over(session: Session) -> bool:
            result = session.execute(
                update(model)
                .where(
                    *(getattr(model, column) == value for column, value in key.items()),
                    or_(
                        (model.status == "claimed") & (model.claimed_at < now - self._stale_claim),
                        *also,
                    ),
                )
                .values(status="claimed", claimed_at=now, claimed_by=claimer)
            )
            return result.rowcount == 1

        return self._transaction(what, take_over)

    def mark_posted(
        self,
        team_id: str,
        channel_id: str,
        local_date: date,
        claimer: str,
        *,
        message_ts: str,
        trend_entry_id: str | None,
        term_entry_id: str | None,
        fact_id: str | None,
    ) -> bool:
        """Record the post and what it showed. False if `claimer` no longer holds the claim."""
        return self._finish(
            team_id,
            channel_id,
            local_date,
            claimer,
            status="posted",
            message_ts=message_ts,
            posted_at=self.now(),
            trend_entry_id=trend_entry_id,
            term_entry_id=term_entry_id,
            fact_id=fact_id,
        )

    def mark_failed(self, team_id: str, channel_id: str, local_date: date, claimer: str) -> bool:
        """The post failed for good (e.g. the bot was removed from the channel). The row stays
        as a record; a later `claim` (after the channel is re-subscribed) may take it over."""
        return self._finish(team_id, channel_id, local_date, claimer, status="failed")

    def mark_retry(
        self,
        team_id: str,
        channel_id: str,
        local_date: date,
        claimer: str,
        *,
        error: str,
        delay: Callable[[int], timedelta],
        max_attempts: int,
    ) -> DigestPost | None:
        """Count a failed attempt. Below `max_attempts` the digest waits (`retry`) for
        `delay(attempts)`; at it, the date's digest is `gave_up`. Returns the row as it is now,
        or None if `claimer` no longer holds the claim."""

        def work(session: Session) -> DigestPost | None:
            row = session.scalars(
                select(DigestPost).where(*self._claim_key(team_id, channel_id, local_date, claimer))
            ).one_or_none()
            if row is None:
                return None
            row.attempts = (row.attempts or 0) + 1
            row.last_error = error[:64]
            row.status = "gave_up" if row.attempts >= max_attempts else "retry"
            row.retry_at = None if row.status == "gave_up" else self.now() + delay(row.attempts)
            return row

        return self._transaction("record the failed attempt", work)

    def gave_up_before(self, team_id: str, channel_id: str, local_date: date) -> bool:
        """Whether the channel's latest digest before `local_date` was given up too (the
        subscriber was told then, and is not told again every day of a long outage)."""

        def work(session: Session) -> bool:
            status = session.scalars(
                select(DigestPost.status)
                .where(
                    DigestPost.team_id == team_id,
                    DigestPost.channel_id == channel_id,
                    DigestPost.local_date < local_date,
                )
                .order_by(DigestPost.local_date.desc())
                .limit(1)
            ).one_or_none()
            return status == "gave_up"

        return self._transaction("read the previous digest", work)

    def _finish(
        self, team_id: str, channel_id: str, local_date: date, claimer: str, **values: object
    ) -> bool:
        def work(session: Session) -> bool:
            result = session.execute(
                update(DigestPost)
                .where(*self._claim_key(team_id, channel_id, local_date, claimer))
                .values(**values)
            )
            return result.rowcount == 1

        return self._transaction("record the digest post", work)

    def release(self, team_id: str, channel_id: str, local_date: date, claimer: str) -> bool:
        """Give the claim back (e.g. Slack was unreachable) so the next tick tries again."""

        def work(session: Session) -> bool:
            result = session.execute(
                delete(DigestPost).where(*self._claim_key(team_id, channel_id, local_date, claimer))
            )
            return result.rowcount == 1

        return self._transaction("release the digest claim", work)

    @staticmethod
    def _claim_key(team_id: str, channel_id: str, local_date: date, claimer: str) -> Sequence:
        return (
            DigestPost.team_id == team_id,
            DigestPost.channel_id == channel_id,
            DigestPost.local_date == local_date,
            DigestPost.status == "claimed",
            DigestPost.claimed_by == claimer,
        )

    def digest_post(self, team_id: str, channel_id: str, local_date: date) -> DigestPost | None:
        def work(session: Session) -> DigestPost | None:
            return session.scalars(
                select(DigestPost).where(
                    DigestPost.team_id == team_id,
                    DigestPost.channel_id == channel_id,
                    DigestPost.local_date == local_date,
                )
            ).one_or_none()

        return self._transaction("read the digest post", work)

    def history(self, team_id: str, channel_id: str) -> list[DigestPost]:
        """The channel's posted digests, oldest first: the input of the rotation."""

        def work(session: Session) -> list[DigestPost]:
            return list(
                session.scalars(
                    select(DigestPost)
                    .where(
                        DigestPost.team_id == team_id,
                        DigestPost.channel_id == channel_id,
                        DigestPost.status == "posted",
                    )
                    .order_by(DigestPost.local_date)
                )
            )

        return self._transaction("read the digest history", work)

    # -- query log --------------------------------------------------------------------------------

    def _hash_user(self, team_id: str, user_id: str) -> str:
        if not self._user_key:
            raise ValueError("this store has no query-log key (QUERY_LOG_SALT)")
        return hash_user(self._user_key, team_id, user_id)

    def log_queries(self, records: Sequence[QueryRecord]) -> None:
        """Record several questions in one transaction (the query log's writer batches them)."""
        for record in records:
            if record.source not in QUERY_SOURCES:
                raise ValueError(f"source must be one of {QUERY_SOURCES}, not {record.source!r}")
            if record.conversation not in CONVERSATION_TYPES:
                raise ValueError(
                    f"conversation must be one of {CONVERSATION_TYPES}, not {record.conversation!r}"
                )
        now = self.now()
        rows = [
            {
                "team_id": r.team_id or "",
                "user_hash": self._hash_user(r.team_id or "", r.user_id or ""),
                "query": r.query[:QUERY_MAX_CHARS],
                "normalized": r.normalized[:QUERY_MAX_CHARS],
                "answered_entry_id": r.answered_entry_id,
                "latency_ms": max(0, int(r.latency_ms)),
                "source": r.source,
                "conversation": r.conversation,
                "enterprise_id": r.enterprise_id,
                "created_at": now,
            }
            for r in records
        ]
        if rows:
            # One executemany, not ORM objects: under load the log's writer thread took CPU
            # (and the GIL) from the requests for each row's unit-of-work bookkeeping.
            self._transaction(
                "log the questions", lambda session: session.execute(insert(QueryLog), rows)
            )

    @staticmethod
    def _shared(team_id: str, since: datetime | None) -> list:
        """The rows a surface other people see may draw on: the team's public-channel
        questions (since `since`). Never a DM, a group DM, a private channel, or unknown."""
        where = [QueryLog.team_id == team_id, QueryLog.conversation == PUBLIC_CONVERSATION]
        if since is not None:
            where.append(QueryLog.created_at >= since)
        return where

    def asked_entries(
        self, team_id: str, since: datetime | None, limit: int = 10
    ) -> list[EntryStat]:
        """The entries public-channel questions were answered with since `since` (None: ever),
        most asked first, with how many different people asked. No question text."""
        count = func.count().label("count")
        askers = func.count(distinct(QueryLog.user_hash)).label("askers")
        query = (
            select(QueryLog.answered_entry_id, count, askers)
            .where(*self._shared(team_id, since), QueryLog.answered_entry_id.is_not(None))
            .group_by(QueryLog.answered_entry_id)
            .order_by(count.desc(), askers.desc(), QueryLog.answered_entry_id)
            .limit(limit)
        )

        def work(session: Session) -> list[EntryStat]:
            return [EntryStat(e, c, a) for e, c, a in session.execute(query)]

        return self._transaction("read the asked entries", work)

    def unanswered_topics(
        self,
        team_id: str,
        since: datetime | None,
        limit: int = 10,
        *,
        min_askers: int = MIN_TOPIC_ASKERS,
    ) -> list[TopicStat]:
        """What the knowledge lacks: normalised public-channel questions that got no answer,
        each only once at least `min_askers` different people asked it."""
        count = func.count().label("count")
        askers = func.count(distinct(QueryLog.user_hash)).label("askers")
        query = (
            select(QueryLog.normalized, count, askers)
            .where(*self._shared(team_id, since), QueryLog.answered_entry_id.is_(None))
            .group_by(QueryLog.normalized)
            .having(func.count(distinct(QueryLog.user_hash)) >= min_askers)
            .order_by(askers.desc(), count.desc(), QueryLog.normalized)
            .limit(limit)
        )

        def work(session: Session) -> list[TopicStat]:
            return [TopicStat(t, c, a) for t, c, a in session.execute(query) if t]

        return self._transaction("read the unanswered topics", work)

    def own_questions(self, team_id: str, user_id: str, limit: int = 10) -> list[OwnQuestion]:
        """A person's own most recent questions, wherever asked: for that person's eyes only."""
        user_hash = self._hash_user(team_id, user_id)
        query = (
            select(QueryLog.query, QueryLog.answered_entry_id, QueryLog.created_at)
            .where(QueryLog.team_id == team_id, QueryLog.user_hash == user_hash)
            .order_by(QueryLog.created_at.desc(), QueryLog.id.desc())
            .limit(limit)
        )

        def work(session: Session) -> list[OwnQuestion]:
            return [OwnQuestion(q, e, t) for q, e, t in session.execute(query)]

        return self._transaction("read the person's questions", work)

    def purge_queries(self, older_than: timedelta) -> int:
        """Delete questions asked more than `older_than` ago (QUERY_LOG_DAYS); returns how many."""
        cutoff = self.now() - older_than

        def work(session: Session) -> int:
            return session.execute(delete(QueryLog).where(QueryLog.created_at < cutoff)).rowcount

        return self._transaction("purge the query log", work)

    def forget_installation_queries(self, *, enterprise_id: str | None, team_id: str | None) -> int:
        """Delete the questions asked in an uninstalled workspace (`team_id`), or with no team,
        in every workspace of an org-wide install: those logged with its `enterprise_id`, and
        those of the workspaces its subscriptions name. The votes on answers cast there go
        too (approved team terms and suggestions stay: docs/OPERATIONS.md). Returns how many
        questions were deleted."""

        def work(session: Session) -> int:
            if team_id:
                teams: list[str] = [team_id]
            elif enterprise_id:
                teams = list(
                    session.scalars(
                        select(Subscription.team_id)
                        .where(Subscription.enterprise_id == enterprise_id)
                        .union(
                            select(QueryLog.team_id).where(QueryLog.enterprise_id == enterprise_id)
                        )
                    )
                )
            else:
                return 0
            where = QueryLog.team_id.in_(teams)
            if not team_id:
                where = or_(QueryLog.enterprise_id == enterprise_id, where)
            session.execute(delete(AnswerVote).where(AnswerVote.team_id.in_(teams)))
            return session.execute(delete(QueryLog).where(where)).rowcount

        return self._transaction("delete the installation's questions", work)

    def forget_user(self, team_id: str, user_id: str) -> int:
        """Delete every question one person asked in one workspace, and their votes on answers;
        returns how many questions."""
        user_hash = self._hash_user(team_id, user_id)

        def work(session: Session) -> int:
            session.execute(
                delete(AnswerVote).where(
                    AnswerVote.team_id == team_id, AnswerVote.user_hash == user_hash
                )
            )
            result = session.execute(
                delete(QueryLog).where(QueryLog.team_id == team_id, QueryLog.user_hash == user_hash)
            )
            return result.rowcount

        return self._transaction("forget the person's questions", work)

    # -- team knowledge: votes -------------------------------------------------------------------

    def record_vote(self, team_id: str, entry_id: str, user_id: str, vote: int) -> None:
        """A person's 👍 (+1) or 👎 (-1) on an entry; voting again changes their vote."""
        if vote not in (1, -1):
            raise ValueError(f"a vote is +1 or -1, not {vote!r}")
        self._upsert_vote(team_id, entry_id, user_id, vote=vote)

    def record_vote_wish(self, team_id: str, entry_id: str, user_id: str, wanted: str) -> None:
        """What the person was looking for instead (the 👎 modal's free text, cut to 500
        characters; empty clears it). The 👎 is recorded too if it was not yet."""
        text = wanted.strip()[:VOTE_WANTED_MAX_CHARS] or None
        self._upsert_vote(team_id, entry_id, user_id, wanted=text)

    def _upsert_vote(
        self,
        team_id: str,
        entry_id: str,
        user_id: str,
        *,
        vote: int | None = None,
        **values: object,
    ) -> None:
        user_hash = self._hash_user(team_id, user_id)
        now = self.now()
        key = (
            AnswerVote.team_id == team_id,
            AnswerVote.entry_id == entry_id,
            AnswerVote.user_hash == user_hash,
        )
        changes = {**values, "updated_at": now}
        if vote is not None:
            changes["vote"] = vote

        def change(session: Session) -> bool:
            return session.execute(update(AnswerVote).where(*key).values(**changes)).rowcount == 1

        def insert(session: Session) -> None:
            session.add(
                AnswerVote(
                    team_id=team_id,
                    entry_id=entry_id,
                    user_hash=user_hash,
                    created_at=now,
                    **{"vote": -1, **changes},  # a wish alone comes from the 👎 modal
                )
            )

        if self._transaction("record the vote", change):
            return
        try:
            self._transaction("record the vote", insert)
        except exc.IntegrityError:  # the same person's other click, in another process, just now
            self._transaction("record the vote", change)

    def vote_counts(self, team_id: str, since: datetime | None = None) -> list[VoteCount]:
        """👍 and 👎 per entry (votes cast or changed since `since`; None: ever), the most 👎
        first. Counts only: never who voted."""
        up = func.sum(case((AnswerVote.vote > 0, 1), else_=0)).label("up")
        down = func.sum(case((AnswerVote.vote < 0, 1), else_=0)).label("down")
        where = [AnswerVote.team_id == team_id]
        if since is not None:
            where.append(AnswerVote.updated_at >= since)
        query = (
            select(AnswerVote.entry_id, up, down)
            .where(*where)
            .group_by(AnswerVote.entry_id)
            .order_by(down.desc(), up.desc(), AnswerVote.entry_id)
        )

        def work(session: Session) -> list[VoteCount]:
            return [VoteCount(e, int(u or 0), int(d or 0)) for e, u, d in session.execute(query)]

        return self._transaction("count the votes", work)

    # -- team knowledge: suggestions and the overlay ------------------------------------------

    def add_suggestion(self, team_id: str, submitter: str, term: TeamTerm, origin: str) -> int:
        """Queue a proposed term for the workspace's editors; returns its id."""
        if origin not in SUGGESTION_ORIGINS:
            raise ValueError(f"origin must be one of {SUGGESTION_ORIGINS}, not {origin!r}")
        row = SuggestionRow(
            team_id=team_id,
            submitter=submitter,
            term=encode_term(term),
            origin=origin,
            status="pending",
            created_at=self.now(),
        )

        def work(session: Session) -> int:
            session.add(row)
            session.flush()
            return row.id

        return self._transaction("save the suggestion", work)

    def suggestion(self, suggestion_id: int) -> Suggestion | None:
        def work(session: Session) -> Suggestion | None:
            row = session.get(SuggestionRow, suggestion_id)
            return None if row is None else _suggestion(row)

        return self._transaction("read the suggestion", work)

    def pending_suggestions(self, team_id: str, limit: int = 20) -> list[Suggestion]:
        """The workspace's review queue, oldest first."""
        query = (
            select(SuggestionRow)
            .where(SuggestionRow.team_id == team_id, SuggestionRow.status == "pending")
            .order_by(SuggestionRow.created_at, SuggestionRow.id)
            .limit(limit)
        )

        def work(session: Session) -> list[Suggestion]:
            return [_suggestion(row) for row in session.scalars(query)]

        return self._transaction("read the review queue", work)

    def _decide(
        self, session: Session, suggestion_id: int, status: str, reviewer: str, **values: object
    ) -> SuggestionRow:
        """Mark a pending suggestion decided: exactly one editor's click wins (a conditional
        UPDATE); the others get SuggestionDecided with what it became."""
        result = session.execute(
            update(SuggestionRow)
            .where(SuggestionRow.id == suggestion_id, SuggestionRow.status == "pending")
            .values(status=status, reviewer=reviewer, decided_at=self.now(), **values)
        )
        row = session.get(SuggestionRow, suggestion_id, populate_existing=True)
        if row is None:
            raise LookupError(f"no suggestion {suggestion_id}")
        if result.rowcount != 1:
            raise SuggestionDecided(_suggestion(row))
        return row

    def approve_suggestion(
        self, suggestion_id: int, reviewer: str, term: TeamTerm | None = None
    ) -> ApprovedTerm:
        """Make a suggestion live in its workspace (as edited by the editor, when `term` is
        given), in one transaction: the suggestion decided, a term that answers as the same key
        superseded, the new term written, the workspace's version bumped. Raises
        SuggestionDecided if it was decided already, LookupError if there is no such id."""

        def work(session: Session) -> ApprovedTerm:
            row = self._decide(session, suggestion_id, "approved", reviewer)
            live = term if term is not None else decode_term(row.term)
            if term is not None:
                row.term = encode_term(term)  # the suggestion records what went live
            now = self.now()
            # Bumped first: its row lock makes approvals in one workspace take turns.
            self._bump_version(session, row.team_id, now)
            key = live.replaces or f"team:{suggestion_id}"
            self._retire(session, row.team_id, [key], reviewer, RETIRED_SUPERSEDED, now)
            session.add(
                TeamTermRow(
                    team_id=row.team_id,
                    key=key,
                    term=encode_term(live),
                    suggestion_id=suggestion_id,
                    approved_by=reviewer,
                    approved_at=now,
                )
            )
            return _approved(key, live, reviewer, now)

        return self._transaction("approve the suggestion", work)

    def reject_suggestion(self, suggestion_id: int, reviewer: str, reason: str) -> Suggestion:
        """Decline a suggestion with the editor's reason (for the submitter's DM). Raises
        SuggestionDecided if it was decided already, LookupError if there is no such id."""
        text = reason.strip()[:SUGGESTION_REASON_MAX_CHARS]

        def work(session: Session) -> Suggestion:
            return _suggestion(
                self._decide(session, suggestion_id, "rejected", reviewer, reason=text)
            )

        return self._transaction("reject the suggestion", work)

    def approved_terms(self, team_id: str) -> list[ApprovedTerm]:
        """The workspace's live overlay, in the order it was approved."""
        query = (
            select(TeamTermRow)
            .where(TeamTermRow.team_id == team_id, TeamTermRow.retired_at.is_(None))
            .order_by(TeamTermRow.approved_at, TeamTermRow.id)
        )

        def work(session: Session) -> list[ApprovedTerm]:
            return [
                _approved(row.key, decode_term(row.term), row.approved_by, row.approved_at)
                for row in session.scalars(query)
            ]

        return self._read("read the team terms", work)

    def undo_team_term(self, team_id: str, key: str, by: str) -> bool:
        """Take an approved term out of the overlay (a corrected built-in entry answers with its
        own text again); False if no live term answers as `key`."""
        return self._retire_and_bump(team_id, [key], by, RETIRED_UNDONE) > 0

    def retire_team_terms(
        self, team_id: str, keys: Iterable[str], reason: str = RETIRED_IN_KNOWLEDGE_FILE
    ) -> None:
        """Retire live terms the knowledge file now holds itself (after an export and a
        rebuild). Several processes may find the same ones: only the first changes anything."""
        self._retire_and_bump(team_id, list(keys), None, reason)

    def _retire_and_bump(self, team_id: str, keys: list[str], by: str | None, reason: str) -> int:
        if not keys:
            return 0

        def work(session: Session) -> int:
            now = self.now()
            retired = self._retire(session, team_id, keys, by, reason, now)
            if retired:
                self._bump_version(session, team_id, now)
            return retired

        return self._transaction("retire team terms", work)

    @staticmethod
    def _retire(
        session: Session,
        team_id: str,
        keys: Sequence[str],
        by: str | None,
        reason: str,
        now: datetime,
    ) -> int:
        result = session.execute(
            update(TeamTermRow)
            .where(
                TeamTermRow.team_id == team_id,
                TeamTermRow.key.in_(keys),
                TeamTermRow.retired_at.is_(None),
            )
            .values(retired_at=now, retired_by=by, retired_reason=reason[:32])
        )
        return result.rowcount

    @staticmethod
    def _bump_version(session: Session, team_id: str, now: datetime) -> None:
        def bump() -> int:
            return session.execute(
                update(KnowledgeVersion)
                .where(KnowledgeVersion.team_id == team_id)
                .values(version=KnowledgeVersion.version + 1, updated_at=now)
            ).rowcount

        if bump():
            return
        try:
            with session.begin_nested():
                session.add(KnowledgeVersion(team_id=team_id, version=1, updated_at=now))
        except exc.IntegrityError:  # another process made the workspace's row just now
            bump()

    def knowledge_versions(self) -> dict[str, int]:
        """Workspace -> its overlay's version: polled by every process every second, so one
        small query over one row per workspace whose overlay ever changed."""
        query = select(KnowledgeVersion.team_id, KnowledgeVersion.version)

        def work(session: Session) -> dict[str, int]:
            return {team: version for team, version in session.execute(query)}

        return self._read("read the knowledge versions", work)

    # -- the editors' weekly knowledge-gap report ----------------------------------------------

    def report_workspaces(self, since: datetime) -> list[Workspace]:
        """The workspaces the weekly report may have something for: questions or votes since
        `since`, or suggestions waiting. With the Grid org a question was logged with, so the
        installation to send with is found."""
        asked = (
            select(QueryLog.team_id, QueryLog.enterprise_id)
            .where(QueryLog.created_at >= since, QueryLog.team_id != "")
            .distinct()
        )
        voted = select(AnswerVote.team_id).where(AnswerVote.updated_at >= since).distinct()
        waiting = select(SuggestionRow.team_id).where(SuggestionRow.status == "pending").distinct()

        def work(session: Session) -> list[Workspace]:
            orgs: dict[str, str | None] = {}
            for team, enterprise in session.execute(asked):
                if enterprise or team not in orgs:
                    orgs[team] = enterprise
            for team in [*session.scalars(voted), *session.scalars(waiting)]:
                orgs.setdefault(team, None)
            return [Workspace(team, orgs[team]) for team in sorted(orgs) if team]

        return self._transaction("find the workspaces to report on", work)

    def claim_report(self, team_id: str, local_date: date, claimer: str) -> bool:
        """Take the right to send the workspace's weekly report of `local_date`: True for
        exactly one caller across processes. A stale claim (its process died) and a retry
        whose time has come can be taken over; a sent or given-up report never."""
        now = self.now()
        return self._claim(
            "claim the knowledge report",
            KnowledgeReport,
            {"team_id": team_id, "local_date": local_date},
            claimer,
            now,
            also=((KnowledgeReport.status == "retry") & (KnowledgeReport.retry_at <= now),),
        )

    def mark_report_sent(self, team_id: str, local_date: date, claimer: str, sent_to: int) -> bool:
        """The report went to `sent_to` editors (0: nothing to report). False if `claimer`
        no longer holds the claim."""

        def work(session: Session) -> bool:
            result = session.execute(
                update(KnowledgeReport)
                .where(*self._report_claim(team_id, local_date, claimer))
                .values(status="sent", sent_to=sent_to, sent_at=self.now())
            )
            return result.rowcount == 1

        return self._transaction("record the knowledge report sent", work)

    def mark_report_retry(
        self,
        team_id: str,
        local_date: date,
        claimer: str,
        *,
        error: str,
        delay: timedelta,
        max_attempts: int,
    ) -> str | None:
        """Count an attempt that reached no editor: `retry` after `delay`, or `gave_up` at
        `max_attempts`. Returns the status, or None if `claimer` no longer holds the claim."""

        def work(session: Session) -> str | None:
            row = session.scalars(
                select(KnowledgeReport).where(*self._report_claim(team_id, local_date, claimer))
            ).one_or_none()
            if row is None:
                return None
            row.attempts = (row.attempts or 0) + 1
            row.last_error = error[:64]
            row.status = "gave_up" if row.attempts >= max_attempts else "retry"
            row.retry_at = None if row.status == "gave_up" else self.now() + delay
            return row.status

        return self._transaction("record the knowledge report attempt", work)

    def report_status(self, team_id: str, local_date: date) -> KnowledgeReport | None:
        def work(session: Session) -> KnowledgeReport | None:
            return session.scalars(
                select(KnowledgeReport).where(
                    KnowledgeReport.team_id == team_id, KnowledgeReport.local_date == local_date
                )
            ).one_or_none()

        return self._transaction("read the knowledge report", work)

    @staticmethod
    def _report_claim(team_id: str, local_date: date, claimer: str) -> Sequence:
        return (
            KnowledgeReport.team_id == team_id,
            KnowledgeReport.local_date == local_date,
            KnowledgeReport.status == "claimed",
            KnowledgeReport.claimed_by == claimer,
        )

    # -- processed events ---------------------------------------------------------------------

    def claim_event(self, key: str, claimer: str, *, stale_after: timedelta) -> bool:
        """Start handling a delivery: True for exactly one caller across processes. The key
        stays `handling` by `claimer` until `finish_event` or `forget_event`; a `handling`
        claim older than `stale_after` (its holder died) may be taken over, like a digest
        claim."""
        now = self.now()

        def insert(session: Session) -> None:
            session.add(
                ProcessedEvent(key=key, created_at=now, status="handling", claimed_by=claimer)
            )

        try:
            self._transaction("claim the event", insert)
            return True
        except exc.IntegrityError:
            pass

        def take_over(session: Session) -> bool:
            result = session.execute(
                update(ProcessedEvent)
                .where(
                    ProcessedEvent.key == key,
                    ProcessedEvent.status == "handling",
                    ProcessedEvent.created_at < now - stale_after,
                )
                .values(created_at=now, claimed_by=claimer)
            )
            return result.rowcount == 1

        return self._transaction("claim the event", take_over)

    def finish_event(self, key: str, claimer: str) -> bool:
        """The delivery was handled: later deliveries of `key` are duplicates until purged.
        False if `claimer` no longer holds the claim."""

        def work(session: Session) -> bool:
            result = session.execute(
                update(ProcessedEvent)
                .where(*self._event_claim(key, claimer))
                .values(status="done", created_at=self.now())
            )
            return result.rowcount == 1

        return self._transaction("record the event handled", work)

    def forget_event(self, key: str, claimer: str) -> bool:
        """Handling failed before anything reached the user: a re-delivery may try again."""

        def work(session: Session) -> bool:
            result = session.execute(delete(ProcessedEvent).where(*self._event_claim(key, claimer)))
            return result.rowcount == 1

        return self._transaction("forget the event", work)

    @staticmethod
    def _event_claim(key: str, claimer: str) -> Sequence:
        return (
            ProcessedEvent.key == key,
            ProcessedEvent.status == "handling",
            ProcessedEvent.claimed_by == claimer,
        )

    def purge_events(self, older_than: timedelta) -> int:
        """Forget events seen (or, if `handling`, claimed) more than `older_than` ago; returns
        how many."""
        cutoff = self.now() - older_than

        def work(session: Session) -> int:
            result = session.execute(
                delete(ProcessedEvent).where(ProcessedEvent.created_at < cutoff)
            )
            return result.rowcount

        return self._transaction("purge processed events", work)


def _encode_ids(ids: Iterable[str] | None) -> str | None:
    return None if ids is None else json.dumps(sorted(ids), ensure_ascii=False)


def encode_term(term: TeamTerm) -> str:
    """A TeamTerm as the JSON the suggestions and team_terms tables keep."""
    return json.dumps(asdict(term), ensure_ascii=False, sort_keys=True)


def decode_term(text: str) -> TeamTerm:
    """The TeamTerm a row keeps; fields a later version added or dropped are tolerated."""
    from knowledge.overlay import TeamTerm

    data = json.loads(text)
    known = {f.name for f in fields(TeamTerm)}
    values = {name: value for name, value in data.items() if name in known}
    if "aliases" in values:
        values["aliases"] = tuple(values["aliases"])
    return TeamTerm(**values)


def _suggestion(row: SuggestionRow) -> Suggestion:
    return Suggestion(
        id=row.id,
        team_id=row.team_id,
        submitter=row.submitter,
        term=decode_term(row.term),
        origin=row.origin,
        status=row.status,
        reviewer=row.reviewer,
        reason=row.reason,
        created_at=row.created_at,
        decided_at=row.decided_at,
    )


def _approved(key: str, term: TeamTerm, approved_by: str, approved_at: datetime) -> ApprovedTerm:
    from knowledge.overlay import ApprovedTerm

    return ApprovedTerm(key, term, approved_by, approved_at.date().isoformat())
