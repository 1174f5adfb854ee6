"""The app leaving a workspace: `app_uninstalled` and `tokens_revoked`.

What is kept and what is deleted (docs/OPERATIONS.md, "Uninstalling"):
- `app_uninstalled`: the installation (bot and user tokens) is deleted with Bolt's built-in
  token revocation listener (OAuth mode), the workspace's subscriptions are paused
  (`app_uninstalled`: a reinstall and `/aigc subscribe` bring them back), and every question
  the workspace asked is deleted from the query log. An org-wide (Enterprise Grid) uninstall
  does this for every workspace of the org.
- `tokens_revoked`: the revoked tokens are deleted (Bolt's listener); when the bot token is
  among them nothing can be posted any more, so the subscriptions are paused (`tokens_revoked`).
  The query log stays until the app is uninstalled (Slack sends that too once the last token
  is gone) or QUERY_LOG_DAYS passes.

Slack sends both events without a token that still works, so Bolt does not authorize them
(`no_auth_test_events`); the work runs after the ack, as a lazy listener.
"""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext

from bot import slack_errors
from bot.listeners import Deps
from bot.listeners.common import ack_only

log = logging.getLogger(__name__)


def forget_installation(deps: Deps, context: BoltContext, reason: str, *, queries: bool) -> None:
    """Pause the subscriptions of the installation the event is about (a workspace, or with
    no team an org-wide install) and, with `queries`, delete its questions."""
    if deps.store is None:
        return
    enterprise, team = context.enterprise_id, context.team_id
    paused = deps.store.pause_installation(enterprise_id=enterprise, team_id=team, reason=reason)
    deleted = 0
    if queries:
        deleted = deps.store.forget_installation_queries(enterprise_id=enterprise, team_id=team)
    log.info(
        "%s for enterprise %s team %s: %d subscription(s) paused, %d question(s) deleted",
        reason,
        enterprise,
        team,
        paused,
        deleted,
    )


def register(app: App, deps: Deps) -> None:
    # OAuth mode: Bolt's own listeners delete the installation store's rows (by the event's
    # enterprise and team). With one SLACK_BOT_TOKEN there is no store to delete from.
    builtin = app.installation_store is not None

    def uninstalled(context: BoltContext) -> None:
        if builtin:
            app.default_app_uninstalled_event_listener()(context=context)
        forget_installation(deps, context, slack_errors.APP_UNINSTALLED, queries=True)

    def tokens_revoked(event: dict, context: BoltContext) -> None:
        if builtin:
            app.default_tokens_revoked_event_listener()(event=event, context=context)
        if (event.get("tokens") or {}).get("bot"):
            forget_installation(deps, context, slack_errors.TOKENS_REVOKED, queries=False)

    app.event("app_uninstalled")(ack=ack_only, lazy=[uninstalled])
    app.event("tokens_revoked")(ack=ack_only, lazy=[tokens_revoked])
