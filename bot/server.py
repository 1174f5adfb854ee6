"""Running the app: HTTP under gunicorn (`python -m bot serve`), Socket Mode (`python -m bot
socket`), or the digest scheduler alone (`python -m bot clock`, `digest --run-due`).

Configuration, knowledge and database problems are reported as one message and exit code 2,
before any server starts. The database is migrated on every start.

The digest scheduler ticks every minute in each gunicorn worker (started after the worker is
forked: a thread running in the master while it forks could leave a child holding a lock
nobody will release), in the Socket Mode process, or in `clock`. Running several of them on
one database is safe: each post is claimed in the database first.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.context import BoltContext
from slack_bolt.error import BoltError
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context, parse_body
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.app import EVENTS_PATH, create_app, open_store, team_clients
from bot.scheduler import DigestScheduler, RunReport, run_due
from bot.settings import Mode, Settings, SettingsError
from bot.store import Store, StoreError
from knowledge import Knowledge, KnowledgeFileError

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def wsgi_app(app: App) -> WSGIApp:
    """The WSGI application: Bolt on /slack/events (and the OAuth paths), behind
    `SignedBodyGuard`, plus /healthz."""
    slack = SignedBodyGuard(
        FormSafeRequestHandler(app, path=EVENTS_PATH),
        # Bolt keeps the secret private; reading it here keeps one source of truth.
        signing_secret=getattr(app, "_signing_secret", "") or "",
    )

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n"]
        return slack(environ, start_response)

    return application


# --- form bodies that mention "payload" ---------------------------------------------------------


def parse_request_body(text: str, content_type: str | None) -> dict[str, Any]:
    """Bolt's `parse_body`, except that a form Bolt misreads stays the form it is."""
    body = parse_body(text, content_type)
    return body if body != {} else form_bolt_misreads(text, content_type)


def form_bolt_misreads(text: str, content_type: str | None) -> dict[str, Any]:
    """The form that Bolt's `parse_body` reads as {}, or {} when Bolt reads `text` right.

    Bolt takes any form body containing the text "payload" for an interactive payload and,
    finding no such field, returns {}: `/aigc what is a payload`, or any command sent from a
    channel named #payload-team, then reached no listener (Slack said dispatch_failed)."""
    is_json = content_type == "application/json" or text.startswith("{")  # as Bolt decides
    if is_json or "payload" not in text:
        return {}
    form = dict(parse_qsl(text, keep_blank_values=True))
    return {} if "payload" in form else form


class FormSafeBoltRequest(BoltRequest):
    """A BoltRequest that reads the forms Bolt misreads (`form_bolt_misreads`); so do its
    copies, which Bolt hands to lazy listeners."""

    def __init__(
        self,
        *,
        body: str | dict,
        query: Any = None,
        headers: Any = None,
        context: dict[str, Any] | None = None,
        mode: str = "http",
    ) -> None:
        super().__init__(body=body, query=query, headers=headers, context=context, mode=mode)
        if isinstance(body, str) and self.body == {}:
            form = form_bolt_misreads(self.raw_body, self.content_type)
            if form:
                self.body = form
                self.context = build_context(BoltContext(context or {}), form)

    def to_copyable(self) -> FormSafeBoltRequest:
        return FormSafeBoltRequest(
            body=self.raw_body if self.mode == "http" else self.body,
            query=self.query,
            headers=self.headers,
            context=self.context.to_copyable(),
            mode=self.mode,
        )


