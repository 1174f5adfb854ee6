"""The long-running processes: HTTP under gunicorn (`python -m bot serve`), Socket Mode
(`python -m bot socket`), or the digest scheduler alone (`python -m bot clock`).

Each starts from `bot.runtime.start` (configuration, knowledge and database problems are one
message and exit code 2, before any server starts; the database is migrated on every start).

The knowledge is kept current in every serving process (`bot.live_knowledge`): a poll thread,
started in each gunicorn worker after the fork, in the Socket Mode process and in `clock`, picks
up approved team terms and a new knowledge file; SIGHUP asks for the file check at once. Sent to
the gunicorn master, SIGHUP reloads the file in the master (`on_reload`, for workers forked
later) and is passed on to every worker, which reloads in place (`KnowledgeReloadingArbiter`):
gunicorn's own reload replaced the workers, and a worker shutting down closed connections it had
accepted but not yet read (the client saw a reset).
What guards the HTTP requests before Bolt sees them is `bot.http_guard`.

HTTP: gunicorn manages the processes (preload, the hooks below, SIGTERM); each worker is
uvicorn's event loop (`SlackUvicornWorker`), which reads requests (a deadline for the head,
`REQUEST_HEAD_SECONDS`; for the body, `http_guard.ReadBodyFirst`) and hands only complete ones
to the WSGI app (Bolt) in a pool of `WSGI_THREADS` threads (`WSGIInThreads`). A client that holds a
half-sent request then costs a socket, not a thread: gunicorn's own threaded worker blocked a
thread in each such read, and 16 of them stopped a whole server.

The digest scheduler ticks every minute in each gunicorn worker (started after the worker is
forked: a thread running in the master while it forks could leave a child holding a lock
nobody will release), in the Socket Mode process, or in `clock`. Running several of them on
one database is safe: each post is claimed in the database first.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError
from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn_worker import UvicornWorker

from bot import log_redaction
from bot.digest import DigestScheduler
from bot.http_guard import (
    EVENTS_PATH,
    ASGIApp,
    FormSafeRequestHandler,
    ReadBodyFirst,
    SignedBodyGuard,
    WSGIApp,
    WSGIInThreads,
)
from bot.live_knowledge import install_reload_signal, start_all
from bot.log_redaction import secret_values
from bot.runtime import COMMANDS, Runtime, digest_tick, start, token_refused
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


# Threads per worker process that run the WSGI app (the guard, Bolt, the acks); Bolt's lazy
# listeners run in its own pool after the response.
WSGI_THREADS = 8
# A client gets this long to send a request line and headers (from its first byte, or from the
# connection when it sends nothing); the body then has http_guard.BODY_READ_SECONDS.
REQUEST_HEAD_SECONDS = 10.0
# Idle keep-alive connections are closed after this long (Slack reuses its connections).
KEEPALIVE_SECONDS = 5


def asgi_app(application: WSGIApp) -> ASGIApp:
    """The WSGI app behind the event loop: only complete, size-checked requests reach a thread."""
    return ReadBodyFirst(WSGIInThreads(application, threads=WSGI_THREADS))


def head_deadline(protocol: type[asyncio.Protocol], seconds: float) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol, closing a connection whose request line and headers are not all
    in within `seconds` (uvicorn has no such timeout: its keep-alive timer stops at the first
    byte). A request being answered, and an idle keep-alive connection, are not timed here."""

    class HeadDeadline(protocol):  # type: ignore[valid-type, misc]
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)  # type: ignore[arg-type]
            self._arm_head_timer()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._awaiting_head():
                if self._head_timer is None:
                    self._arm_head_timer()
            else:
                self._cancel_head_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_head_timer()
            super().connection_lost(exc)

        def _awaiting_head(self) -> bool:
            return self.cycle is None or self.cycle.response_complete

        def _arm_head_timer(self) -> None:
            self._head_timer = self.loop.call_later(seconds, self._head_too_slow)

        def _cancel_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_too_slow(self) -> None:
            self._head_timer = None
            if self._awaiting_head() and not self.transport.is_closing():
                log.debug("closed a connection: no complete request head in %.0f s", seconds)
                self.transport.close()

    HeadDeadline.__name__ = HeadDeadline.__qualname__ = f"HeadDeadline{protocol.__name__}"
    return HeadDeadline


class SlackUvicornWorker(UvicornWorker):
    """uvicorn-worker's gunicorn worker, with the request-head deadline and without an access
    log (as before: gunicorn had none either)."""

    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {
        "loop": "asyncio",
        "http": head_deadline(AutoHTTPProtocol, REQUEST_HEAD_SECONDS),
        "access_log": False,
    }

    def init_signals(self) -> None:
        super().init_signals()
        # uvicorn shuts down gracefully on SIGTERM, then raises it again once it has. Left at
        # the default action, that second SIGTERM would kill the worker there: before gunicorn's
        # worker_exit hook stops the digest scheduler and before Bolt's lazy listeners in flight
        # finish. Here it only marks the worker as stopping; the worker then exits normally.
        signal.signal(signal.SIGTERM, self.handle_exit)
        # gunicorn resets SIGHUP to its default (ending the worker): here it reloads the
        # knowledge file instead, and the knowledge's poll thread starts with the worker.
        install_reload_signal()
        start_all()


