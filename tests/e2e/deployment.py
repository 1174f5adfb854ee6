"""A whole deployment for end-to-end tests: the real app built from the environment the way
`python -m bot serve` builds it (OAuth installs, or one bot token), its store, and its WSGI app
served on 127.0.0.1 against the Slack stand-in; plus Slack's side of an OAuth install and
signed requests."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.runtime import Runtime, build
from bot.server import wsgi_app
from tests import payloads as p
from tests.e2e.fake_slack import FakeSlack, LoopbackServer, Reply, Scripted, post, signed_headers

SIGNING_SECRET = "deployment-signing-secret-4d1f"
CLIENT_ID = "900.905"

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Deployment:
    runtime: Runtime
    server: LoopbackServer
    slack: FakeSlack

    @property
    def store(self):
        return self.runtime.store

    def install(self, access: dict) -> None:
        """Slack's OAuth install: the install page, then Slack's redirect with a code, which
        the app exchanges (the stand-in answers oauth.v2.access with `access`)."""
        with _opener.open(f"{self.server.url}/slack/install", timeout=10) as reply:
            cookie = reply.headers["Set-Cookie"].split(";")[0]
            state = re.search(r"state=([^&\"]+)", reply.read().decode())[1]
        self.slack.script("oauth.v2.access", Scripted(body=access))
        request = urllib.request.Request(
            f"{self.server.url}/slack/oauth_redirect?code=900.1.grid&state={state}",
            headers={"Cookie": cookie},
        )
        with _opener.open(request, timeout=10) as reply:
            assert reply.status == 200, reply.read()

    def event(self, body: dict) -> Reply:
        data = json.dumps(body)
        headers = signed_headers(SIGNING_SECRET, data, "application/json")
        return post(f"{self.server.url}/slack/events", data, headers)

    def command(self, fields: dict) -> Reply:
        data = p.form_body(fields)
        headers = signed_headers(SIGNING_SECRET, data, "application/x-www-form-urlencoded")
        return post(f"{self.server.url}/slack/events", data, headers)


@contextmanager
def deployment(slack: FakeSlack, database_url: str, **env: str) -> Iterator[Deployment]:
    """OAuth installs by default; pass SLACK_BOT_TOKEN (and SLACK_CLIENT_ID="" ...) for one
    workspace with a bot token."""
    settings = {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": "deployment-client-secret",
        "QUERY_LOG_SALT": "deployment-query-log-salt",
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": database_url,
        "DIGEST_SCHEDULER": "off",
        **env,
    }
    runtime = build("http", {k: v for k, v in settings.items() if v})
    server = LoopbackServer(wsgi_app(runtime.app, SIGNING_SECRET))
    try:
        yield Deployment(runtime, server, slack)
    finally:
        server.close()


def eventually(check: Callable[[], object], timeout: float = 5.0, what: str = "it") -> object:
    """Poll `check` (work done after the ack, by another thread) until it is truthy, with a
    deadline."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout}s")
        pause.wait(0.02)
