"""LOG_LEVEL=DEBUG over a whole OAuth deployment: an install, a command and a mention, and no
token, secret or signing material anywhere in the log; question text only in the app's own
loggers."""

from __future__ import annotations

import io
import json
import logging
import re
import urllib.request
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet

from bot.log_redaction import RedactingFilter, redact
from bot.runtime import start
from bot.server import wsgi_app
from tests import payloads as p
from tests.e2e.fake_slack import LoopbackServer, Scripted, post, signed_headers

SIGNING_SECRET = "log-test-signing-secret-5f2a9c"
CLIENT_SECRET = "log-test-client-secret-77e1d0"
SALT = "log-test-query-log-salt-0b93"
ENCRYPTION_KEY = Fernet.generate_key().decode()
BOT_TOKEN = "xoxb-900-901-LogTestBotTokenValue"
REFRESH_TOKEN = "xoxe-1-LogTestRefreshTokenValue"
USER_TOKEN = "xoxp-900-902-903-LogTestUserTokenValue"
OAUTH_CODE = "900.901.log-test-oauth-code"
QUESTION = "什么是MaaS 日志私密性检查"

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def debug_log(monkeypatch) -> Iterator[io.StringIO]:
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield captured
    root.removeHandler(handler)
    root.setLevel(old_level)
    for h in root.handlers:
        for f in [f for f in h.filters if isinstance(f, RedactingFilter)]:
            h.removeFilter(f)


def test_debug_log_of_an_install_a_command_and_a_mention_has_no_secrets(
    debug_log, fake_slack, tmp_path
):
    env = {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_CLIENT_ID": "900.904",
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "QUERY_LOG_SALT": SALT,
        "TOKEN_ENCRYPTION_KEY": ENCRYPTION_KEY,
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/bot.db",
        "DIGEST_SCHEDULER": "off",
    }
    runtime = start("http", env)
    assert not isinstance(runtime, int)
    server = LoopbackServer(wsgi_app(runtime.app, SIGNING_SECRET))
    try:
        # OAuth install: the install page sets the state cookie, Slack redirects with a code.
        with _opener.open(f"{server.url}/slack/install", timeout=10) as reply:
            cookie = reply.headers["Set-Cookie"].split(";")[0]
            state = re.search(r"state=([^&\"]+)", reply.read().decode())[1]
        fake_slack.script(
            "oauth.v2.access",
            Scripted(
                body={
                    "ok": True,
                    "app_id": p.APP_ID,
                    "authed_user": {"id": "U0INSTALL1", "access_token": USER_TOKEN, "scope": "x"},
                    "scope": "commands,chat:write,app_mentions:read,im:history",
                    "token_type": "bot",
                    "access_token": BOT_TOKEN,
                    "refresh_token": REFRESH_TOKEN,
                    "expires_in": 43200,
                    "bot_user_id": p.BOT_USER,
                    "team": {"id": p.TEAM, "name": "AIGC"},
                    "enterprise": None,
                    "is_enterprise_install": False,
                }
            ),
        )
        request = urllib.request.Request(
            f"{server.url}/slack/oauth_redirect?code={OAUTH_CODE}&state={state}",
            headers={"Cookie": cookie},
        )
        with _opener.open(request, timeout=10) as reply:
            assert reply.status == 200
        assert fake_slack.of("oauth.v2.access")

        body = p.form_body({**p.slash_command(QUESTION, response_url=fake_slack.response_url("c"))})
        reply = post(
            f"{server.url}/slack/events",
            body,
            signed_headers(SIGNING_SECRET, body, "application/x-www-form-urlencoded"),
        )
        assert reply.ok and "MaaS" in reply.body

        event = json.dumps(p.event_callback(p.app_mention(f"<@{p.BOT_USER}> {QUESTION}")))
        reply = post(
            f"{server.url}/slack/events",
            event,
            signed_headers(SIGNING_SECRET, event, "application/json"),
        )
        assert reply.ok
        fake_slack.wait_delivered("chat.postMessage")
    finally:
        server.close()

    log = debug_log.getvalue()
    assert "oauth.v2.access" in log and "DEBUG slack_bolt" in log  # DEBUG was on
    for secret in (
        BOT_TOKEN,
        REFRESH_TOKEN,
        USER_TOKEN,
        CLIENT_SECRET,
        SIGNING_SECRET,
        SALT,
        ENCRYPTION_KEY,
        "LogTestBotTokenValue",
    ):
        assert secret not in log, f"{secret} was logged"
    assert "Bearer xox" not in log
    outside_app = [line for line in log.splitlines() if QUESTION in line and " bot." not in line]
    assert outside_app == []


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer abc.def-123",
        "{'client_secret': 'abc123def'}",
        "&client_secret=abc123def&code=1",
        "token xapp-1-A0-123-abcdef and xoxb-1-2-abc, xoxe.xoxp-1-xyz",
        '"signing_secret": "abc123def"',
    ],
)
def test_secret_shapes_are_redacted(text):
    cleaned = redact(text)
    for leak in ("abc.def-123", "abc123def", "xapp-1", "xoxb-1", "xoxp-1"):
        assert leak not in cleaned


def test_question_text_in_another_library_s_payload_is_dropped():
    import logging

    from bot.log_redaction import RedactingFilter

    payload = {"text": "什么是MaaS", "blocks": [{"value": '{"q":"什么是MaaS"}'}]}
    record = logging.LogRecord("slack_sdk.web", logging.DEBUG, "", 0, "body: %s", (payload,), None)
    RedactingFilter().filter(record)
    assert "MaaS" not in record.getMessage()
    own = logging.LogRecord("bot.listeners", logging.DEBUG, "", 0, "body: %s", (payload,), None)
    RedactingFilter().filter(own)
    assert "MaaS" in own.getMessage()  # the app's own DEBUG lines may show it
