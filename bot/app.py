"""create_app: settings + knowledge -> the Bolt app with every listener registered."""

from __future__ import annotations

import logging
from pathlib import Path

from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot import messages as m
from bot.listeners import Deps, register_all
from bot.misses import InMemoryMissRecorder, MissRecorder
from bot.settings import BOT_SCOPES, Settings
from knowledge import Knowledge

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


def make_web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A Web API client on SLACK_API_URL that retries on 429s and dropped connections."""
    return WebClient(
        token=token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )


def oauth_settings(settings: Settings) -> OAuthSettings:
    """Multi-workspace installs stored with slack_sdk's SQLAlchemy stores on DATABASE_URL."""
    import sqlalchemy
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    url = settings.database_url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = sqlalchemy.create_engine(url)
    installations = SQLAlchemyInstallationStore(client_id=settings.client_id, engine=engine)
    states = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine)
    installations.metadata.create_all(engine)
    states.metadata.create_all(engine)
    engine.dispose()  # no pooled connection may cross gunicorn's fork
    return OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=installations,
        state_store=states,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
    )


def create_app(
    settings: Settings,
    knowledge: Knowledge,
    *,
    client: WebClient | None = None,
    miss_recorder: MissRecorder | None = None,
) -> App:
    """The Bolt app. Listeners ack before anything slow: `process_before_response` makes the
    ack function answer the HTTP request directly, and slow work runs as lazy listeners."""
    oauth = oauth_settings(settings) if settings.oauth_enabled else None
    if client is None:
        client = make_web_client(settings, None if oauth else settings.bot_token)
    app = App(
        name=m.APP_NAME,
        client=client,
        signing_secret=settings.signing_secret or "",
        oauth_settings=oauth,
        process_before_response=True,
    )
    deps = Deps(
        knowledge,
        misses=miss_recorder or InMemoryMissRecorder(),
        answer_cache_size=settings.answer_cache_size,
    )
    register_all(app, deps)
    return app
