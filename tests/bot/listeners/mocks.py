"""Stand-ins for what Bolt hands a listener: a context, a Slack API error, the ack's reply."""

from __future__ import annotations

from unittest.mock import Mock

from slack_bolt import BoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from tests import payloads as p


def context() -> BoltContext:
    return BoltContext({"bot_user_id": p.BOT_USER, "team_id": p.TEAM})


def slack_error(code: str) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": code},
        headers={},
        status_code=200,
    )
    return SlackApiError(code, response)


def acked(ack: Mock) -> dict:
    ack.assert_called_once()
    return ack.call_args.kwargs
