"""A local stand-in for Slack's Socket Mode side: the WebSocket server an app connects to with
the URL `apps.connections.open` gave it, which delivers envelopes and records the app's acks.

As Slack documents Socket Mode (api.slack.com/apis/socket-mode):

- the app asks `apps.connections.open` (Web API, app-level token) for a `wss://` URL; here the
  Slack stand-in (tests/e2e/fake_slack.py) is scripted to answer it with this server's
  `ws://127.0.0.1:…` URL (`connections_open()`), which slack_sdk's built-in client reaches
  without TLS on any port but 443;
- after the WebSocket handshake (RFC 6455: `Sec-WebSocket-Accept` from the client's key) Slack
  sends `{"type": "hello", ...}`;
- each delivery is an envelope `{"envelope_id", "type", "payload", "accepts_response_payload"}`
  (`events_api` with `retry_attempt` / `retry_reason`, `slash_commands`, `interactive`), and the
  app acknowledges it with `{"envelope_id": ...}` plus a `payload` where the envelope accepts
  one (a slash command's message, a view_submission's response_action);
- frames from the client are masked (a server refuses unmasked ones), frames to it are not;
  pings are answered with pongs, a close with a close.

Tests wait for acks with a deadline (a condition variable, never a sleep).
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA
# Slack expects an ack within 3 seconds; tests wait longer before failing, so a loaded machine
# gives a clear "no ack" rather than a flake, and assert the time where it matters.
ACK_WAIT = 10.0


@dataclass
class Ack:
    envelope_id: str
    payload: dict | None  # what the app answered with, where the envelope accepts a payload
    seconds: float  # from the delivery to the ack


@dataclass
class _Connection:
    sock: socket.socket
    path: str
    send_lock: threading.Lock = field(default_factory=threading.Lock)
    open: bool = True

    def send(self, opcode: int, data: bytes) -> None:
        """One unmasked, final frame (RFC 6455 section 5.2)."""
        head = bytes([0x80 | opcode])
        if len(data) <= 125:
            head += bytes([len(data)])
        elif len(data) <= 0xFFFF:
            head += struct.pack("!BH", 126, len(data))
        else:
            head += struct.pack("!BQ", 127, len(data))
        with self.send_lock:
            self.sock.sendall(head + data)


class FakeSocketMode:
    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"ws://127.0.0.1:{self.port}/link/?ticket={uuid.uuid4().hex}"
        self.acks: dict[str, Ack] = {}
        self.problems: list[str] = []  # what Slack would have refused of the client
        self._connections: list[_Connection] = []
        self._sent: dict[str, float] = {}  # envelope id -> when it was delivered
        self._changed = threading.Condition()
        self._closed = False
        threading.Thread(target=self._accept, name="fake-socket-mode", daemon=True).start()

    # --- what a test sets up and does -----------------------------------------------------------

    def connections_open(self) -> dict:
        """The answer to `apps.connections.open`, for the Slack stand-in to give."""
        return {"ok": True, "url": self.url}

    def wait_connected(self, timeout: float = ACK_WAIT) -> None:
        self._wait(lambda: any(c.open for c in self._connections), timeout, "a connection")

    def deliver(self, kind: str, payload: dict, *, accepts_response_payload: bool) -> str:
        """Send an envelope of `kind` ("events_api", "slash_commands", "interactive") over the
        newest open connection; its envelope id."""
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            envelope.update(retry_attempt=0, retry_reason="")
        with self._changed:
            connection = next((c for c in reversed(self._connections) if c.open), None)
            if connection is None:
                raise AssertionError("the app is not connected")
            self._sent[envelope_id] = time.monotonic()
        connection.send(TEXT, json.dumps(envelope).encode())
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = ACK_WAIT) -> Ack:
        self._wait(lambda: envelope_id in self.acks, timeout, f"the ack of {envelope_id}")
        return self.acks[envelope_id]

    def request(self, kind: str, payload: dict, *, accepts_response_payload: bool) -> Ack:
        """Deliver an envelope and wait for its ack."""
        envelope_id = self.deliver(kind, payload, accepts_response_payload=accepts_response_payload)
        return self.wait_ack(envelope_id)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            connections = list(self._connections)
        self._listener.close()
        for connection in connections:
            connection.open = False
            connection.sock.close()

    # --- the server -----------------------------------------------------------------------------

    def _wait(self, condition, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {what} within {timeout}s; problems: {self.problems}")
                self._changed.wait(left)

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _problem(self, text: str) -> None:
        with self._changed:
            self.problems.append(text)
            self._changed.notify_all()

    def _serve(self, sock: socket.socket) -> None:
        connection = self._handshake(sock)
        if connection is None:
            sock.close()
            return
        with self._changed:
            self._connections.append(connection)
            self._changed.notify_all()
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {"host": "applink-fake", "approximate_connection_time": 18060},
            "connection_info": {"app_id": "A0AIGCAPP1"},
        }
        try:
            connection.send(TEXT, json.dumps(hello).encode())
            self._read_frames(connection)
        except OSError:
            pass
        finally:
            with self._changed:
                connection.open = False
                self._changed.notify_all()
            sock.close()

    def _handshake(self, sock: socket.socket) -> _Connection | None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(1024)
            if not chunk:
                return None
            head += chunk
        lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        method, path, _ = [*lines[0].split(" "), "", ""][:3]
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines[1:])
        }
        key = headers.get("sec-websocket-key", "")
        if (
            method != "GET"
            or headers.get("upgrade", "").lower() != "websocket"
            or not key
            or self.url.split(str(self.port), 1)[1] != path
        ):
            self._problem(f"a handshake Slack would refuse: {lines[0]!r} {headers}")
            sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return None
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        sock.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\n"
                "Upgrade: websocket\r\n"
                "Connection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        return _Connection(sock, path)

    def _read_frames(self, connection: _Connection) -> None:
        while connection.open:
            frame = _read_frame(connection.sock)
            if frame is None:
                return
            opcode, masked, data = frame
            if not masked:
                self._problem("an unmasked frame from the client")
                connection.send(CLOSE, struct.pack("!H", 1002))
                return
            if opcode == PING:
                connection.send(PONG, data)
            elif opcode == CLOSE:
                connection.send(CLOSE, data[:2])
                return
            elif opcode == TEXT:
                self._received(data)

    def _received(self, data: bytes) -> None:
        try:
            message = json.loads(data.decode("utf-8"))
        except ValueError:
            self._problem(f"not JSON: {data[:200]!r}")
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        with self._changed:
            sent = self._sent.get(str(envelope_id))
            if sent is None:
                self.problems.append(f"an ack of no envelope sent: {message}")
            elif envelope_id in self.acks:
                self.problems.append(f"a second ack of {envelope_id}")
            else:
                payload = message.get("payload")
                self.acks[envelope_id] = Ack(envelope_id, payload, time.monotonic() - sent)
            self._changed.notify_all()


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _read_frame(sock: socket.socket) -> tuple[int, bool, bytes] | None:
    """(opcode, masked, unmasked data) of the next frame; None when the peer is gone. The
    client sends each message in one final frame (slack_sdk's does)."""
    head = _read_exactly(sock, 2)
    if head is None:
        return None
    opcode, masked, length = head[0] & 0x0F, bool(head[1] & 0x80), head[1] & 0x7F
    if length == 126:
        extended = _read_exactly(sock, 2)
        if extended is None:
            return None
        (length,) = struct.unpack("!H", extended)
    elif length == 127:
        extended = _read_exactly(sock, 8)
        if extended is None:
            return None
        (length,) = struct.unpack("!Q", extended)
    mask = _read_exactly(sock, 4) if masked else b""
    data = _read_exactly(sock, length) if length else b""
    if mask is None or data is None:
        return None
    if masked:
        data = bytes(byte ^ mask[i % 4] for i, byte in enumerate(data))
    return opcode, masked, data
