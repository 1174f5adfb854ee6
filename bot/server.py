"""The long-running processes: HTTP under gunicorn (`python -m bot serve`), Socket Mode
(`python -m bot socket`), or the digest scheduler alone (`python -m bot clock`).

Each starts from `bot.runtime.start` (configuration, knowledge and database problems are one
message and exit code 2, before any server starts; the database is migrated on every start).
What guards the HTTP requests before Bolt sees them is `bot.http_guard`.

The digest scheduler ticks every minute in each gunicorn worker (started after the worker is
forked: a thread running in the master while it forks could leave a child holding a lock
nobody will release), in the Socket Mode process, or in `clock`. Running several of them on
one database is safe: each post is claimed in the database first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot import log_redaction
from bot.digest import DigestScheduler
from bot.http_guard import EVENTS_PATH, FormSafeRequestHandler, SignedBodyGuard, WSGIApp
from bot.log_redaction import secret_values
from bot.runtime import Runtime, digest_tick, start
from bot.settings import Mode, Settings

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"


def wsgi_app(app: App, signing_secret: str | None) -> WSGIApp:
    """The WSGI application: Bolt on /slack/events (and the OAuth paths), behind
    `SignedBodyGuard` with the app's signing secret (SLACK_SIGNING_SECRET), plus /healthz."""
    slack = SignedBodyGuard(
        FormSafeRequestHandler(app, path=EVENTS_PATH), signing_secret=signing_secret or ""
    )

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


def redact_gunicorn_logs(secrets: list[str]) -> Callable[[Any], None]:
    """gunicorn's `on_starting` hook: its loggers have their own handlers (not the root's), so
    they get the redacting filter too."""

    def on_starting(server: Any) -> None:
        log_redaction.install(secrets, loggers=("gunicorn.error", "gunicorn.access"))

    return on_starting


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


def scheduler_hooks(runtime: Runtime) -> dict[str, Any]:
    """gunicorn hooks: each forked worker starts with a fresh connection pool and, unless
    DIGEST_SCHEDULER=off, runs its own scheduler (claims keep the posts exactly once). The
    master starts no thread, so forking a worker never copies a lock held mid-tick."""
    schedulers: list[DigestScheduler] = []  # the one in this process, after the fork

    def post_fork(server: Any, worker: Any) -> None:
        runtime.store.engine.dispose(close=False)  # the parent's connections stay the parent's

    def post_worker_init(worker: Any) -> None:
        scheduler = DigestScheduler(digest_tick(runtime))
        schedulers.append(scheduler)
        scheduler.start()

    def worker_exit(server: Any, worker: Any) -> None:
        while schedulers:
            schedulers.pop().stop()  # finishes or releases the post in flight

    hooks: dict[str, Any] = {"post_fork": post_fork}
    if runtime.settings.digest_scheduler:
        hooks.update(post_worker_init=post_worker_init, worker_exit=worker_exit)
    return hooks


def _stop_on_sigterm(stop: Callable[[], None]) -> None:
    def handler(signum: int, frame: Any) -> None:
        log.info("SIGTERM: finishing the work in flight, then stopping")
        stop()

    signal.signal(signal.SIGTERM, handler)


def run_socket_mode(runtime: Runtime) -> None:
    assert runtime.app is not None
    handler = socket_mode_handler(runtime.app, runtime.settings)
    scheduler = DigestScheduler(digest_tick(runtime)) if runtime.settings.digest_scheduler else None

    def exit_now() -> None:
        raise SystemExit(0)

    _stop_on_sigterm(exit_now)
    try:
        if scheduler is not None:
            scheduler.start()
        handler.start()
    finally:
        if scheduler is not None:
            scheduler.stop()
        handler.close()


def run_clock(runtime: Runtime) -> None:
    """The scheduler alone, in the foreground, until SIGTERM (Procfile `clock:`)."""
    scheduler = DigestScheduler(digest_tick(runtime))
    _stop_on_sigterm(scheduler.stop)
    log.info("digest scheduler running; checking for due digests every minute")
    with contextlib.suppress(KeyboardInterrupt):
        scheduler.run_forever()


def main(mode: Mode, env: Mapping[str, str] = os.environ) -> int:
    runtime = start(mode, env)
    if isinstance(runtime, int):
        return runtime
    if mode == "clock":
        run_clock(runtime)
    elif mode == "socket":
        run_socket_mode(runtime)
    else:
        assert runtime.app is not None
        log.info("serving %s on port %d", EVENTS_PATH, runtime.settings.port)
        options = {
            **gunicorn_options(runtime.settings),
            **scheduler_hooks(runtime),
            "on_starting": redact_gunicorn_logs(secret_values(env)),
        }
        application = wsgi_app(runtime.app, runtime.settings.signing_secret)
        run_gunicorn(application, options)
    return 0
