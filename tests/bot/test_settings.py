from __future__ import annotations

import pytest

from bot.__main__ import main
from bot.settings import DEFAULT_SLACK_API_URL, Settings, SettingsError

SOCKET = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}
HTTP = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "secret"}
OAUTH = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_SIGNING_SECRET": "secret"}


def test_socket_mode_needs_both_tokens():
    with pytest.raises(SettingsError) as error:
        Settings.from_env("socket", {})
    assert "SLACK_BOT_TOKEN" in str(error.value) and "SLACK_APP_TOKEN" in str(error.value)
    assert len(error.value.problems) == 2


def test_http_lists_every_missing_variable_at_once():
    with pytest.raises(SettingsError) as error:
        Settings.from_env("http", {"PORT": "eighty"})
    text = str(error.value)
    for name in ("SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "PORT"):
        assert name in text


@pytest.mark.parametrize(
    "env",
    [
        {**HTTP, "SLACK_CLIENT_ID": "1.2"},  # half an OAuth client
        {**OAUTH, "SLACK_BOT_TOKEN": "xoxb-1"},  # token and OAuth both
        {**SOCKET, "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"},
        {**HTTP, "SLACK_BOT_TOKEN": "xapp-wrong-kind"},
        {**HTTP, "SLACK_API_URL": "slack.com/api"},
    ],
)
def test_inconsistent_configuration_is_refused(env):
    mode = "socket" if "SLACK_APP_TOKEN" in env else "http"
    with pytest.raises(SettingsError):
        Settings.from_env(mode, env)


def test_defaults():
    settings = Settings.from_env("http", HTTP)
    assert settings.slack_api_url == DEFAULT_SLACK_API_URL
    assert settings.port == 3000
    assert settings.database_url is None  # bot.store.default_database_path()
    assert settings.query_log_salt is None
    assert settings.digest_scheduler is True
    assert not settings.oauth_enabled
    assert settings.knowledge_file is None


def test_values_from_the_environment():
    settings = Settings.from_env(
        "http",
        {
            **OAUTH,
            "SLACK_API_URL": "https://slack-gov.com/api",
            "DATABASE_URL": "sqlite:////tmp/x.db",
            "PORT": "8080",
            "KNOWLEDGE_FILE": "/data/aigc.json",
        },
    )
    assert settings.oauth_enabled
    assert settings.slack_api_url == "https://slack-gov.com/api/"
    assert settings.port == 8080
    assert str(settings.knowledge_file) == "/data/aigc.json"


def test_settings_are_frozen():
    settings = Settings.from_env("socket", SOCKET)
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]


@pytest.mark.parametrize("command", ["serve", "socket"])
def test_cli_exits_2_with_the_message_not_a_traceback(command, monkeypatch, capsys):
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    assert main([command]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Cannot start")
    assert "Traceback" not in err


def test_cli_reports_a_missing_knowledge_file(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    monkeypatch.setenv("KNOWLEDGE_FILE", str(tmp_path / "missing.json"))
    assert main(["socket"]) == 2
    assert "missing.json" in capsys.readouterr().err


def test_clock_needs_a_token_or_the_oauth_client_but_no_signing_secret():
    assert Settings.from_env("clock", {"SLACK_BOT_TOKEN": "xoxb-1"}).bot_token == "xoxb-1"
    oauth = Settings.from_env("clock", {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"})
    assert oauth.oauth_enabled
    with pytest.raises(SettingsError) as error:
        Settings.from_env("clock", {})
    assert "SLACK_BOT_TOKEN" in str(error.value)
    assert "SLACK_SIGNING_SECRET" not in str(error.value)


def test_storage_settings():
    settings = Settings.from_env(
        "http",
        {
            **HTTP,
            "DATABASE_URL": "postgresql://u@db/bot",
            "QUERY_LOG_SALT": "pepper",
            "DIGEST_SCHEDULER": "off",
        },
    )
    assert settings.database_url == "postgresql://u@db/bot"
    assert settings.query_log_salt == "pepper"
    assert settings.digest_scheduler is False
    with pytest.raises(SettingsError, match="DIGEST_SCHEDULER"):
        Settings.from_env("http", {**HTTP, "DIGEST_SCHEDULER": "sometimes"})
