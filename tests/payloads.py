"""Slack request payloads in the shapes Slack sends them (trimmed to the fields the app reads
plus the usual envelope), shared by the unit and end-to-end tests."""

from __future__ import annotations

import json
from urllib.parse import urlencode

TEAM = "T0TEAM0001"
USER = "U0ASKER001"
CHANNEL = "C0CHANNEL1"
DM_CHANNEL = "D0DIRECT01"
BOT_USER = "U0BOTUSER1"
APP_ID = "A0AIGCAPP1"


def slash_command(text: str, response_url: str = "https://hooks.slack.com/commands/T/1/x") -> dict:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "team_domain": "aigc-team",
        "channel_id": CHANNEL,
        "channel_name": "general",
        "user_id": USER,
        "user_name": "asker",
        "command": "/aigc",
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": "1234.5678.abcdef",
    }


def block_action(
    action_id: str,
    value: str,
    response_url: str = "https://hooks.slack.com/actions/T/1/x",
    *,
    ephemeral: bool = True,
    channel: str = CHANNEL,
) -> dict:
    return {
        "type": "block_actions",
        "user": {"id": USER, "username": "asker", "name": "asker", "team_id": TEAM},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": "1700000000.000100",
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": "1234.5678.abcdef",
        "team": {"id": TEAM, "domain": "aigc-team"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "general"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b1",
                "text": {"type": "plain_text", "text": "button", "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": "1700000001.000200",
            }
        ],
    }


def message_shortcut(
    text: str, response_url: str | None = "https://hooks.slack.com/app/T/1/x"
) -> dict:
    payload = {
        "type": "message_action",
        "token": "legacy-verification-token",
        "action_ts": "1700000001.000200",
        "team": {"id": TEAM, "domain": "aigc-team"},
        "user": {"id": USER, "username": "asker", "team_id": TEAM, "name": "asker"},
        "channel": {"id": CHANNEL, "name": "general"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": "explain_terms",
        "trigger_id": "1234.5678.abcdef",
        "message_ts": "1700000000.000100",
        "message": {
            "type": "message",
            "user": "U0AUTHOR01",
            "ts": "1700000000.000100",
            "text": text,
        },
    }
    if response_url:
        payload["response_url"] = response_url
    return payload


def event_callback(event: dict, event_id: str = "Ev0000000001") -> dict:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1700000000,
        "authorizations": [
            {"team_id": TEAM, "user_id": BOT_USER, "is_bot": True, "is_enterprise_install": False}
        ],
        "is_ext_shared_channel": False,
    }


def app_mention(text: str, *, ts: str = "1700000000.000100", thread_ts: str | None = None) -> dict:
    event = {
        "type": "app_mention",
        "user": USER,
        "text": text,
        "ts": ts,
        "channel": CHANNEL,
        "event_ts": ts,
        "team": TEAM,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def direct_message(text: str, **extra) -> dict:
    event = {
        "type": "message",
        "channel": DM_CHANNEL,
        "user": USER,
        "text": text,
        "ts": "1700000000.000300",
        "event_ts": "1700000000.000300",
        "channel_type": "im",
        "team": TEAM,
    }
    event.update(extra)
    return event


def app_home_opened(tab: str = "home") -> dict:
    return {
        "type": "app_home_opened",
        "user": USER,
        "channel": DM_CHANNEL,
        "tab": tab,
        "event_ts": "1700000000.000400",
    }


def form_body(fields: dict) -> str:
    return urlencode(fields)


def interactive_body(payload: dict) -> str:
    return urlencode({"payload": json.dumps(payload)})


# --- Enterprise Grid ------------------------------------------------------------------------------
# A workspace of a Grid org has its own T… id and the org's E… id; an org-wide install
# (`is_enterprise_install`) is authorized for the org as a whole, with no team.
ENTERPRISE = "E0GRIDORG1"
GRID_TEAM = "T0GRIDWS01"


def grid_slash_command(
    text: str,
    response_url: str = "https://hooks.slack.com/commands/T/1/x",
    *,
    team: str = GRID_TEAM,
    enterprise: str = ENTERPRISE,
    org_wide: bool = False,
    channel: str = CHANNEL,
) -> dict:
    """A slash command from a workspace of a Grid org: Slack adds the org's id and name and
    says whether the app is installed org-wide ("true"/"false", as form fields are)."""
    return {
        **slash_command(text, response_url),
        "team_id": team,
        "channel_id": channel,
        "enterprise_id": enterprise,
        "enterprise_name": "AIGC Org",
        "is_enterprise_install": "true" if org_wide else "false",
    }


def grid_event_callback(
    event: dict,
    event_id: str = "EvGrid00001",
    *,
    team: str = GRID_TEAM,
    enterprise: str = ENTERPRISE,
    org_wide: bool = False,
) -> dict:
    """An Events API delivery from a Grid workspace. For an org-wide install the
    authorization names the org and no team; the envelope's team_id is still the workspace."""
    return {
        **event_callback({**event, "team": team}, event_id),
        "team_id": team,
        "enterprise_id": enterprise,
        "context_team_id": team,
        "context_enterprise_id": enterprise,
        "authorizations": [
            {
                "enterprise_id": enterprise,
                "team_id": None if org_wide else team,
                "user_id": BOT_USER,
                "is_bot": True,
                "is_enterprise_install": org_wide,
            }
        ],
    }


def oauth_v2_access(
    bot_token: str,
    *,
    team: str | None = TEAM,
    enterprise: str | None = None,
    org_wide: bool = False,
) -> dict:
    """Slack's oauth.v2.access answer for an install: a workspace (`team`), a workspace of a
    Grid org (`team` and `enterprise`), or an org-wide install (`enterprise`, no team)."""
    return {
        "ok": True,
        "app_id": APP_ID,
        "authed_user": {"id": "U0INSTALL1"},
        "scope": "commands,chat:write,app_mentions:read,im:history",
        "token_type": "bot",
        "access_token": bot_token,
        "bot_user_id": BOT_USER,
        "team": {"id": team, "name": "AIGC"} if team else None,
        "enterprise": {"id": enterprise, "name": "AIGC Org"} if enterprise else None,
        "is_enterprise_install": org_wide,
    }


def app_uninstalled() -> dict:
    return {"type": "app_uninstalled"}


def tokens_revoked(*, bot: tuple[str, ...] = (BOT_USER,), oauth: tuple[str, ...] = ()) -> dict:
    return {"type": "tokens_revoked", "tokens": {"oauth": list(oauth), "bot": list(bot)}}
