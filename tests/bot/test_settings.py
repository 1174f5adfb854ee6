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
            "QUERY_LOG_SALT": "k" * 64,
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
    assert err.startswith(f"error: python -m bot {command} cannot start")  # the command run
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


@pytest.mark.parametrize(
    "env",
    [
        {**OAUTH},  # OAuth installs
        {**HTTP, "DATABASE_URL": "postgresql://u@db/bot"},  # a shared database
        {**SOCKET, "DATABASE_URL": "postgres://u@db/bot"},
    ],
)
def test_query_log_salt_is_required_with_oauth_or_postgres(env):
    with pytest.raises(SettingsError, match="QUERY_LOG_SALT is missing") as error:
        Settings.from_env("http" if "SLACK_SIGNING_SECRET" in env else "socket", env)
    assert "secrets.token_hex" in str(error.value)
    clock_env = env if "SLACK_CLIENT_ID" in env else {"SLACK_BOT_TOKEN": "xoxb-1", **env}
    assert Settings.from_env("clock", clock_env).query_log_salt is None  # logs no questions


def test_missing_query_log_salt_exits_2_naming_the_variable(monkeypatch, capsys):
    for name, value in {**OAUTH, "DATABASE_URL": "postgresql://u@db/bot"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("QUERY_LOG_SALT", raising=False)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    assert main(["serve"]) == 2
    assert "QUERY_LOG_SALT is missing" in capsys.readouterr().err


def test_query_log_days_defaults_to_90_and_must_be_positive():
    assert Settings.from_env("http", HTTP).query_log_days == 90
    assert Settings.from_env("http", {**HTTP, "QUERY_LOG_DAYS": "30"}).query_log_days == 30
    for bad in ("0", "-1", "a month"):
        with pytest.raises(SettingsError, match="QUERY_LOG_DAYS"):
            Settings.from_env("http", {**HTTP, "QUERY_LOG_DAYS": bad})


def test_the_single_machine_key_is_generated_once_with_mode_0600(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from bot.settings import local_salt_path, query_log_key

    settings = Settings.from_env("http", HTTP)
    config = tmp_path / "config"
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: query_log_key(settings, config), range(8)))
    assert len(keys) == 1 and len(next(iter(keys))) == 64
    assert local_salt_path(config).stat().st_mode & 0o777 == 0o600
    assert config.stat().st_mode & 0o777 == 0o700
    assert [p.name for p in config.iterdir()] == ["query_log_salt"]  # no temporary left
    given = Settings.from_env("http", {**HTTP, "QUERY_LOG_SALT": "given"})
    assert query_log_key(given, tmp_path / "unused") == "given"
    assert not (tmp_path / "unused").exists()
