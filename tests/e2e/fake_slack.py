"""A local stand-in for Slack: the Web API and response_url endpoints on 127.0.0.1.

Records every call, answers like Slack (`{"ok": true, ...}`), and answers `{"ok": false,
"error": ...}` for a method when told to with `fail()`. Tests wait for calls with a deadline
(a condition variable, never a sleep). Also: serving a WSGI app on loopback in a thread, and
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


@dataclass
class Call:
    method: str  # Web API method, or "response_url"
    path: str
    params: dict
    headers: dict = field(default_factory=dict)


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._failures: dict[str, str] = {}
        self._changed = threading.Condition()
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
                body = fake._answer(method, self.path, params, dict(self.headers))
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

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

    def fail(self, method: str, error: str) -> None:
        """Answer `method` with {"ok": false, "error": error} from now on."""
        self._failures[method] = error

    def reset(self) -> None:
        with self._changed:
            self.calls.clear()
            self._failures.clear()

    def _answer(self, method: str, path: str, params: dict, headers: dict) -> dict:
        with self._changed:
            self.calls.append(Call(method, path, params, headers))
            self._changed.notify_all()
        if method in self._failures:
            return {"ok": False, "error": self._failures[method]}
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
            return {"ok": True, "channel": params.get("channel"), "ts": "1700000099.000100"}
        return {"ok": True}

    def of(self, method: str) -> list[Call]:
        with self._changed:
            return [c for c in self.calls if c.method == method]

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
