"""The HTTP front of `python -m bot serve`, in process over loopback: uvicorn's event loop with the
request-head deadline (`bot.server.head_deadline`), `ReadBodyFirst` reading bodies in the loop,
and the WSGI app in `WSGIInThreads`' thread pool, as `bot.server.asgi_app` assembles them."""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from bot.app import create_app
from bot.http_guard import ReadBodyFirst, WSGIInThreads
from bot.server import asgi_app, head_deadline, wsgi_app
from bot.settings import Settings
from tests import payloads as p
from tests.e2e.fake_slack import get, post, signed_headers

DEADLINE = 0.5  # seconds: the head and body deadlines of the servers started here
WAIT = 10.0  # how long a test waits for what must happen well within it
FORM = "application/x-www-form-urlencoded"
SECRET = "front-signing-secret"


class Uvicorn:
    """An ASGI app served by uvicorn on 127.0.0.1 in a thread (its own event loop)."""

    def __init__(self, app, *, head_seconds: float = DEADLINE) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,
            http=head_deadline(AutoHTTPProtocol, head_seconds),
            loop="asyncio",
            lifespan="off",
            access_log=False,
            log_level="warning",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + WAIT
        while not self._server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=WAIT)

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(WAIT)
        self._socket.close()


def echo(environ, start_response):
    """A WSGI app that says what body it got."""
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    reply = json.dumps(
        {
            "length": environ.get("CONTENT_LENGTH"),
            "sha256": hashlib.sha256(body).hexdigest(),
            "chunked": "HTTP_TRANSFER_ENCODING" in environ,
        }
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [reply]


@pytest.fixture
def one_thread() -> Iterator[Uvicorn]:
    """The echo app behind ReadBodyFirst (4 KiB cap) with ONE WSGI thread: a request that held
    the thread would stop every other."""
    front = ReadBodyFirst(WSGIInThreads(echo, threads=1), max_body=4096, read_seconds=DEADLINE)
    server = Uvicorn(front)
    yield server
    server.close()


def read_until_closed(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or WAIT passes)."""
    connection.settimeout(WAIT)
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def test_a_held_body_takes_no_thread_and_is_refused_at_the_deadline(one_thread):
    held = one_thread.connect()
    held.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf of it")
    started = time.monotonic()
    reply = post(f"{one_thread.url}/slack/events", "whole", {"Content-Type": FORM}, timeout=WAIT)
    assert reply.ok and time.monotonic() - started < DEADLINE  # while the other is held
    assert reply.json()["sha256"] == hashlib.sha256(b"whole").hexdigest()
    answer = read_until_closed(held)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert answer.endswith(b'{"error": "request timeout"}')
    assert time.monotonic() - started >= DEADLINE * 0.9


def test_a_chunked_body_reaches_the_app_whole_with_its_length(one_thread):
    connection = http.client.HTTPConnection("127.0.0.1", one_thread.port, timeout=WAIT)
    parts = [b"token=", b"abc&text=", "什么是MaaS".encode()]
    connection.request("POST", "/slack/events", body=iter(parts), encode_chunked=True)
    response = connection.getresponse()
    seen = json.loads(response.read())
    assert response.status == 200
    assert seen == {
        "length": str(len(b"".join(parts))),
        "sha256": hashlib.sha256(b"".join(parts)).hexdigest(),
        "chunked": False,
    }


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_past_the_cap_is_refused_with_413(one_thread, chunked):
    connection = http.client.HTTPConnection("127.0.0.1", one_thread.port, timeout=WAIT)
    body = b"x" * 5000
    if chunked:
        connection.request("POST", "/slack/events", body=iter([body]), encode_chunked=True)
    else:
        connection.request("POST", "/slack/events", body=body)
    response = connection.getresponse()
    assert (response.status, json.loads(response.read())) == (413, {"error": "too large"})


def test_a_bad_content_length_is_refused_with_400(one_thread):
    connection = one_thread.connect()
    connection.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello")
    answer = read_until_closed(connection)
    assert answer.startswith(b"HTTP/1.1 400 ")


@pytest.mark.parametrize(
    "sent",
    [b"", b"POST /slack/ev", b"GET /healthz HTTP/1.1\r\nHost: x\r\n"],
    ids=["nothing", "half a request line", "headers without their end"],
)
def test_a_request_head_not_complete_in_time_is_closed(one_thread, sent):
    connection = one_thread.connect()
    connection.sendall(sent)
    started = time.monotonic()
    assert read_until_closed(connection) == b""  # closed without an answer
    assert DEADLINE * 0.9 <= time.monotonic() - started < WAIT


def test_a_trickled_head_is_closed_at_the_deadline_though_bytes_keep_coming(one_thread):
    """uvicorn's own keep-alive timer restarts on every byte; the head deadline does not."""
    connection = one_thread.connect()
    started = time.monotonic()
    for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa":
        try:
            connection.sendall(bytes([byte]))
        except OSError:  # closed by the server
            break
        if time.monotonic() - started > 3 * DEADLINE:
            break
        time.sleep(DEADLINE / 10)  # the trickle itself, not a wait for the server
    assert read_until_closed(connection) == b""
    assert time.monotonic() - started < 3 * DEADLINE


def test_a_keep_alive_connection_serves_one_request_after_another(one_thread):
    connection = http.client.HTTPConnection("127.0.0.1", one_thread.port, timeout=WAIT)
    for n in range(3):
        connection.request("POST", "/slack/events", body=f"n={n}".encode())
        response = connection.getresponse()
        assert response.status == 200
        assert (
            json.loads(response.read())["sha256"] == hashlib.sha256(f"n={n}".encode()).hexdigest()
        )
        if n == 1:
            time.sleep(DEADLINE * 1.5)  # idle past the head deadline: keep-alive's to time
    connection.close()


@pytest.fixture
def served_app(knowledge, fake_slack) -> Iterator[Uvicorn]:
    """The real app, as `python -m bot serve` serves it (`asgi_app(wsgi_app(...))`)."""
    settings = Settings.from_env(
        "http",
        {
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_BOT_TOKEN": "xoxb-front",
            "SLACK_API_URL": fake_slack.api_url,
        },
    )
    app = create_app(settings, knowledge)
    server = Uvicorn(asgi_app(wsgi_app(app, settings.signing_secret)))
    yield server
    server.close()


def test_the_real_app_answers_signed_and_refuses_unsigned_through_the_front(served_app):
    body = p.form_body(p.slash_command("什么是MaaS", response_url="http://127.0.0.1:9/unused"))
    reply = post(f"{served_app.url}/slack/events", body, signed_headers(SECRET, body, FORM))
    assert reply.ok and reply.json()["text"] == "模型即服务(MaaS)"
    unsigned = post(f"{served_app.url}/slack/events", body, {"Content-Type": FORM})
    assert (unsigned.status, unsigned.json()) == (401, {"error": "invalid request"})
    assert get(f"{served_app.url}/healthz").body == "ok\n"
