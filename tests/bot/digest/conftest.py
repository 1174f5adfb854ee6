from __future__ import annotations

import pytest

from bot.app import team_clients
from bot.settings import Settings


@pytest.fixture
def clients(fake_slack):
    """What the scheduler uses in production: one client per workspace, with slack_sdk's
    retry handlers, on the stand-in."""
    settings = Settings.from_env(
        "clock", {"SLACK_BOT_TOKEN": "xoxb-clock", "SLACK_API_URL": fake_slack.api_url}
    )
    return team_clients(settings)
