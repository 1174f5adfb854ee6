"""Everything a process needs, built from the environment: settings, the knowledge, the
migrated store and (except for the scheduler alone) the Bolt app. `start` reports what is wrong
as one message and exit code 2 instead of a traceback; the runners in `bot.server` and the
one-shot `python -m bot digest --run-due` begin with it."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_bolt import App
from slack_bolt.error import BoltError

from bot import log_redaction
from bot.app import create_app, open_store, team_clients
from bot.digest import RunReport, run_due
from bot.settings import Mode, Settings, SettingsError
from bot.store import Store, StoreError
from knowledge import Knowledge, KnowledgeFileError

log = logging.getLogger(__name__)

# The query log is purged of questions older than QUERY_LOG_DAYS at most this often per process.
PURGE_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    knowledge: Knowledge
    store: Store
    app: App | None  # None for the clock, which has no listeners


def build(mode: Mode, env: Mapping[str, str]) -> Runtime:
    """Settings, knowledge, the migrated store and the app, or a SettingsError /
    KnowledgeFileError / StoreError / BoltError."""
    settings = Settings.from_env(mode, env)
    knowledge = Knowledge.load(settings.knowledge_file)
    store = open_store(settings)
    app = None if mode == "clock" else create_app(settings, knowledge, store=store)
    return Runtime(settings, knowledge, store, app)


def start(mode: Mode, env: Mapping[str, str] = os.environ) -> Runtime | int:
    """Build for `mode`, or print what is wrong and return the exit code 2."""
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(levelname)s %(name)s: %(message)s"
    )
    log_redaction.install(log_redaction.secret_values(env))
    try:
        return build(mode, env)
    except (SettingsError, KnowledgeFileError, StoreError) as error:
        print(f"error: {error}", file=sys.stderr)
    except BoltError as error:  # e.g. Slack rejected the bot token at start-up (auth.test)
        print(f"error: Slack refused the configuration: {error}", file=sys.stderr)
    except OSError as error:  # the start-up token check could not reach SLACK_API_URL
        print(f"error: could not reach the Slack API: {error}", file=sys.stderr)
    return 2


def digest_tick(runtime: Runtime) -> Callable[[Callable[[], bool]], RunReport]:
    """One scheduler tick: post whatever is due now, then (hourly) delete the questions older
    than QUERY_LOG_DAYS."""
    clients = team_clients(runtime.settings, runtime.store)
    last_purge: list[datetime] = []

    def tick(should_stop: Callable[[], bool]) -> RunReport:
        store = runtime.store
        now = store.now()
        report = run_due(store, runtime.knowledge, clients, now, should_stop=should_stop)
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
