from __future__ import annotations

import pytest

from bot.app import create_app
from bot.query_log import InMemoryQueryLog
from bot.server import wsgi_app
from bot.settings import Settings
from tests.e2e.fake_slack import LoopbackServer

SIGNING_SECRET = "e2e-signing-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def settings(fake_slack) -> Settings:
    return Settings.from_env(
        "http",
        {
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": "xoxb-e2e-token",
            "SLACK_API_URL": fake_slack.api_url,
        },
    )


@pytest.fixture(scope="module")
def query_log() -> InMemoryQueryLog:
    return InMemoryQueryLog()


@pytest.fixture(scope="module")
def server(settings, knowledge, query_log, fake_slack):
    """The real app, as `python -m bot serve` builds it, over HTTP on 127.0.0.1."""
    app = create_app(settings, knowledge, query_log=query_log)
    fake_slack.reset()  # forget the start-up auth.test
    loopback = LoopbackServer(wsgi_app(app, settings.signing_secret))
    yield loopback
    loopback.close()
