from __future__ import annotations

import pytest

from bot.app import create_app
from bot.query_log import InMemoryQueryLog
from bot.server import wsgi_app
from bot.settings import Settings
from tests.databases import database_url, engine  # noqa: F401 - fixtures for tests with a store
from tests.e2e.fake_slack import FakeSlack, LoopbackServer

SIGNING_SECRET = "e2e-signing-secret-0123456789abcdef"


@pytest.fixture(scope="session")
def fake_slack():
    slack = FakeSlack()
    yield slack
    slack.close()


@pytest.fixture(scope="session")
def settings(fake_slack) -> Settings:
    return Settings.from_env(
        "http",
        {
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": "xoxb-e2e-token",
            "SLACK_API_URL": fake_slack.api_url,
        },
    )


@pytest.fixture(scope="session")
def query_log() -> InMemoryQueryLog:
    return InMemoryQueryLog()


@pytest.fixture(scope="session")
def server(settings, knowledge, query_log):
    """The real app, as `python -m bot serve` builds it, over HTTP on 127.0.0.1."""
    app = create_app(settings, knowledge, query_log=query_log)
    loopback = LoopbackServer(wsgi_app(app, settings.signing_secret))
    yield loopback
    loopback.close()


@pytest.fixture
def slack(fake_slack, server):
    """The stand-in, with the calls of earlier tests (and the start-up auth.test) forgotten."""
    fake_slack.reset()
    return fake_slack
