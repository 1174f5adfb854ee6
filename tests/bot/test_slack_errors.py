"""bot/slack_errors.py: every error Slack documents for the calls the app makes is classified,
and every permanent one tells a person what to do, in Chinese and English."""

from __future__ import annotations

import pytest

from bot import messages as m
from bot import slack_errors as e

# The error tables of Slack's method pages (docs.slack.dev/reference/methods/...), the errors
# common to every Web API method included, and response_url's: the incoming-webhook errors
# (api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks and the
# "Handling errors" section of Slack's webhook guide) plus the answers of a spent URL.
COMMON = {
    "access_denied", "accesslimited", "account_inactive", "deprecated_endpoint",
    "ekm_access_denied", "enterprise_is_restricted", "fatal_error", "internal_error",
    "invalid_arg_name", "invalid_arguments", "invalid_array_arg", "invalid_auth",
    "invalid_charset", "invalid_form_data", "invalid_post_type", "method_deprecated",
    "missing_post_type", "missing_scope", "no_permission", "not_allowed_token_type",
    "not_authed", "org_login_required", "ratelimited", "request_timeout",
    "service_unavailable", "team_access_not_granted", "team_added_to_org", "token_expired",
    "token_revoked", "two_factor_setup_required",
}  # fmt: skip
DOCUMENTED = {
    "chat.postMessage": COMMON | {
        "as_user_not_supported", "cannot_reply_to_message", "channel_not_found",
        "duplicate_channel_not_found", "duplicate_message_not_found", "invalid_blocks",
        "invalid_blocks_format", "invalid_metadata_format", "invalid_metadata_schema",
        "is_archived", "message_limit_exceeded", "messages_tab_disabled",
        "metadata_must_be_sent_from_app", "metadata_too_large", "msg_too_long", "no_text",
        "not_in_channel", "rate_limited", "restricted_action",
        "restricted_action_non_threadable_channel", "restricted_action_read_only_channel",
        "restricted_action_thread_locked", "restricted_action_thread_only_channel",
        "slack_connect_canvas_sharing_blocked", "slack_connect_file_link_sharing_blocked",
        "too_many_attachments", "too_many_contact_cards", "markdown_text_conflict",
        "msg_blocks_too_long",
    },
    "chat.postEphemeral": COMMON | {
        "cannot_reply_to_message", "channel_not_found", "invalid_attachments",
        "invalid_blocks", "invalid_blocks_format", "is_archived", "is_bot",
        "markdown_text_conflict", "message_limit_exceeded", "messages_tab_disabled",
        "msg_too_long", "no_text", "not_in_channel", "restricted_action",
        "too_many_attachments", "unknown_method", "user_not_in_channel",
    },
    "views.publish": COMMON | {
        "duplicate_external_id", "hash_conflict", "not_enabled", "view_too_large",
    },
    "response_url": {
        "invalid_payload", "user_not_found", "channel_not_found", "channel_is_archived",
        "action_prohibited", "posting_to_general_channel_denied", "too_many_attachments",
        "no_service", "no_service_id", "no_team", "team_disabled", "invalid_token",
        "rollup_error", "no_text", "invalid_blocks", "expired_url", "used_url",
    },
}  # fmt: skip


@pytest.mark.parametrize("surface", sorted(DOCUMENTED))
def test_every_documented_error_is_in_the_table(surface):
    assert DOCUMENTED[surface] - e.SLACK_ERRORS.keys() == set()


def test_every_remedy_has_advice_and_a_pause_reason_in_both_languages():
    for code, rule in e.SLACK_ERRORS.items():
        if rule.remedy == "unavailable":
            assert not rule.permanent, code
            assert e.advice(code, "zh") == m.APOLOGY["zh"]
            continue
        for lang in ("zh", "en"):
            assert m.SLACK_ERROR_ADVICE[rule.remedy][lang].strip(), (code, lang)
        if rule.permanent:
            assert e.pause_reason(code) == m.PAUSE_REASONS[rule.remedy]


@pytest.mark.parametrize(
    "code",
    [
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "restricted_action_read_only_channel",
        "ekm_access_denied",
        "invalid_auth",
        "token_revoked",
        "account_inactive",
        "missing_scope",
        "msg_blocks_too_long",
        "invalid_blocks",
        "not_enabled",
        "used_url",
    ],
)
def test_errors_nobody_can_wait_out_are_permanent(code):
    assert e.is_permanent(code)


@pytest.mark.parametrize(
    "code",
    [
        "ratelimited",
        "rate_limited",
        "message_limit_exceeded",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "team_added_to_org",
        "http_500",
        "http_503",
        "TimeoutError",
        "URLError",
        "an_error_slack_adds_next_year",
    ],
)
def test_errors_that_may_pass_later_and_unknown_ones_are_transient(code):
    assert not e.is_permanent(code)


def test_the_apps_own_pause_reasons_are_worded():
    assert e.pause_reason(e.APP_UNINSTALLED) == m.PAUSE_REASONS["app_uninstalled"]
    assert e.pause_reason(e.TOKENS_REVOKED) == m.PAUSE_REASONS["tokens_revoked"]
    assert e.pause_reason("an_error_slack_adds_next_year") == "an_error_slack_adds_next_year"
