"""The process runners of bot/server.py: the WSGI app with /healthz and OAuth routes, gunicorn's
options (HOST, the event-loop worker) and hooks, Socket Mode with the scheduler."""

from __future__ import annotations

import io
import logging
import threading
from unittest.mock import Mock

import pytest
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.app import create_app
from bot.server import SlackUvicornWorker, gunicorn_options, socket_mode_handler, wsgi_app
from bot.settings import Settings, SettingsError
from tests import payloads as p
from tests.bot.test_app import socket_settings


def test_socket_mode_handler_has_the_tokens_and_answers_a_command(slack, knowledge):
    settings = socket_settings(slack.api_url)
    app = create_app(settings, knowledge)
    handler = socket_mode_handler(app, settings)
    assert handler.app is app
    assert handler.client.app_token == "xapp-sock"
    assert handler.client.web_client.token == "xoxb-sock"
    assert handler.client.web_client.base_url == slack.api_url
    assert [c.method for c in slack.calls] == ["auth.test"]  # the token check, on our stand-in

    # A slash command as Socket Mode delivers it goes through the registered listener.
    client = Mock(logger=logging.getLogger("socket-test"))
    request = SocketModeRequest(
        type="slash_commands", envelope_id="env-1", payload=p.slash_command("什么是MaaS")
    )
    handler.handle(client, request)
    response = client.send_socket_mode_response.call_args.args[0]
    assert response.envelope_id == "env-1"
    assert response.payload["blocks"][0]["text"]["text"] == "模型即服务(MaaS)"


def call_wsgi(application, path: str, method: str = "GET") -> tuple[str, str]:
    seen = {}

    def start_response(status, headers):
        seen["status"] = status

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(b""),
        "CONTENT_LENGTH": "0",
    }
    body = b"".join(application(environ, start_response)).decode()
    return seen["status"], body


def test_oauth_install_routes_use_the_sqlalchemy_stores(knowledge, tmp_path, fake_slack):
    settings = Settings.from_env(
        "http",
        {
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_CLIENT_ID": "111.222",
            "SLACK_CLIENT_SECRET": "c",
            "QUERY_LOG_SALT": "k" * 64,
            "SLACK_API_URL": fake_slack.api_url,
            "DATABASE_URL": f"sqlite:///{tmp_path}/sub/bot.sqlite3",
        },
    )
    app = create_app(settings, knowledge)
    assert app.client.base_url == fake_slack.api_url
    assert app.oauth_flow.client.base_url == fake_slack.api_url
    application = wsgi_app(app, settings.signing_secret)
    status, body = call_wsgi(application, "/slack/install")
    assert status.startswith("200")
    assert "client_id=111.222" in body and "scope=commands" in body
    assert (tmp_path / "sub" / "bot.sqlite3").exists()
    status, _ = call_wsgi(application, "/slack/oauth_redirect?state=bogus")
    assert not status.startswith("5")
    assert call_wsgi(application, "/healthz") == ("200 OK", "ok\n")
    assert call_wsgi(application, "/nope")[0].startswith("404")


HTTP_ENV = {"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1", "PORT": "8123"}


def test_gunicorn_runs_event_loop_workers_on_every_interface_by_default():
    options = gunicorn_options(Settings.from_env("http", HTTP_ENV))
    assert options["bind"] == "0.0.0.0:8123"
    assert options["worker_class"] is SlackUvicornWorker
    assert options["preload_app"] is True
    assert SlackUvicornWorker.CONFIG_KWARGS["http"].__name__.startswith("HeadDeadline")


@pytest.mark.parametrize(
    ("host", "bind"),
    [("127.0.0.1", "127.0.0.1:8123"), ("::1", "[::1]:8123"), ("localhost", "localhost:8123")],
)
def test_host_sets_the_address_gunicorn_binds(host, bind):
    settings = Settings.from_env("http", {**HTTP_ENV, "HOST": host})
    assert gunicorn_options(settings)["bind"] == bind


@pytest.mark.parametrize("host", ["127.0.0.1:80", "http://example.com", "-bad", "a b"])
def test_a_host_that_is_no_address_is_a_settings_error(host):
    with pytest.raises(SettingsError, match="HOST must be an IP address"):
        Settings.from_env("http", {**HTTP_ENV, "HOST": host})


def test_gunicorn_runs_the_scheduler_in_the_workers_not_the_master(knowledge, tmp_path, fake_slack):
    from bot.app import open_store
    from bot.runtime import Runtime
    from bot.server import scheduler_hooks

    env = {
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/g.db",
    }
    settings = Settings.from_env("http", env)
    runtime = Runtime(settings, knowledge, open_store(settings), None)
    hooks = scheduler_hooks(runtime)
    assert set(hooks) == {"post_fork", "post_worker_init", "worker_exit"}
    hooks["post_fork"](None, None)
    hooks["post_worker_init"](None)
    hooks["worker_exit"](None, None)
    off = Settings.from_env("http", {**env, "DIGEST_SCHEDULER": "off"})
    assert set(scheduler_hooks(Runtime(off, knowledge, runtime.store, None))) == {"post_fork"}


def test_socket_mode_runs_the_scheduler_and_stops_it_on_sigterm(
    knowledge, tmp_path, fake_slack, monkeypatch
):
    from bot import server
    from bot.app import open_store
    from bot.runtime import Runtime

    settings = Settings.from_env(
        "socket",
        {
            "SLACK_BOT_TOKEN": "xoxb-sock",
            "SLACK_APP_TOKEN": "xapp-sock",
            "SLACK_API_URL": fake_slack.api_url,
            "DATABASE_URL": f"sqlite:///{tmp_path}/s.db",
        },
    )
    store = open_store(settings)
    runtime = Runtime(settings, knowledge, store, create_app(settings, knowledge, store=store))
    ticks, connected, closed, on_term = [], [], [], []

    class Handler:
        client = Mock(logger=logging.getLogger("socket-test"))

        def connect(self):
            connected.append(True)

        def close(self):
            closed.append(True)

    def wait_until_stopped():
        assert connected == [True]
        assert ticks_seen.wait(5)  # the scheduler ticked while Socket Mode was up
        on_term[0]()  # what SIGTERM does

    ticks_seen = threading.Event()

    def tick(runtime):
        def run(should_stop):
            ticks.append(1)
            ticks_seen.set()

        return run

    monkeypatch.setattr(server, "socket_mode_handler", lambda app, settings: Handler())
    monkeypatch.setattr(server, "digest_tick", tick)
    monkeypatch.setattr(server, "_stop_on_sigterm", on_term.append)
    monkeypatch.setattr(server, "_wait_until_stopped", wait_until_stopped)
    with pytest.raises(SystemExit):
        server.run_socket_mode(runtime)
    assert ticks and closed == [True]
