"""Starting the bot as a new user would (issue 10, item 7): the real CLI in a subprocess against
the Slack stand-in. A token Slack refuses is one line naming its variable and exit 2, never a
traceback; a normal start logs the migrations once and no Bolt warning; a command that cannot
start says which command it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.faults.test_shutdown import free_port, start, stop, wait_until_serving

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 120  # seconds for a start that must end by itself


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` with only `env` of the Slack settings (none from this shell)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**base, "LOG_LEVEL": "INFO", "NO_PROXY": "127.0.0.1", **env},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def slack_env(slack, tmp_path: Path, **more: str) -> dict[str, str]:
    return {
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "QUERY_LOG_SALT": "cli-key",
        **more,
    }


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(("error:", "ERROR"))]


@pytest.mark.parametrize("code", ["invalid_auth", "token_revoked"])
def test_a_refused_app_token_is_one_line_naming_slack_app_token_and_exit_2(slack, tmp_path, code):
    slack.fail("apps.connections.open", code)
    env = slack_env(slack, tmp_path, SLACK_BOT_TOKEN="xoxb-cli", SLACK_APP_TOKEN="xapp-cli")
    done = run_cli("socket", env=env)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    [line] = error_lines(done.stderr)
    assert "SLACK_APP_TOKEN" in line and code in line and "SLACK_BOT_TOKEN" not in line
    assert "xapp-cli" not in done.stderr  # the token itself is never printed
    assert [c.method for c in slack.calls] == ["auth.test", "apps.connections.open"]


def test_a_refused_app_token_scope_says_which_scope(slack, tmp_path):
    slack.fail("apps.connections.open", "missing_scope")
    env = slack_env(slack, tmp_path, SLACK_BOT_TOKEN="xoxb-cli", SLACK_APP_TOKEN="xapp-cli")
    done = run_cli("socket", env=env)
    assert done.returncode == 2
    [line] = error_lines(done.stderr)
    assert "SLACK_APP_TOKEN" in line and "connections:write" in line


@pytest.mark.parametrize(
    ("command", "more"),
    [("socket", {"SLACK_APP_TOKEN": "xapp-cli"}), ("serve", {"SLACK_SIGNING_SECRET": "s"})],
)
def test_a_refused_bot_token_is_one_line_naming_slack_bot_token_and_exit_2(
    slack, tmp_path, command, more
):
    slack.fail("auth.test", "invalid_auth")
    done = run_cli(command, env=slack_env(slack, tmp_path, SLACK_BOT_TOKEN="xoxb-cli", **more))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    [line] = error_lines(done.stderr)
    assert "SLACK_BOT_TOKEN" in line and "invalid_auth" in line
    assert "SLACK_APP_TOKEN" not in line
    assert f"python -m bot {command}" in line
    assert "xoxb-cli" not in done.stderr


def test_run_due_without_a_token_names_the_command_that_was_run(slack, tmp_path):
    done = run_cli("digest", "--run-due", env=slack_env(slack, tmp_path))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: python -m bot digest --run-due cannot start")
    assert "SLACK_BOT_TOKEN is missing" in done.stderr
    assert "clock mode" not in done.stderr


def test_a_normal_start_logs_each_migration_line_once_and_no_bolt_warning(slack, tmp_path):
    port = free_port()
    database_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    process, output = start("serve", database_url, slack, port, scheduler="off")
    try:
        wait_until_serving(port, output)
        process.send_signal(signal.SIGTERM)
        assert process.wait(TIMEOUT) == 0
    finally:
        stop(process)
    log = "".join(output.lines)
    migration = [line for line in output.lines if line.startswith("INFO alembic")]
    assert any("Running upgrade  -> 0001" in line for line in migration), log
    assert len(migration) == len(set(migration)), log  # none twice
    assert "WARNING" not in log and "will be unused" not in log, log