class FormSafeRequestHandler(SlackRequestHandler):
    """Bolt's WSGI adapter, dispatching FormSafeBoltRequests."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        return self.app.dispatch(
            FormSafeBoltRequest(
                body=request.get_body(),
                query=request.query_string,
                headers=request.get_headers(),
            )
        )


# --- the guard in front of Bolt's WSGI adapter ----------------------------------------------------

# Slack's own bodies are far smaller; 2 MB pastes must still be answered (truncated), not refused.
MAX_BODY_BYTES = 4 * 1024 * 1024
# Slack sends Unix seconds. Anything else (`abc`, 400 digits, `+1`, ` 1`) counts as unsigned:
# slack_sdk's verifier would raise on it (int() / float overflow) instead of saying no.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
# Keys Slack always sends as objects / lists of objects when they are there at all; Bolt's
# context and listener matching index into them and raise on anything else.
_OBJECT_KEYS = ("event", "container", "view", "message", "state")
_OBJECT_LIST_KEYS = ("actions", "authorizations")


class RawBodyVerifier(SignatureVerifier):
    """slack_sdk's verifier (clock window, constant-time comparison) on the raw bytes Slack
    signed. Its own decodes the body as UTF-8 and parses the timestamp with int(), and raises
    on bytes or timestamps Slack never sends; here those are just "not signed"."""

    def is_valid(self, body: str | bytes, timestamp: str | None, signature: str | None) -> bool:
        if timestamp is None or signature is None or not signature.isascii():
            return False  # compare_digest raises on non-ASCII text
        if not _TIMESTAMP.fullmatch(timestamp):
            return False
        return super().is_valid(body, timestamp, signature)

    def generate_signature(self, *, timestamp: str, body: str | bytes) -> str | None:
        raw = body.encode("utf-8") if isinstance(body, str) else (body or b"")
        base = b"v0:" + timestamp.encode("ascii") + b":" + raw
        digest = hmac.new(self.signing_secret.encode("utf-8"), base, hashlib.sha256)
        return f"v0={digest.hexdigest()}"


class MalformedBody(ValueError):
    """A signed body Bolt cannot take: not UTF-8, not parsable, or not shaped as Slack sends."""


def parse_slack_body(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The body as Bolt will see it (`parse_request_body` on the UTF-8 text), or MalformedBody."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedBody("the body is not UTF-8") from None
    try:
        body = parse_request_body(text, content_type)
    except (ValueError, RecursionError) as error:  # bad JSON, or nested past the recursion limit
        raise MalformedBody(f"the body cannot be parsed ({type(error).__name__})") from None
    if not isinstance(body, dict):
        raise MalformedBody(f"the body is JSON {type(body).__name__}, not an object")
    if body.get("type") == "event_callback" and not isinstance(body.get("event"), dict):
        raise MalformedBody("an event_callback whose `event` is not an object")
    if "event" in body and not isinstance(body["event"], dict):
        # Slack never sends `"event": null`; Bolt reads `event` on every request that has it.
        raise MalformedBody("`event` is not an object")
    for key in _OBJECT_KEYS:
        if body.get(key) is not None and not isinstance(body[key], dict):
            raise MalformedBody(f"`{key}` is not an object")
    for key in _OBJECT_LIST_KEYS:
        value = body.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(item, dict) for item in value)
        ):
            raise MalformedBody(f"`{key}` is not a list of objects")
    return body


class BodyTooLarge(Exception):
    pass


def read_body(environ: Mapping[str, Any], limit: int) -> bytes:
    """The request body, at most `limit` bytes (BodyTooLarge beyond), ValueError for a bad
    Content-Length. A body cut short of its Content-Length is returned as it came (its
    signature will not match)."""
    stream = environ.get("wsgi.input")
    declared = (environ.get("CONTENT_LENGTH") or "").strip()
    if declared:
        if not (declared.isascii() and declared.isdigit()):
            raise ValueError(f"bad Content-Length {declared[:20]!r}")
        length = int(declared)
        if length > limit:
            raise BodyTooLarge
    elif environ.get("wsgi.input_terminated"):  # chunked, and the server ends the stream
        length = limit + 1
    else:
        length = 0  # PEP 3333: without a Content-Length, read nothing
    if stream is None or length == 0:
        return b""
    chunks: list[bytes] = []
    remaining = length
    while remaining > 0:
        chunk = stream.read(min(remaining, 65536))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    body = b"".join(chunks)
    if len(body) > limit:
        raise BodyTooLarge
    return body


def _json_reply(start_response: Callable, status: str, error: str, exc_info=None) -> list[bytes]:
    body = json.dumps({"error": error}).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    if exc_info is None:
        start_response(status, headers)
    else:
        start_response(status, headers, exc_info)
    return [body]


class SignedBodyGuard:
    """WSGI middleware in front of Bolt's adapter. Bolt's adapter decodes and parses a body
    before it checks the signature, and lets the exception out (a 500, signed or not). On
    POST to `path` this reads the bytes (413 past `max_body`), checks Slack's signature on
    them (401, except Slack's unsigned `ssl_check`, which Bolt answers itself), answers 400
    for a signed body Bolt cannot take, then hands the same bytes to Bolt (which checks the
    signature again). Anything that still escapes Bolt, on any path, is logged and answered 400
    without a trace."""

    def __init__(
        self,
        bolt: WSGIApp,
        *,
        signing_secret: str,
        path: str = EVENTS_PATH,
        max_body: int = MAX_BODY_BYTES,
    ) -> None:
        self.bolt = bolt
        self.path = path
        self.max_body = max_body
        # An empty secret cannot sign anything: every request is then unsigned.
        self.verifier = RawBodyVerifier(signing_secret) if signing_secret.strip() else None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != self.path:
            return self._bolt(environ, start_response)
        context = _describe(environ)
        try:
            raw = read_body(environ, self.max_body)
        except BodyTooLarge:
            log.warning("refused %s: larger than %d bytes (413)", context, self.max_body)
            return _json_reply(start_response, "413 Request Entity Too Large", "too large")
        except Exception as error:  # a bad Content-Length, or the client went away mid-body
            log.info("refused %s: the body could not be read: %r (400)", context, error)
            return _json_reply(start_response, "400 Bad Request", "bad request")
        content_type = environ.get("CONTENT_TYPE") or None
        content_type = content_type.split(";")[0] if content_type else None  # as Bolt does
        if not self._is_signed(environ, raw):
            if not _is_ssl_check(raw, content_type):
                log.info("refused %s: not signed by Slack (401)", context)
                return _json_reply(start_response, "401 Unauthorized", "invalid request")
        else:
            try:
                parse_slack_body(raw, content_type)
            except MalformedBody as error:
                log.warning("refused signed %s: %s (400)", context, error)
                return _json_reply(start_response, "400 Bad Request", "bad request")
        environ = {**environ, "wsgi.input": io.BytesIO(raw), "CONTENT_LENGTH": str(len(raw))}
        return self._bolt(environ, start_response)

    def _is_signed(self, environ: Mapping[str, Any], raw: bytes) -> bool:
        if self.verifier is None:
            return False
        return self.verifier.is_valid(
            raw,
            environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"),
            environ.get("HTTP_X_SLACK_SIGNATURE"),
        )

    def _bolt(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            return self.bolt(environ, start_response)
        except Exception:
            # Bolt builds the response before start_response, so nothing has been sent yet.
            log.error("Bolt failed on %s (answered 400)", _describe(environ), exc_info=True)
            return _json_reply(start_response, "400 Bad Request", "bad request", sys.exc_info())


def _is_ssl_check(raw: bytes, content_type: str | None) -> bool:
    """Slack's unsigned ssl_check, which Bolt's SslCheck answers 200 before its signature check
    (no listener runs)."""
    if b"ssl_check" not in raw:
        return False
    try:
        body = parse_slack_body(raw, content_type)
    except MalformedBody:
        return False
    return body.get("ssl_check") == "1"


def _describe(environ: Mapping[str, Any]) -> str:
    return "{} {} ({}, {} bytes)".format(
        environ.get("REQUEST_METHOD", "?"),
        environ.get("PATH_INFO", "?"),
        environ.get("CONTENT_TYPE") or "no content type",
        environ.get("CONTENT_LENGTH") or "no Content-Length",
    )


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


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    knowledge: Knowledge
    store: Store
    app: App | None  # None for the clock, which has no listeners


def build(mode: Mode, env: Mapping[str, str]) -> Runtime:
    """Settings, knowledge, the migrated store and the app, or a SettingsError /
    KnowledgeFileError / StoreError / BoltError."""
    settings = Settings.from_env(mode, env)
    knowledge = Knowledge.load(settings.knowledge_file)
    store = open_store(settings)
    app = None if mode == "clock" else create_app(settings, knowledge, store=store)
    return Runtime(settings, knowledge, store, app)


def digest_tick(runtime: Runtime) -> Callable[[Callable[[], bool]], RunReport]:
    """One scheduler tick: post whatever is due now."""
    clients = team_clients(runtime.settings, runtime.store)

    def tick(should_stop: Callable[[], bool]) -> RunReport:
        store = runtime.store
        return run_due(store, runtime.knowledge, clients, store.now(), should_stop=should_stop)

    return tick


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


def start(mode: Mode, env: Mapping[str, str] = os.environ) -> Runtime | int:
    """Build for `mode`, or print what is wrong and return the exit code 2."""
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        return build(mode, env)
    except (SettingsError, KnowledgeFileError, StoreError) as error:
        print(f"error: {error}", file=sys.stderr)
    except BoltError as error:  # e.g. Slack rejected the bot token at start-up (auth.test)
        print(f"error: Slack refused the configuration: {error}", file=sys.stderr)
    except OSError as error:  # the start-up token check could not reach SLACK_API_URL
        print(f"error: could not reach the Slack API: {error}", file=sys.stderr)
    return 2


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
        options = {**gunicorn_options(runtime.settings), **scheduler_hooks(runtime)}
        run_gunicorn(wsgi_app(runtime.app), options)
    return 0


def run_due_once(env: Mapping[str, str] = os.environ) -> int:
    """`python -m bot digest --run-due`: post what is due now, print what happened, exit."""
    runtime = start("clock", env)
    if isinstance(runtime, int):
        return runtime
    report = digest_tick(runtime)(lambda: False)
    print(f"digests: {report}")
    for team, channel, reason in report.paused:
        print(f"  paused {team}/{channel}: {reason}")
    for team, channel, reason in report.released:
        print(f"  not posted yet {team}/{channel}: {reason} (retried on the next run)")
    return 0
