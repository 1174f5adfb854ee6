"""Uninstalls through signed HTTP events: `app_uninstalled` deletes the installation (Bolt's
own token revocation listener), pauses the workspace's subscriptions and deletes its questions;
`tokens_revoked` deletes the revoked tokens and, for the bot's, pauses the subscriptions. In
OAuth mode (one workspace, and an org-wide Grid install) and with one bot token."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store import QueryLog, QueryRecord, installation_store
from tests import payloads as p
from tests.e2e.deployment import CLIENT_ID, deployment, eventually

OTHER_TEAM = "T0OTHERWS1"


def question(team: str, user: str = p.USER, enterprise: str | None = None) -> QueryRecord:
    return QueryRecord(
        team, user, "什么是MaaS", "什么是maas", "term:maas", 3, "command", "channel", enterprise
    )


def questions_of(store, team: str) -> int:
    with Session(store.engine) as session:
        return session.scalar(select(func.count()).where(QueryLog.team_id == team))


def test_app_uninstalled_removes_the_installation_pauses_and_deletes_the_log(slack, tmp_path):
    with deployment(slack, f"sqlite:///{tmp_path}/bot.db") as app:
        app.install(p.oauth_v2_access("xoxb-leaving", team=p.TEAM))
        app.install(p.oauth_v2_access("xoxb-staying", team=OTHER_TEAM))
        installs = installation_store(app.store.engine, CLIENT_ID)
        assert installs.find_bot(enterprise_id=None, team_id=p.TEAM) is not None
        app.store.subscribe(p.TEAM, "C1", p.USER)
        app.store.subscribe(OTHER_TEAM, "C2", p.USER)
        app.store.log_queries([question(p.TEAM), question(p.TEAM, "U2"), question(OTHER_TEAM)])

        assert app.event(p.event_callback(p.app_uninstalled(), "EvUninstall1")).ok
        eventually(lambda: questions_of(app.store, p.TEAM) == 0, what="the log deleted")
        assert app.store.subscription(p.TEAM, "C1").paused_reason == "app_uninstalled"
        assert installs.find_bot(enterprise_id=None, team_id=p.TEAM) is None
        assert installs.find_installation(enterprise_id=None, team_id=p.TEAM) is None
        assert questions_of(app.store, p.TEAM) == 0
        # Another workspace keeps everything.
        assert installs.find_bot(enterprise_id=None, team_id=OTHER_TEAM).bot_token == "xoxb-staying"
        assert app.store.subscription(OTHER_TEAM, "C2").active
        assert questions_of(app.store, OTHER_TEAM) == 1


def test_tokens_revoked_deletes_the_bot_and_pauses_but_keeps_the_log(slack, tmp_path):
    with deployment(slack, f"sqlite:///{tmp_path}/bot.db") as app:
        app.install(p.oauth_v2_access("xoxb-revoked", team=p.TEAM))
        app.store.subscribe(p.TEAM, "C1", p.USER)
        app.store.log_queries([question(p.TEAM)])

        assert app.event(p.event_callback(p.tokens_revoked(), "EvRevoked01")).ok
        eventually(lambda: not app.store.subscription(p.TEAM, "C1").active, what="the pause")
        assert app.store.subscription(p.TEAM, "C1").paused_reason == "tokens_revoked"
        installs = installation_store(app.store.engine, CLIENT_ID)
        assert installs.find_bot(enterprise_id=None, team_id=p.TEAM) is None
        assert questions_of(app.store, p.TEAM) == 1  # kept until app_uninstalled


def test_an_org_wide_uninstall_covers_every_workspace_of_the_org(slack, tmp_path):
    with deployment(slack, f"sqlite:///{tmp_path}/bot.db") as app:
        app.install(
            p.oauth_v2_access("xoxb-org", team=None, enterprise=p.ENTERPRISE, org_wide=True)
        )
        org = {"enterprise_id": p.ENTERPRISE, "enterprise_install": True}
        app.store.subscribe(p.GRID_TEAM, "C1", p.USER, "09:30", **org)
        app.store.subscribe("T0GRIDWS02", "C2", p.USER, "09:30", **org)
        app.store.subscribe(OTHER_TEAM, "C3", p.USER)
        app.store.log_queries(
            [
                question(p.GRID_TEAM, enterprise=p.ENTERPRISE),
                question("T0GRIDWS03", enterprise=p.ENTERPRISE),  # asked, never subscribed
                question(OTHER_TEAM),
            ]
        )
        uninstalled = p.grid_event_callback(p.app_uninstalled(), "EvOrgGone01", org_wide=True)
        assert app.event(uninstalled).ok
        eventually(lambda: questions_of(app.store, p.GRID_TEAM) == 0, what="the log deleted")
        assert not app.store.subscription("T0GRIDWS02", "C2").active
        assert not app.store.subscription(p.GRID_TEAM, "C1").active
        assert app.store.subscription(OTHER_TEAM, "C3").active
        installs = installation_store(app.store.engine, CLIENT_ID)
        assert (
            installs.find_bot(enterprise_id=p.ENTERPRISE, team_id=None, is_enterprise_install=True)
            is None
        )
        assert questions_of(app.store, p.GRID_TEAM) == questions_of(app.store, "T0GRIDWS03") == 0
        assert questions_of(app.store, OTHER_TEAM) == 1


def test_with_one_bot_token_an_uninstall_pauses_and_deletes_the_log(slack, tmp_path):
    single = {"SLACK_BOT_TOKEN": "xoxb-single", "SLACK_CLIENT_ID": "", "SLACK_CLIENT_SECRET": ""}
    with deployment(slack, f"sqlite:///{tmp_path}/bot.db", **single) as app:
        app.store.subscribe(p.TEAM, "C1", p.USER)
        app.store.log_queries([question(p.TEAM)])
        assert app.event(p.event_callback(p.app_uninstalled(), "EvUninstall2")).ok
        eventually(lambda: questions_of(app.store, p.TEAM) == 0, what="the log deleted")
        assert not app.store.subscription(p.TEAM, "C1").active
