"""Slow and hostile clients against `python -m bot serve` as a real process (issue 11): hundreds
of connections that hold a half-sent request (half a request line, or the headers and part of
the body) must not stop /healthz or a signed /aigc from being answered within a second."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tests import payloads as p
from tests.e2e.fake_slack import get, post, signed_headers
from tests.faults.conftest import FORM, SIGNING_SECRET
from tests.faults.test_shutdown import free_port, start, stop, wait_until_serving

HELD = 500  # the figure; 20-40 were enough to stall gunicorn's threads
ANSWER_WITHIN = 1.0  # seconds, for each request made while they are held

HALF_A_REQUEST_LINE = b"POST /slack/ev"
HEADERS_AND_PART_OF_THE_BODY = (
    b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\n"
    b"X-Slack-Request-Timestamp: 1700000000\r\nX-Slack-Signature: v0=00\r\n"
    b"Content-Length: 4000\r\n\r\ntoken=half&text="
)


@contextmanager
def half_sent_requests(port: int, count: int) -> Iterator[list[socket.socket]]:
    """`count` connections, alternately half a request line and headers with part of a body,
    held open (never finished) until the block ends."""
    held: list[socket.socket] = []
    try:
        for n in range(count):
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            connection.sendall(HEADERS_AND_PART_OF_THE_BODY if n % 2 else HALF_A_REQUEST_LINE)
            held.append(connection)
        yield held
    finally:
        for connection in held:
            connection.close()


def still_open(connection: socket.socket) -> bool:
    """The server has neither answered nor closed this connection."""
    connection.setblocking(False)
    try:
        return connection.recv(1) != b""  # bytes here would be an answer: not held any more
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        connection.setblocking(True)


def timed(request) -> tuple[float, object]:
    started = time.monotonic()
    reply = request()
    return time.monotonic() - started, reply


def test_half_sent_requests_do_not_stop_healthz_or_a_signed_command(slack, tmp_path):
    port = free_port()
    process, output = start("serve", f"sqlite:///{tmp_path / 'slow.db'}", slack, port, "off", 2)
    try:
        url = wait_until_serving(port, output)
        body = p.form_body(p.slash_command("什么是MaaS", response_url=slack.response_url("s")))
        with half_sent_requests(port, HELD) as held:
            took, health = timed(lambda: get(f"{url}/healthz", timeout=ANSWER_WITHIN))
            assert health.ok and took < ANSWER_WITHIN, took
            headers = signed_headers(SIGNING_SECRET, body, FORM)
            took, reply = timed(
                lambda: post(f"{url}/slack/events", body, headers, timeout=ANSWER_WITHIN)
            )
            assert reply.ok and took < ANSWER_WITHIN, took
            assert reply.json()["text"] == "模型即服务(MaaS)"
            # They were really held while both were answered: none answered, none closed.
            assert sum(still_open(c) for c in held) == HELD
    finally:
        stop(process)
