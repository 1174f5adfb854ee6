"""Slack's documented rules for an app manifest (https://docs.slack.dev/reference/app-manifest),
written down as a JSON Schema (draft 7) for the sections this app's manifest.json uses, so a
test can validate it the way Slack does when the manifest is pasted into "Create New App".

Unknown keys are refused at every level, as Slack refuses them; lengths, patterns and counts are
Slack's. Also: the scope each bot event needs (an event whose scope the manifest lacks is
refused when the app is saved).
"""

from __future__ import annotations

_URL = {"type": "string", "pattern": r"^https?://", "maxLength": 3500}
_FLAG = {"type": "boolean"}


def _text(low: int, high: int) -> dict:
    return {"type": "string", "minLength": low, "maxLength": high}


def _strings(max_length: int, max_items: int) -> dict:
    return {
        "type": "array",
        "items": {"type": "string", "maxLength": max_length},
        "maxItems": max_items,
        "uniqueItems": True,
    }


MANIFEST_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["display_information"],
    "additionalProperties": False,
    "properties": {
        "_metadata": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "major_version": {"type": "integer"},
                "minor_version": {"type": "integer"},
            },
        },
        "display_information": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "name": _text(1, 35),
                "description": _text(1, 140),
                "long_description": _text(175, 4000),
                "background_color": {
                    "type": "string",
                    "pattern": r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$",
                },
            },
        },
        "features": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "app_home": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "home_tab_enabled": _FLAG,
                        "messages_tab_enabled": _FLAG,
                        "messages_tab_read_only_enabled": _FLAG,
                    },
                },
                "bot_user": {
                    "type": "object",
                    "required": ["display_name"],
                    "additionalProperties": False,
                    "properties": {"display_name": _text(1, 80), "always_online": _FLAG},
                },
                "slash_commands": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 50,
                    "items": {
                        "type": "object",
                        "required": ["command", "description"],
                        "additionalProperties": False,
                        "properties": {
                            "command": {**_text(2, 32), "pattern": "^/"},
                            "url": _URL,
                            "description": _text(1, 2000),
                            "usage_hint": _text(1, 1000),
                            "should_escape": _FLAG,
                        },
                    },
                },
                "shortcuts": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 10,
                    "items": {
                        "type": "object",
                        "required": ["name", "type", "callback_id", "description"],
                        "additionalProperties": False,
                        "properties": {
                            "name": _text(1, 24),
                            "type": {"enum": ["message", "global"]},
                            "callback_id": _text(1, 255),
                            "description": _text(1, 150),
                        },
                    },
                },
            },
        },
        "oauth_config": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "redirect_urls": _strings(2500, 1000),
                "scopes": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        kind: _strings(50, 255)
                        for kind in ("bot", "user", "bot_optional", "user_optional")
                    },
                },
                "token_management_enabled": _FLAG,
            },
        },
        "settings": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "event_subscriptions": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "request_url": _URL,
                        "bot_events": _strings(50, 100),
                        "user_events": _strings(50, 100),
                    },
                },
                "interactivity": {
                    "type": "object",
                    "required": ["is_enabled"],
                    "additionalProperties": False,
                    "properties": {
                        "is_enabled": _FLAG,
                        "request_url": _URL,
                        "message_menu_options_url": _URL,
                    },
                },
                "org_deploy_enabled": _FLAG,
                "socket_mode_enabled": _FLAG,
                "token_rotation_enabled": _FLAG,
            },
        },
    },
}

# Bot events this app subscribes to, and the bot scope each needs (Slack's event reference);
# None: no scope needed.
EVENT_SCOPES: dict[str, str | None] = {
    "app_mention": "app_mentions:read",
    "message.im": "im:history",
    "app_home_opened": None,
    "app_uninstalled": None,
    "tokens_revoked": None,
}
