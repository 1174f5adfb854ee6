"""Slack's errors in one table: what each means for the app, and what to tell a person.

Every error code that Slack documents for the calls this app makes — `chat.postMessage`,
`chat.postEphemeral`, `views.publish` (the method pages' error tables, the errors common to all
Web API methods included) and `response_url` (Slack's incoming-webhook errors, which
response_url shares, plus the `expired_url` / `used_url` it answers once a URL is spent) — is
either

- **transient**: Slack or the network may let it through later (rate limits, outages, a
  workspace being migrated into an org). The digest retries it with backoff, a few times a day
  at most (`bot.digest.posting`); a listener says "try again later".
- **permanent**: nothing changes until someone acts. The digest pauses the subscription and
  tells the subscriber what to do; a listener tells the asker. Each permanent code has a
  *remedy*, the key of the advice in `messages.SLACK_ERROR_ADVICE`.

A code the table does not know is transient: retried, within the same daily cap, so no error
is ever retried without limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from slack_sdk.errors import SlackApiError

from bot import messages as m

Kind = Literal["transient", "permanent"]


@dataclass(frozen=True)
class SlackErrorRule:
    kind: Kind
    remedy: str  # a key of messages.SLACK_ERROR_ADVICE, or "unavailable" (the apology)

    @property
    def permanent(self) -> bool:
        return self.kind == "permanent"


def _rules(kind: Kind, remedy: str, *codes: str) -> dict[str, SlackErrorRule]:
    rule = SlackErrorRule(kind, remedy)
    return dict.fromkeys(codes, rule)


SLACK_ERRORS: dict[str, SlackErrorRule] = {
    # -- permanent: the conversation will not take the bot's messages --------------------------
    **_rules("permanent", "invite", "not_in_channel"),
    **_rules("permanent", "channel_gone", "channel_not_found", "duplicate_channel_not_found"),
    **_rules("permanent", "archived", "is_archived", "channel_is_archived"),
    **_rules(
        "permanent",
        "read_only",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
        "restricted_action_thread_locked",
        "posting_to_general_channel_denied",
        "action_prohibited",  # response_url: the workspace restricts posting there
        "cannot_reply_to_message",
    ),
    **_rules("permanent", "recipient", "user_not_in_channel", "user_not_found"),
    # -- permanent: admins or the installation stand in the way --------------------------------
    **_rules(
        "permanent",
        "admin",
        "ekm_access_denied",
        "access_denied",
        "accesslimited",
        "enterprise_is_restricted",
        "team_access_not_granted",
        "two_factor_setup_required",
        "no_permission",
        "slack_connect_canvas_sharing_blocked",
        "slack_connect_file_link_sharing_blocked",
    ),
    **_rules(
        "permanent",
        "reinstall",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "not_allowed_token_type",
        "is_bot",
        # response_url / incoming webhooks: the app or its workspace is gone
        "invalid_token",
        "no_service",
        "no_service_id",
        "no_team",
        "team_disabled",
    ),
    **_rules("permanent", "scopes", "missing_scope"),
    **_rules("permanent", "app_settings", "not_enabled", "messages_tab_disabled"),
    # -- permanent: the request itself (a bug to fix here; repeating it cannot help) -----------
    **_rules(
        "permanent",
        "message_rejected",
        "msg_too_long",
        "msg_blocks_too_long",
        "no_text",
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_attachments",
        "too_many_attachments",
        "too_many_contact_cards",
        "markdown_text_conflict",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
        "metadata_must_be_sent_from_app",
        "as_user_not_supported",
        "duplicate_message_not_found",
        "view_too_large",
        "hash_conflict",
        "duplicate_external_id",
        "invalid_payload",
        "invalid_arguments",
        "invalid_arg_name",
        "invalid_array_arg",
        "invalid_charset",
        "invalid_form_data",
        "invalid_post_type",
        "missing_post_type",
        "deprecated_endpoint",
        "method_deprecated",
        "unknown_method",
    ),
    # -- permanent for that URL: a response_url is good for 5 uses in 30 minutes ----------------
    **_rules("permanent", "expired", "expired_url", "used_url"),
    # -- transient -------------------------------------------------------------------------------
    **_rules("transient", "rate_limited", "ratelimited", "rate_limited", "message_limit_exceeded"),
    **_rules(
        "transient",
        "unavailable",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",  # the workspace is being moved into an org
        "org_login_required",  # the same migration, seen from the other side
        "rollup_error",  # response_url's HTTP 500
    ),
}

UNKNOWN = SlackErrorRule("transient", "unavailable")

# Pause reasons that are the app's own, not Slack's errors (bot.listeners.lifecycle).
APP_UNINSTALLED = "app_uninstalled"
TOKENS_REVOKED = "tokens_revoked"


def rule_for(code: str) -> SlackErrorRule:
    """The table's rule for an error code; HTTP 5xx (`http_5xx`), network errors (exception
    names) and codes it does not know are transient."""
    return SLACK_ERRORS.get(code, UNKNOWN)


def is_permanent(code: str) -> bool:
    return rule_for(code).permanent


def error_code(error: SlackApiError) -> str:
    """Slack's error code from a failed call: the body's `error`, or `http_<status>` for a
    5xx or a body that is not Slack's JSON."""
    response = error.response
    if response is None:
        return "unknown"
    if response.status_code >= 500:
        return f"http_{response.status_code}"
    try:
        return str(response.get("error") or f"http_{response.status_code}")
    except Exception:  # a body that is not JSON
        return f"http_{response.status_code}"


def has_advice(code: str) -> bool:
    """Whether a person can do something about this error (else: the apology)."""
    return rule_for(code).remedy in m.SLACK_ERROR_ADVICE


def advice(code: str, lang: str) -> str:
    """What to tell a person about a failed call with this error code, in their language."""
    return m.SLACK_ERROR_ADVICE.get(rule_for(code).remedy, m.APOLOGY)[lang]


def pause_reason(code: str | None) -> str:
    """Why a subscription paused with this code is paused, in a few words (Chinese)."""
    if not code:
        return ""
    if code in m.PAUSE_REASONS:  # the app's own reasons (uninstalled, tokens revoked)
        return m.PAUSE_REASONS[code]
    return m.PAUSE_REASONS.get(rule_for(code).remedy, code)
