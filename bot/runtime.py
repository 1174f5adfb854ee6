"""Everything a process needs, built from the environment: settings, the knowledge, the
migrated store and (except for the scheduler alone) the Bolt app. `start` reports what is wrong
as one message naming the command that was run and exit code 2 instead of a traceback (a token
Slack refuses: one line naming its variable); the runners in `bot.server` and the one-shot
`python -m bot digest --run-due` begin with it."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.errors import SlackApiError

from bot import log_redaction
from bot.app import create_app, open_store, team_clients
from bot.digest import RunReport, run_due
from bot.editors import Editors
from bot.gap_report import GapReports
from bot.live_knowledge import LiveKnowledge
from bot.settings import Mode, Settings, SettingsError
from bot.slack_errors import error_code
from bot.store import Store, StoreError
from knowledge import Knowledge, KnowledgeFileError

log = logging.getLogger(__name__)

# The query log is purged of questions older than QUERY_LOG_DAYS at most this often per process.
PURGE_EVERY = timedelta(hours=1)
# The command line of each mode, as the messages of a failed start name it.
COMMANDS: dict[Mode, str] = {
    "http": "python -m bot serve",
    "socket": "python -m bot socket",
    "clock": "python -m bot clock",
}
# What to do when Slack refuses a token, by the variable it came from.
TOKEN_ADVICE = {
    "SLACK_BOT_TOKEN": "copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions, and "
    "reinstall the app to the workspace if it was revoked or uninstalled",
    "SLACK_APP_TOKEN": "make an app-level token (xapp-…) with the connections:write scope under "
    "Basic Information → App-Level Tokens, with Socket Mode turned on",
}


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    knowledge: Knowledge  # the knowledge file as loaded at start
    store: Store
    app: App | None  # None for the clock, which has no listeners
    # The knowledge file reloaded while running plus each workspace's approved team terms: what
    # the app's listeners and the digest answer with (made on `knowledge` when not given).
    live: LiveKnowledge = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.live is None:
            live = LiveKnowledge(
                self.settings.knowledge_file,
                self.store,
                base=self.knowledge,
                poll_seconds=self.settings.knowledge_poll_seconds,
            )
            object.__setattr__(self, "live", live)


def build(mode: Mode, env: Mapping[str, str]) -> Runtime:
    """Settings, knowledge, the migrated store and the app, or a SettingsError /
    KnowledgeFileError / StoreError / BoltError."""
    settings = Settings.from_env(mode, env)
    knowledge = Knowledge.load(settings.knowledge_file)
    store = open_store(settings)
    live = LiveKnowledge(
        settings.knowledge_file,
        store,
        base=knowledge,
        poll_seconds=settings.knowledge_poll_seconds,
    )
    app = None if mode == "clock" else create_app(settings, knowledge, store=store, live=live)
    return Runtime(settings, knowledge, store, app, live)


def start(
    mode: Mode, env: Mapping[str, str] = os.environ, command: str | None = None
) -> Runtime | int:
    """Build for `mode`, or print what is wrong (naming `command`, by default the mode's own
    command line) and return the exit code 2."""
    command = command or COMMANDS[mode]
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(levelname)s %(name)s: %(message)s"
    )
    log_redaction.install(log_redaction.secret_values(env))
    logging.getLogger("slack_bolt.App").addFilter(_client_carries_the_token)
    try:
        return build(mode, env)
    except SettingsError as error:
        problems = "\n".join(f"  - {problem}" for problem in error.problems)
        print(
            f"error: {command} cannot start; fix these environment variables "
            f"(see docs/SLACK_SETUP.md):\n{problems}",
            file=sys.stderr,
        )
    except (KnowledgeFileError, StoreError) as error:
        print(f"error: {command}: {error}", file=sys.stderr)
    except BoltError as error:
        refused = error.__context__  # Bolt raises from within its `except SlackApiError`
        if isinstance(refused, SlackApiError):  # its start-up auth.test of the bot token
            print(token_refused(command, "SLACK_BOT_TOKEN", refused), file=sys.stderr)
        else:
            print(f"error: {command}: Slack refused the configuration: {error}", file=sys.stderr)
    except OSError as error:  # the start-up token check could not reach SLACK_API_URL
        print(f"error: {command}: could not reach the Slack API: {error}", file=sys.stderr)
    return 2


def token_refused(command: str, variable: str, error: SlackApiError) -> str:
    """One line: which command, which variable's token Slack refused, with Slack's error code
    and what to do (never the token)."""
    method = str(getattr(error.response, "api_url", "")).rstrip("/").rsplit("/", 1)[-1]
    code = error_code(error)
    advice = TOKEN_ADVICE[variable]
    if code == "missing_scope":
        needed = error.response.get("needed") or "connections:write"
        advice = f"the token lacks the {needed} scope; {advice}"
    return f"error: {command}: Slack refused {variable} ({method or 'Web API'}: {code}); {advice}"


def _client_carries_the_token(record: logging.LogRecord) -> bool:
    """Drops Bolt's "As you gave `client` as well, `token` will be unused": Bolt reads
    SLACK_BOT_TOKEN from the environment itself and warns whenever a client is given too, but
    the client `create_app` gives is the one made with that very token."""
    return record.getMessage() != warning_client_prioritized_and_token_skipped()


def digest_tick(runtime: Runtime) -> Callable[[Callable[[], bool]], RunReport]:
    """One scheduler tick: post whatever is due now (the digests, then the editors' weekly
    knowledge-gap report), then (hourly) delete the questions older than QUERY_LOG_DAYS."""
    clients = team_clients(runtime.settings, runtime.store)
    last_purge: list[datetime] = []
    settings = runtime.settings
    gap_reports = GapReports(
        runtime.store,
        Editors(settings.knowledge_editors),
        clients,
        runtime.live.for_team,
        weekday=settings.knowledge_report_day,
        post_time=settings.knowledge_report_time,
        tz=settings.knowledge_report_tz,
    )

    def tick(should_stop: Callable[[], bool]) -> RunReport:
        store = runtime.store
        now = store.now()
        live = runtime.live
        report = run_due(
            store, live.base, clients, now, should_stop=should_stop, knowledge_for=live.for_team
        )
        try:  # the editors' weekly report (bot/gap_report.py), claimed like the digests
            gap_reports.run_due(now, should_stop=should_stop)
        except Exception:  # the digests are posted; the report is tried again next minute
            log.exception("the knowledge-gap reports could not be checked")
        if not last_purge or now - last_purge[0] >= PURGE_EVERY:
            last_purge[:] = [now]
            purge_query_log(store, runtime.settings.query_log_days)
        return report

    return tick


def purge_query_log(store: Store, days: int) -> int:
    """Delete questions older than `days`; a failure is logged and tried again next time."""
    try:
        purged = store.purge_queries(timedelta(days=days))
    except Exception as error:  # the digest has been posted; the purge can wait an hour
        log.error("could not purge the query log: %s", type(error).__name__)
        return 0
    if purged:
        log.info("query log: deleted %d question(s) older than %d days", purged, days)
    return purged
