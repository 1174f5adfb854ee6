from __future__ import annotations

import pytest

from bot.listeners.common import conversation_of_command, conversation_of_event


@pytest.mark.parametrize(
    ("channel_id", "channel_name", "expected"),
    [
        ("C0GENERAL1", "general", "channel"),
        ("D0DIRECT01", "directmessage", "im"),
        ("C0PRIVATE1", "privategroup", "group"),  # private channels have C… ids too
        ("G0PRIVATE1", "privategroup", "group"),
        ("G0GROUPDM1", "mpdm-a--b--c-1", "mpim"),
        ("D0DIRECT01", "", "im"),
        ("C0GENERAL1", "", "unknown"),
        ("", "", "unknown"),
    ],
)
def test_a_slash_commands_conversation_comes_from_its_channel_name(
    channel_id, channel_name, expected
):
    command = {"channel_id": channel_id, "channel_name": channel_name}
    assert conversation_of_command(command) == expected


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"channel": "D0DIRECT01", "channel_type": "im"}, "im"),
        ({"channel": "C0GENERAL1", "channel_type": "channel"}, "channel"),
        ({"channel": "C0PRIVATE1", "channel_type": "group"}, "group"),
        ({"channel": "G0GROUPDM1", "channel_type": "mpim"}, "mpim"),
        ({"channel": "C0GENERAL1"}, "unknown"),  # an app_mention carries no channel_type
        ({"channel": "G0PRIVATE1"}, "group"),
        ({"channel": "D0DIRECT01"}, "im"),
    ],
)
def test_an_events_conversation_is_private_unless_slack_says_public(event, expected):
    assert conversation_of_event(event) == expected
