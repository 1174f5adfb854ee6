"""A local stand-in for Slack: the Web API and response_url endpoints on 127.0.0.1.

Records every call, answers like Slack (`{"ok": true, ...}`), and answers `{"ok": false,
"error": ...}` for a method (optionally only for one channel) when told to with `fail()`;
`script()` queues one-off answers per method: a 429 with Retry-After, a 500/503, an `ok: false`
error, a hang past the client's timeout (`hang=`, cut short by `release()`), or a connection
closed without an answer (`close=True`). Each call records what it was answered (`outcome`:
"ok", the error code, or "closed"), so tests can count what Slack actually accepted
(`delivered()`). Tests wait for calls with a deadline (a condition variable, never a sleep). Also: serving a WSGI app on loopback in a thread, and
sending requests signed the way Slack signs them.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_sdk.signature import SignatureVerifier

BOT_USER = "U0BOTUSER1"
TEAM = "T0TEAM0001"


@dataclass(frozen=True)
class Scripted:
    """A one-off answer: HTTP status, JSON body (None: the usual answer) and headers; `hang`
    seconds of waiting first (ended early by `FakeSlack.release()`); or `close` the connection
    without answering at all."""

    status: int = 200
    body: dict | None = None
    headers: dict = field(default_factory=dict)
    hang: float = 0.0
    close: bool = False

    @classmethod
    def times(cls, n: int, *args, **kwargs) -> tuple[Scripted, ...]:
        return (cls(*args, **kwargs),) * n


@dataclass
class Call:
    method: str  # Web API method, or "response_url"
    path: str
    params: dict
    headers: dict = field(default_factory=dict)
    outcome: str | None = None  # None while in flight; "ok", Slack's error code, or "closed"

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._failures: dict[tuple[str, str | None], str] = {}
        self._scripts: dict[str, list[Scripted]] = {}
        self._posts = 0
        self._changed = threading.Condition()
        self._released = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = {k: v[-1] for k, v in parse_qs(raw).items()}
                if self.path.startswith("/api/"):
                    method = self.path.removeprefix("/api/").split("?")[0]
                else:
                    method = "response_url"
                call = Call(method, self.path, params, dict(self.headers))
                answer = fake._respond(call)
                if answer is None:  # close the connection without a word
                    self.close_connection = True
                    fake._settle(call, "closed")
                    return
                status, body, headers = answer
                data = json.dumps(body).encode()
                # Recorded before it goes on the wire: a client that has its answer must never
                # find the call still "in flight" here.
                ok = status == 200 and body.get("ok") is True
                fake._settle(call, "ok" if ok else str(body.get("error") or status))
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                    self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.api_url = f"{self.url}/api/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    def response_url(self, name: str = "r") -> str:
        return f"{self.url}/response/{name}"

    def fail(self, method: str, error: str, *, channel: str | None = None) -> None:
        """Answer `method` (only for `channel`, if given) with {"ok": false, "error": error}
        from now on."""
        self._failures[(method, channel)] = error

    def script(self, method: str, *answers: Scripted) -> None:
        """Answer the next calls of `method` with these, in order; then as usual."""
        with self._changed:
            self._scripts.setdefault(method, []).extend(answers)

    def release(self) -> None:
        """End every hang now (and any later one at once, until `reset()`)."""
        self._released.set()

    def reset(self) -> None:
        self._released.set()  # no hang of an earlier test outlives it
        with self._changed:
            self.calls.clear()
            self._failures.clear()
            self._scripts.clear()
        self._released.clear()

    def _respond(self, call: Call) -> tuple[int, dict, dict] | None:
        with self._changed:
            scripted = self._scripts.get(call.method)
            answer = scripted.pop(0) if scripted else None
            self.calls.append(call)
            self._changed.notify_all()
        if answer is not None and answer.hang:
            self._released.wait(answer.hang)
        if answer is not None and answer.close:
            return None
        if answer is not None and answer.body is not None:
            return answer.status, answer.body, answer.headers
        body = self._answer(call.method, call.params)
        return (200, body, {}) if answer is None else (answer.status, body, answer.headers)

    def _settle(self, call: Call, outcome: str) -> None:
        with self._changed:
            call.outcome = outcome
            self._changed.notify_all()

    def _answer(self, method: str, params: dict) -> dict:
        error = self._failures.get((method, params.get("channel"))) or self._failures.get(
            (method, None)
        )
        if error:
            return {"ok": False, "error": error}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://aigc-team.slack.com/",
                "team": "AIGC",
                "user": "aigc",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": "B0BOT00001",
            }
        if method == "chat.postMessage":
            with self._changed:
                self._posts += 1
                ts = f"1700000099.{self._posts:06d}"
            return {"ok": True, "channel": params.get("channel"), "ts": ts}
        return {"ok": True}

    def of(self, method: str) -> list[Call]:
        with self._changed:
            return [c for c in self.calls if c.method == method]

    def delivered(self, method: str) -> list[Call]:
        """The calls of `method` that Slack accepted (answered ok)."""
        with self._changed:
            return [c for c in self.calls if c.method == method and c.ok]

    def wait_until(self, condition, timeout: float = 5.0, what: str = "the condition") -> None:
        """Wait (on the calls' condition variable, with a deadline) until `condition()`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.outcome) for c in self.calls]
                    raise AssertionError(f"not {what} within {timeout}s; saw {seen}")
                self._changed.wait(left)

    def wait_delivered(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        self.wait_until(
            lambda: len([c for c in self.calls if c.method == method and c.ok]) >= count,
            timeout,
            f"{count}× {method} delivered",
        )
        return self.delivered(method)

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(f"no {count}× {method} within {timeout}s; saw {seen}")
                self._changed.wait(left)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


class LoopbackServer:
    """A WSGI application served over real HTTP on 127.0.0.1, in a thread."""

    def __init__(self, application) -> None:
        self._server = make_server(
            "127.0.0.1",
            0,
            application,
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class Reply:
    status: int
    body: str

    @property
    def ok(self) -> bool:
        return self.status == 200

    def json(self) -> dict:
        return json.loads(self.body)


def signed_headers(secret: str, body: str, content_type: str, timestamp: int | None = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature,
    }


# Loopback only: never through a proxy from the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def post(url: str, body: str, headers: dict, timeout: float = 10.0) -> Reply:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout) as response:
            return Reply(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read().decode())


def get(url: str, timeout: float = 10.0) -> Reply:
    try:
        with _opener.open(url, timeout=timeout) as response:
            return Reply(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read().decode())