def bind_address(settings: Settings) -> str:
    """HOST:PORT as gunicorn takes it (an IPv6 address in brackets)."""
    try:
        is_ipv6 = ipaddress.ip_address(settings.host).version == 6
    except ValueError:  # a host name such as localhost
        is_ipv6 = False
    host = f"[{settings.host}]" if is_ipv6 else settings.host
    return f"{host}:{settings.port}"


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "bind": bind_address(settings),
        "workers": settings.web_concurrency,
        "worker_class": SlackUvicornWorker,
        "preload_app": True,  # load the knowledge once, before forking
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": KEEPALIVE_SECONDS,
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
    """Serve the WSGI `application` behind the event loop (`asgi_app`) under gunicorn."""
    from gunicorn.app.base import BaseApplication

    front = asgi_app(application)

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> ASGIApp:
            return front

        def run(self) -> None:
            try:
                reloading_arbiter()(self).run()
            except RuntimeError as error:  # as BaseApplication.run reports it
                print(f"\nError: {error}\n", file=sys.stderr)
                sys.exit(1)

    Server().run()


def reloading_arbiter() -> type:
    """gunicorn's Arbiter with SIGHUP meaning "reload the knowledge": the master runs its
    `on_reload` hook and passes the signal on to each worker, which reloads in place. The
    processes, their sockets and the connections they hold stay as they are."""
    from gunicorn.arbiter import Arbiter

    class KnowledgeReloadingArbiter(Arbiter):
        def handle_hup(self) -> None:
            self.log.info("SIGHUP: reloading the knowledge file in the master and every worker")
            self.cfg.on_reload(self)
            for pid in list(self.WORKERS):
                with contextlib.suppress(ProcessLookupError):  # a worker that just exited
                    os.kill(pid, signal.SIGHUP)

    return KnowledgeReloadingArbiter


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


def reload_knowledge_hook(runtime: Runtime) -> Callable[[Any], None]:
    """gunicorn's `on_reload` hook (the master got SIGHUP): the master loads the knowledge file
    again, so a worker forked later (one replacing a worker that died) starts with it. No thread
    in the master."""

    def on_reload(server: Any) -> None:
        runtime.live.reload_file()

    return on_reload


def _stop_on_sigterm(stop: Callable[[], None]) -> None:
    def handler(signum: int, frame: Any) -> None:
        log.info("SIGTERM: finishing the work in flight, then stopping")
        stop()

    signal.signal(signal.SIGTERM, handler)


class _WithoutWssUrlError(logging.Filter):
    """Drops slack_sdk's own "Failed to retrieve WSS URL" log, for the first connection only:
    `run_socket_mode` reports that refusal itself, as one line naming SLACK_APP_TOKEN."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to retrieve WSS URL")


def connect_socket_mode(handler: SocketModeHandler, command: str) -> int | None:
    """Open the first Socket Mode connection (apps.connections.open checks SLACK_APP_TOKEN);
    None when connected, else what is wrong is printed and the exit code 2 returned."""
    without_duplicate = _WithoutWssUrlError()
    handler.client.logger.addFilter(without_duplicate)
    try:
        handler.connect()
    except SlackApiError as error:
        print(token_refused(command, "SLACK_APP_TOKEN", error), file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: {command}: could not reach the Slack API: {error}", file=sys.stderr)
        return 2
    finally:
        handler.client.logger.removeFilter(without_duplicate)
    return None


def _wait_until_stopped() -> None:
    """Socket Mode runs in the client's threads; the main thread waits for SIGTERM (or Ctrl-C)."""
    threading.Event().wait()


def run_socket_mode(runtime: Runtime, command: str = COMMANDS["socket"]) -> int:
    assert runtime.app is not None
    handler = socket_mode_handler(runtime.app, runtime.settings)
    scheduler = DigestScheduler(digest_tick(runtime)) if runtime.settings.digest_scheduler else None

    def exit_now() -> None:
        raise SystemExit(0)

    _stop_on_sigterm(exit_now)
    install_reload_signal()
    runtime.live.start()
    try:
        refused = connect_socket_mode(handler, command)
        if refused is not None:
            return refused
        log.info("Socket Mode connected; answering Slack")
        if scheduler is not None:
            scheduler.start()
        _wait_until_stopped()
    finally:
        if scheduler is not None:
            scheduler.stop()
        runtime.live.stop()
        handler.close()
    return 0


def run_clock(runtime: Runtime) -> None:
    """The scheduler alone, in the foreground, until SIGTERM (Procfile `clock:`)."""
    scheduler = DigestScheduler(digest_tick(runtime))
    _stop_on_sigterm(scheduler.stop)
    install_reload_signal()
    runtime.live.start()  # the digests are written from each workspace's current knowledge
    log.info("digest scheduler running; checking for due digests every minute")
    with contextlib.suppress(KeyboardInterrupt):
        scheduler.run_forever()
    runtime.live.stop()


def main(mode: Mode, env: Mapping[str, str] = os.environ) -> int:
    runtime = start(mode, env)
    if isinstance(runtime, int):
        return runtime
    if mode == "clock":
        run_clock(runtime)
    elif mode == "socket":
        return run_socket_mode(runtime)
    else:
        assert runtime.app is not None
        log.info("serving %s on %s", EVENTS_PATH, bind_address(runtime.settings))
        options = {
            **gunicorn_options(runtime.settings),
            **scheduler_hooks(runtime),
            "on_starting": redact_gunicorn_logs(secret_values(env)),
            "on_reload": reload_knowledge_hook(runtime),
        }
        application = wsgi_app(runtime.app, runtime.settings.signing_secret)
        run_gunicorn(application, options)
    return 0
