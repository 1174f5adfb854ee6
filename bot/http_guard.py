"""What stands between the HTTP request and Bolt: the body is read (at most `MAX_BODY_BYTES`),
Slack's signature is checked on the raw bytes, a signed body Bolt could not take is refused, and
form bodies Bolt would misread reach it as the forms they are.

Under `python -m bot serve` the event loop comes first: `ReadBodyFirst` reads the body with a
deadline and a size cap, so only complete requests reach `WSGIInThreads`, which runs the WSGI
app in a thread, one whole exchange at a time. `SignedBodyGuard(bolt, signing_secret=...)` is
WSGI middleware; `FormSafeRequestHandler` is Bolt's WSGI adapter dispatching
`FormSafeBoltRequest`s. Nothing here knows the app's listeners.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import logging
import re
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.context import BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context, parse_body
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"  # Bolt's default request path; the app serves it
WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
ASGIMessage = MutableMapping[str, Any]
ASGIReceive = Callable[[], Awaitable[ASGIMessage]]
ASGISend = Callable[[ASGIMessage], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], ASGIReceive, ASGISend], Awaitable[None]]


# --- form bodies that mention "payload" ---------------------------------------------------------


def parse_request_body(text: str, content_type: str | None) -> dict[str, Any]:
    """Bolt's `parse_body`, except that a form Bolt misreads stays the form it is."""
    body = parse_body(text, content_type)
    return body if body != {} else form_bolt_misreads(text, content_type)


def form_bolt_misreads(text: str, content_type: str | None) -> dict[str, Any]:
    """The form that Bolt's `parse_body` reads as {}, or {} when Bolt reads `text` right.

    Bolt takes any form body containing the text "payload" for an interactive payload and,
    finding no such field, returns {}: `/aigc what is a payload`, or any command sent from a
    channel named #payload-team, then reached no listener (Slack said dispatch_failed).

    The line worked around, in slack_bolt 1.30.0 `slack_bolt/request/internals.py`, `parse_body`:

        if "payload" in body:  # This is not JSON format yet

    (a substring test on the whole body, where a test for the `payload` form field was meant);
    when no such field is parsed, it returns {}. Delete this workaround once Bolt tests the
    field: `tests/bot/test_http_guard.py` shows whether Bolt still needs it."""
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
    if body.get("type") in ("block_actions", "interactive_message"):
        actions = body.get("actions")
        if not (isinstance(actions, list) and actions):
            # Bolt reads `actions[0]` of every such body (slack_bolt.request.payload_utils
            # .to_action); Slack always sends the pressed element there.
            raise MalformedBody(f"a {body['type']} without `actions`")
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


# --- the body, read in the event loop before a thread is taken -------------------------------------

# Slack sends a request at once; a client gets this long for the whole body once its headers are in.
BODY_READ_SECONDS = 10.0


class ClientGone(Exception):
    """The client closed the connection before the body was complete."""


