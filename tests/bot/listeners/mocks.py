"""Stand-ins for what Bolt hands a listener: a context, a Slack API error, the ack's reply."""

from __future__ import annotations

import threading
from unittest.mock import Mock

from slack_bolt import BoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookResponse

from tests import payloads as p


def context() -> BoltContext:
    return BoltContext({"bot_user_id": p.BOT_USER, "team_id": p.TEAM})


def slack_response(data: dict, method: str = "chat.postMessage", headers: dict | None = None):
    return SlackResponse(
        client=None,
        http_verb="POST",
        api_url=f"https://slack.com/api/{method}",
        req_args={},
        data=data,
        headers=headers or {},
        status_code=200,
    )


def slack_error(code: str, method: str = "chat.postMessage", **fields: str) -> SlackApiError:
    return SlackApiError(code, slack_response({"ok": False, "error": code, **fields}, method))


PUBLIC_CHANNEL = {"id": p.CHANNEL, "is_channel": True, "is_private": False, "is_member": True}


def web_client(
    channel: dict | None = None, *, error: str | None = None, scopes: str | None = None, **fields
) -> Mock:
    """A Web API client whose conversations.info answers as Slack does: the conversation
    object (default: a public channel the bot is in), with the token's scopes in the
    x-oauth-scopes header when given; or `ok: false` with `error` (and `fields`, e.g. needed)."""
    client = Mock()
    if error is not None:
        client.conversations_info.side_effect = slack_error(error, "conversations.info", **fields)
    else:
        headers = {"x-oauth-scopes": scopes} if scopes is not None else {}
        data = {"ok": True, "channel": PUBLIC_CHANNEL if channel is None else channel}
        client.conversations_info.return_value = slack_response(data, "conversations.info", headers)
    return client


def acked(ack: Mock) -> dict:
    ack.assert_called_once()
    return ack.call_args.kwargs


def responding(*answers: tuple[int, str]) -> Mock:
    """A Bolt `respond` answering like Slack's response_url: these (status, body) in order,
    then 200 "ok". Its `answered` event is set at each call."""
    queue = list(answers)
    answered = threading.Event()

    def answer(*args, **kwargs) -> WebhookResponse:
        answered.set()
        status, body = queue.pop(0) if queue else (200, "ok")
        url = "https://hooks.slack.com/actions/T/1/x"
        return WebhookResponse(url=url, status_code=status, body=body, headers={})

    respond = Mock(side_effect=answer)
    respond.answered = answered
    return respond
