"""create_app's clients and wiring, Socket Mode, OAuth routes and the WSGI app (no network
beyond a stand-in on 127.0.0.1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.app import create_app, make_web_client
from bot.settings import Settings
from bot.workspace import Workspace


def socket_settings(api_url: str) -> Settings:
    return Settings.from_env(
        "socket",
        {"SLACK_BOT_TOKEN": "xoxb-sock", "SLACK_APP_TOKEN": "xapp-sock", "SLACK_API_URL": api_url},
    )


def test_web_client_uses_the_api_url_and_retries():
    settings = socket_settings("https://slack-gov.com/api")
    client = make_web_client(settings, "xoxb-1")
    assert client.base_url == "https://slack-gov.com/api/"
    kinds = {type(h) for h in client.retry_handlers}
    assert {RateLimitErrorRetryHandler, ConnectionErrorRetryHandler} <= kinds


def test_manifest_matches_the_code():
    from bot import messages as m
    from bot.settings import BOT_SCOPES

    manifest = json.loads((Path(__file__).parents[2] / "manifest.json").read_text("utf-8"))
    assert manifest["display_information"]["name"] == m.APP_NAME
    assert manifest["features"]["slash_commands"][0]["command"] == m.SLASH_COMMAND
    shortcut = manifest["features"]["shortcuts"][0]
    assert shortcut["callback_id"] == m.SHORTCUT_CALLBACK_ID and shortcut["type"] == "message"
    assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_mention",
        "message.im",
        "app_home_opened",
        "app_uninstalled",  # bot/listeners/lifecycle.py
        "tokens_revoked",
    }
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["org_deploy_enabled"] is True  # Enterprise Grid org-wide installs


def _manifest() -> dict:
    return json.loads((Path(__file__).parents[2] / "manifest.json").read_text("utf-8"))


def test_manifest_follows_slacks_manifest_rules():
    from tests.bot.manifest_rules import EVENT_SCOPES, MANIFEST_SCHEMA

    manifest = _manifest()
    Draft7Validator.check_schema(MANIFEST_SCHEMA)
    assert list(Draft7Validator(MANIFEST_SCHEMA).iter_errors(manifest)) == []
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        assert event in EVENT_SCOPES, f"{event}: which scope does it need?"
        assert EVENT_SCOPES[event] in (None, *scopes), f"{event} needs {EVENT_SCOPES[event]}"


@pytest.mark.parametrize(
    "path, value",
    [
        (("display_information", "name"), "A" * 36),  # names are at most 35 characters
        (
            ("features", "shortcuts", 0, "name"),
            "解释这条消息里的全部术语并给出相关文章链接和更多的例子吧",
        ),
        (("features", "slash_commands", 0, "command"), "aigc"),  # must start with /
        (("settings", "interactivity", "unknown_key"), True),  # unknown keys are refused
        (("settings", "org_deploy_enabled"), "yes"),
    ],
)
def test_the_manifest_rules_refuse_what_slack_refuses(path, value):
    from tests.bot.manifest_rules import MANIFEST_SCHEMA

    manifest = _manifest()
    target = manifest
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert list(Draft7Validator(MANIFEST_SCHEMA).iter_errors(manifest)) != []


def test_one_store_for_everything_and_the_key_is_kept_outside_it(knowledge, tmp_path, fake_slack):
    from bot.app import open_store
    from bot.settings import local_salt_path
    from bot.store import QueryRecord, current_revision, head_revision

    env = {
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/bot.db",
    }
    store = open_store(Settings.from_env("http", env))
    assert current_revision(store.engine) == head_revision()
    again = open_store(Settings.from_env("http", env))
    # The single-machine default: one key generated into the config directory, then kept.
    assert local_salt_path().stat().st_mode & 0o777 == 0o600
    assert len(local_salt_path().read_text().strip()) == 64
    store.log_queries([QueryRecord("T1", "U1", "q", "q", None, 1, "command", "channel")])
    assert [q.query for q in again.own_questions("T1", "U1")] == ["q"]  # same key
    create_app(Settings.from_env("http", env), knowledge, store=store)  # on the migrated store


def test_oauth_clients_per_team_come_from_the_installation_store(knowledge, tmp_path, fake_slack):
    from slack_sdk.oauth.installation_store import Installation

    from bot.app import open_store, team_clients
    from bot.store import installation_store

    settings = Settings.from_env(
        "http",
        {
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_CLIENT_ID": "111.222",
            "SLACK_CLIENT_SECRET": "c",
            "SLACK_API_URL": fake_slack.api_url,
            "DATABASE_URL": f"sqlite:///{tmp_path}/oauth.db",
            "QUERY_LOG_SALT": "k" * 64,
        },
    )
    store = open_store(settings)
    app = create_app(settings, knowledge, store=store)
    # the migrated database, read on the store's lookup engine (never waits for a write lock)
    assert app.installation_store.engine is store.lookup_engine
    assert str(store.lookup_engine.url) == str(store.engine.url)
    installation_store(store.engine, "111.222").save(
        Installation(
            app_id="A1", team_id="T0WORKSPACE", user_id="U1",
            bot_token="xoxb-team-token", bot_id="B1", bot_user_id="U0BOT",
        )
    )  # fmt: skip
    clients = team_clients(settings, store)
    client = clients(Workspace("T0WORKSPACE"))
    assert client.token == "xoxb-team-token" and client.base_url == fake_slack.api_url
    assert {type(h) for h in client.retry_handlers} >= {RateLimitErrorRetryHandler}
    assert clients(Workspace("T0OTHER")) is None


def test_grid_installations_are_found_by_enterprise_and_team(tmp_path, fake_slack):
    from slack_sdk.oauth.installation_store import Installation

    from bot.app import open_store, team_clients
    from bot.store import installation_store

    settings = Settings.from_env(
        "clock",
        {
            "SLACK_CLIENT_ID": "111.222",
            "SLACK_CLIENT_SECRET": "c",
            "SLACK_API_URL": fake_slack.api_url,
            "DATABASE_URL": f"sqlite:///{tmp_path}/grid.db",
        },
    )
    store = open_store(settings)
    installed = installation_store(store.engine, "111.222")
    for enterprise, team, org_wide, token in (
        ("E0GRID0001", "T0GRIDWS01", False, "xoxb-grid-workspace"),  # a workspace of an org
        ("E0GRID0002", None, True, "xoxb-org-wide"),  # the whole org
    ):
        installed.save(
            Installation(
                app_id="A1", enterprise_id=enterprise, team_id=team, user_id="U1",
                bot_token=token, bot_id="B1", bot_user_id="U0BOT",
                is_enterprise_install=org_wide,
            )
        )  # fmt: skip
    clients = team_clients(settings, store)
    grid = clients(Workspace("T0GRIDWS01", "E0GRID0001"))
    assert grid.token == "xoxb-grid-workspace" and "team_id" not in grid.default_params
    org_wide = clients(Workspace("T0ORGWS001", "E0GRID0002", is_enterprise_install=True))
    assert org_wide.token == "xoxb-org-wide"
    assert org_wide.default_params["team_id"] == "T0ORGWS001"  # told the workspace
    # Switched between per-workspace and org-wide installs since the channel subscribed.
    assert clients(Workspace("T0ORGWS001", "E0GRID0002")).token == "xoxb-org-wide"
    assert clients(Workspace("T0GRIDWS01")) is None  # outside the org: not this installation
