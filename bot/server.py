"""Running the app: HTTP under gunicorn (`python -m bot serve`) or Socket Mode (`python -m bot socket`).

Configuration and knowledge problems are reported as one message and exit code 2, before any
server starts.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError

from bot.app import EVENTS_PATH, create_app
from bot.settings import Mode, Settings, SettingsError
from knowledge import Knowledge, KnowledgeFileError

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def wsgi_app(app: App) -> WSGIApp:
    """The WSGI application: Bolt on /slack/events (and the OAuth paths), plus /healthz."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n"]
        return slack(environ, start_response)

    return application


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "bind": f"0.0.0.0:{settings.port}",
        "workers": settings.web_concurrency,
        # Lazy listeners finish in Bolt's threads after the response, so threads, not sync.
        "worker_class": "gthread",
        "threads": 8,
        "preload_app": True,  # load the knowledge once, before forking
        "timeout": 30,
        "graceful_timeout": 10,
        "accesslog": None,
        "errorlog": "-",
    }


def run_gunicorn(application: WSGIApp, options: Mapping[str, Any]) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> WSGIApp:
            return application

    Server().run()


def socket_mode_handler(app: App, settings: Settings) -> SocketModeHandler:
    return SocketModeHandler(app, app_token=settings.app_token)


def build(mode: Mode, env: Mapping[str, str]) -> tuple[Settings, App]:
    """Settings, knowledge and app, or a SettingsError/KnowledgeFileError/BoltError."""
    settings = Settings.from_env(mode, env)
    knowledge = Knowledge.load(settings.knowledge_file)
    return settings, create_app(settings, knowledge)


def main(mode: Mode, env: Mapping[str, str] = os.environ) -> int:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        settings, app = build(mode, env)
    except (SettingsError, KnowledgeFileError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BoltError as error:  # e.g. Slack rejected the bot token at start-up (auth.test)
        print(f"error: Slack refused the configuration: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # the start-up token check could not reach SLACK_API_URL
        print(f"error: could not reach the Slack API: {error}", file=sys.stderr)
        return 2
    if mode == "socket":
        socket_mode_handler(app, settings).start()
    else:
        log.info("serving %s on port %d", EVENTS_PATH, settings.port)
        run_gunicorn(wsgi_app(app), gunicorn_options(settings))
    return 0