class ReadBodyFirst:
    """ASGI middleware: reads the whole request body in the event loop (at most `max_body` bytes,
    within `read_seconds`) before calling `app`, which receives it as one message, with its
    Content-Length. Behind it, a WSGI app in a thread pool (`WSGIInThreads`) takes a thread only
    for a complete request: a client that sends headers and holds the body costs a socket, not one of
    the threads every other request needs. 413 past `max_body`, 408 past the deadline, 400 for a
    bad Content-Length; nothing is answered to a client that went away."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body: int = MAX_BODY_BYTES,
        read_seconds: float = BODY_READ_SECONDS,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.read_seconds = read_seconds

    async def __call__(
        self, scope: MutableMapping[str, Any], receive: ASGIReceive, send: ASGISend
    ) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        context = "{} {}".format(scope.get("method", "?"), scope.get("path", "?"))
        declared = _header(scope, b"content-length")
        if declared is not None and not (declared.isascii() and declared.isdigit()):
            log.info("refused %s: bad Content-Length %r (400)", context, declared[:20])
            return await _asgi_json_reply(send, 400, "bad request")
        if declared is not None and int(declared) > self.max_body:
            log.warning("refused %s: larger than %d bytes (413)", context, self.max_body)
            return await _asgi_json_reply(send, 413, "too large")
        try:
            async with asyncio.timeout(self.read_seconds):
                body = await _read_body(receive, self.max_body)
        except TimeoutError:
            log.info(
                "refused %s: body not complete within %.0f s (408)", context, self.read_seconds
            )
            return await _asgi_json_reply(send, 408, "request timeout")
        except BodyTooLarge:
            log.warning("refused %s: larger than %d bytes (413)", context, self.max_body)
            return await _asgi_json_reply(send, 413, "too large")
        except ClientGone:
            return None
        headers = [
            (name, value)
            for name, value in scope["headers"]
            if name not in (b"content-length", b"transfer-encoding")
        ]
        headers.append((b"content-length", str(len(body)).encode("ascii")))
        delivered = False

        async def receive_body() -> ASGIMessage:
            nonlocal delivered
            if delivered:
                return await receive()  # http.disconnect, when the client goes
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app({**scope, "headers": headers}, receive_body, send)
        return None


async def _read_body(receive: ASGIReceive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _header(scope: Mapping[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1").strip()
    return None


async def _asgi_json_reply(send: ASGISend, status: int, error: str) -> None:
    body = json.dumps({"error": error}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode("ascii")),
        (b"connection", b"close"),  # the rest of the body, if any, is not read
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# --- the WSGI app in threads, one whole exchange at a time -----------------------------------------


class WSGIInThreads:
    """An ASGI app running the WSGI `app` in a pool of `threads`: the request goes in whole (its
    body already read by `ReadBodyFirst`), the whole response comes back, then the event loop
    sends it. One hand-over each way: a2wsgi's WSGIMiddleware blocks its thread on the loop for
    every piece of the response (three per answer), and each such wait can cost the
    interpreter's switch interval (5 ms) while the app's other threads hold the GIL. Slack's
    answers are small JSON, so nothing needs streaming."""

    def __init__(self, app: WSGIApp, *, threads: int) -> None:
        self.app = app
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="wsgi")

    async def __call__(
        self, scope: MutableMapping[str, Any], receive: ASGIReceive, send: ASGISend
    ) -> None:
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send)
        if scope["type"] != "http":
            return None
        try:
            body = await _read_body(receive, MAX_BODY_BYTES)
        except ClientGone:
            return None
        environ = wsgi_environ(scope, body)
        loop = asyncio.get_running_loop()
        status, headers, content = await loop.run_in_executor(self.pool, self._exchange, environ)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})
        return None

    def _exchange(self, environ: dict) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        started: list[tuple[str, list[tuple[str, str]]]] = []
        content: list[bytes] = []

        def start_response(status: str, headers: list, exc_info: Any = None) -> Callable:
            if exc_info is not None and started:
                raise exc_info[1].with_traceback(exc_info[2])  # PEP 3333: too late to change
            started[:] = [(status, headers)]
            return content.append  # the legacy write() callable

        iterable = self.app(environ, start_response)
        try:
            content.extend(iterable)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        status, headers = started[0]
        encoded = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        return int(status.split(" ", 1)[0]), encoded, b"".join(content)


def wsgi_environ(scope: Mapping[str, Any], body: bytes) -> dict[str, Any]:
    """The PEP 3333 environ of an ASGI HTTP request whose whole body is `body`."""
    server = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode("utf-8").decode("latin-1"),
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] or 0),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if scope.get("client"):
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = scope["client"][0], str(scope["client"][1])
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        key = name if name in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{name}"
        value = raw_value.decode("latin-1")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


async def _lifespan(receive: ASGIReceive, send: ASGISend) -> None:
    """Nothing to start or stop: the runtime is built before the workers fork."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
