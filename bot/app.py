"""create_app: settings + knowledge -> the Bolt app with every listener registered."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import UTC, datetime

from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import default_interval_calculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.oauth.installation_store import Bot, InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

from bot import messages as m
from bot.digest import ClientForWorkspace
from bot.editors import Editors
from bot.listeners import Deps, register_all
from bot.live_knowledge import LiveKnowledge
from bot.query_log import InMemoryQueryLog, QueryRecorder, StoreQueryLog
from bot.settings import BOT_SCOPES, Settings, query_log_key
from bot.store import (
    Store,
    TokenCipher,
    installation_store,
    make_engine,
    migrate,
    oauth_state_store,
)
from bot.workspace import Workspace
from knowledge import Knowledge

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


# Web API methods whose repeat cannot duplicate anything: they replace, delete or read.
IDEMPOTENT_METHODS = frozenset(
    {"auth.test", "views.publish", "chat.update", "chat.delete", "conversations.info"}
)


class UnavailableRetryHandler(ServerErrorRetryHandler):
    """Retries Slack's server errors where a repeat cannot post twice: a 503 for any method
    (the service was unavailable, the request was not taken), other 5xx only for
    `IDEMPOTENT_METHODS`. A 500 to chat.postMessage may come after the message was stored,
    so it is not repeated: the listener apologises, the digest scheduler tries on its next
    tick."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        if response is None:
            return False
        if response.status_code == 503:
            return True
        method = request.url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
        return response.status_code in (500, 502, 504) and method in IDEMPOTENT_METHODS


def make_web_client(
    settings: Settings,
    token: str | None = None,
    *,
    timeout: int = 30,
    retry_interval: RetryIntervalCalculator = default_interval_calculator,
    team_id: str | None = None,
) -> WebClient:
    """A Web API client on SLACK_API_URL that retries 429s (after Retry-After), dropped
    connections and Slack being unavailable (see `UnavailableRetryHandler`). `team_id` goes
    with every call: an org-wide (Enterprise Grid) token needs to be told the workspace."""
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        timeout=timeout,
        team_id=team_id,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=retry_interval),
            RateLimitErrorRetryHandler(max_retry_count=2),
            UnavailableRetryHandler(max_retry_count=2, interval_calculator=retry_interval),
        ],
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


def open_store(settings: Settings, now: Callable[[], datetime] = utc_now) -> Store:
    """The store on DATABASE_URL (default: the per-user SQLite file), migrated to the newest
    schema, with the query log's key: QUERY_LOG_SALT, or for the single-machine default the
    one generated into the user's config directory. The clock logs no questions and needs
    none. Raises StoreError with what to fix."""
    engine = make_engine(settings.database_url)
    migrate(engine)
    key = settings.query_log_salt if settings.mode == "clock" else query_log_key(settings)
    store = Store(engine, now, user_key=key)
    engine.dispose()  # no pooled connection may cross gunicorn's fork
    return store


_warned_clear_tokens = threading.Event()


def installations(settings: Settings, store: Store) -> SQLAlchemyInstallationStore:
    """The OAuth installation store, its tokens encrypted at rest with TOKEN_ENCRYPTION_KEY;
    without the key, a warning (once per process) that the tokens are stored in clear."""
    cipher = None
    if settings.token_encryption_key:
        cipher = TokenCipher(settings.token_encryption_key)
    elif not _warned_clear_tokens.is_set():
        _warned_clear_tokens.set()
        log.warning(
            "TOKEN_ENCRYPTION_KEY is not set: installed workspaces' bot tokens are stored in "
            "clear text in the database. Set it to encrypt them (see docs/OPERATIONS.md)."
        )
    # Bolt reads the installation before every ack: reads that never wait for a write lock.
    return installation_store(store.lookup_engine, settings.client_id or "", cipher)


def oauth_settings(settings: Settings, store: Store) -> OAuthSettings:
    """Multi-workspace installs kept by slack_sdk's SQLAlchemy stores on the store's engine
    (their tables come from the migrations)."""
    return OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=installations(settings, store),
        state_store=oauth_state_store(store.engine),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
    )


def team_clients(settings: Settings, store: Store | None = None) -> ClientForWorkspace:
    """Workspace -> a Web API client with its bot token: from the installation store with
    OAuth, else the one SLACK_BOT_TOKEN. None: the app is not installed there."""
    if not settings.oauth_enabled or store is None:
        single = make_web_client(settings, settings.bot_token)
        return lambda workspace: single
    installed = installations(settings, store)
    clients: dict[tuple[str, str | None], WebClient] = {}
    lock = threading.Lock()

    def for_workspace(workspace: Workspace) -> WebClient | None:
        bot = find_bot(installed, workspace)
        if bot is None or not bot.bot_token:
            return None
        # An org-wide token is told which workspace each call is for.
        team = workspace.team_id if bot.is_enterprise_install else None
        with lock:
            client = clients.get((bot.bot_token, team))
            if client is None:
                client = make_web_client(settings, bot.bot_token, team_id=team)
                clients[(bot.bot_token, team)] = client
            return client

    return for_workspace


def find_bot(installed: InstallationStore, workspace: Workspace) -> Bot | None:
    """The bot installation that serves `workspace`, the way Bolt saved it: keyed by the
    Grid org and the workspace, or for an org-wide install by the org alone. An org can switch
    an app between per-workspace and org-wide installs, so the other kind is tried too."""
    kinds = [workspace.is_enterprise_install]
    if workspace.enterprise_id:
        kinds.append(not workspace.is_enterprise_install)
    for org_wide in kinds:
        bot = installed.find_bot(
            enterprise_id=workspace.enterprise_id,
            team_id=None if org_wide else workspace.team_id,
            is_enterprise_install=org_wide,
        )
        if bot is not None:
            return bot
    return None


def create_app(
    settings: Settings,
    knowledge: Knowledge,
    *,
    client: WebClient | None = None,
    query_log: QueryRecorder | None = None,
    store: Store | None = None,
    listener_executor: Executor | None = None,
    live: LiveKnowledge | None = None,
) -> App:
    """The Bolt app. Listeners ack before anything slow: `process_before_response` makes the
    ack function answer the HTTP request directly, and slow work runs as lazy listeners.

    `store` (see `open_store`) keeps subscriptions, digests and the query log, and with OAuth
    the installations. Without one, OAuth opens it from settings; otherwise the storage
    commands say storage is off and the questions are kept in memory.

    `live` keeps the knowledge current (the file reloaded, each workspace's approved terms);
    without one, one is made here on `knowledge` and the store."""
    if store is None and settings.oauth_enabled:
        store = open_store(settings)
    oauth = oauth_settings(settings, store) if settings.oauth_enabled and store else None
    if client is None:
        client = make_web_client(settings, None if oauth else settings.bot_token)
    app = App(
        name=m.APP_NAME,
        client=client,
        signing_secret=settings.signing_secret or "",
        oauth_settings=oauth,
        process_before_response=True,
        # Where lazy listeners run; tests pass one they can wait on (default: Bolt's own pool).
        listener_executor=listener_executor,
    )
    if query_log is None:
        query_log = StoreQueryLog(store) if store is not None else InMemoryQueryLog()
    if live is None:
        live = LiveKnowledge(
            settings.knowledge_file,
            store,
            base=knowledge,
            poll_seconds=settings.knowledge_poll_seconds,
        )
    deps = Deps(
        knowledge,
        live=live,
        query_log=query_log,
        store=store,
        answer_cache_size=settings.answer_cache_size,
        query_log_days=settings.query_log_days,
        editors=Editors(settings.knowledge_editors),
    )
    register_all(app, deps)
    return app
