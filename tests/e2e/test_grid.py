"""Enterprise Grid end to end, in OAuth mode over real HTTP against the Slack stand-in: an
install into a workspace of an org and an org-wide install, slash commands and events from
their workspaces, and the digest scheduler posting there with the right token."""

from __future__ import annotations

import json

import pytest

from bot.runtime import digest_tick
from bot.workspace import Workspace
from tests import payloads as p
from tests.e2e.deployment import deployment, eventually

ORG_WIDE_ORG = "E0ORGWIDE1"
ORG_WIDE_TEAM = "T0ORGWS001"
GRID_CHANNEL = "C0GRIDCHN1"


@pytest.fixture
def grid(slack, tmp_path):
    with deployment(slack, f"sqlite:///{tmp_path}/grid.db") as running:
        yield running


def posts_to(slack, channel: str) -> list:
    return [c for c in slack.delivered("chat.postMessage") if c.params.get("channel") == channel]


def test_a_grid_workspace_installs_subscribes_and_gets_its_digest(grid, slack):
    grid.install(p.oauth_v2_access("xoxb-grid-ws", team=p.GRID_TEAM, enterprise=p.ENTERPRISE))
    slack.add_conversation(GRID_CHANNEL, "public", members=[p.BOT_USER, p.USER])
    reply = grid.command(
        p.grid_slash_command("subscribe 00:00 UTC", slack.response_url("sub"), channel=GRID_CHANNEL)
    )
    assert reply.ok
    sub = eventually(lambda: grid.store.subscription(p.GRID_TEAM, GRID_CHANNEL), what="subscribe")
    assert sub.workspace == Workspace(p.GRID_TEAM, p.ENTERPRISE, False)

    report = digest_tick(grid.runtime)(lambda: False)  # what the scheduler runs every minute
    assert report.paused == [] and len(report.posted) == 1
    [digest] = posts_to(slack, GRID_CHANNEL)
    assert digest.headers["Authorization"] == "Bearer xoxb-grid-ws"


def test_an_org_wide_install_answers_and_posts_in_each_workspace(grid, slack):
    grid.install(
        p.oauth_v2_access("xoxb-org-wide", team=None, enterprise=ORG_WIDE_ORG, org_wide=True)
    )
    in_org = {"team": ORG_WIDE_TEAM, "enterprise": ORG_WIDE_ORG, "org_wide": True}
    slack.add_conversation(GRID_CHANNEL, "public", members=[p.BOT_USER, p.USER])

    # A question in a public channel of one of the org's workspaces, and a DM.
    command = p.grid_slash_command("什么是MaaS", slack.response_url("q"), **in_org)
    assert "MaaS" in grid.command(command).body
    dm = p.grid_event_callback(p.direct_message("什么是合成数据"), "EvGridDm001", **in_org)
    assert grid.event(dm).ok
    eventually(lambda: slack.delivered("chat.postMessage"), what="the DM's answer")

    def logged() -> set[str]:
        return {q.query for q in grid.store.own_questions(ORG_WIDE_TEAM, p.USER)}

    eventually(lambda: len(logged()) == 2, what="both questions logged")
    assert logged() == {"什么是MaaS", "什么是合成数据"}  # under the workspace, not under ""

    # App Home: the workspace's asked entries and the person's own questions.
    home = p.grid_event_callback(p.app_home_opened(), "EvGridHome01", **in_org)
    assert grid.event(home).ok
    [publish] = eventually(lambda: slack.delivered("views.publish"), what="the Home view")
    view = json.dumps(publish.params, ensure_ascii=False)
    assert "模型即服务" in view and "什么是合成数据" in view

    # Subscribed from that workspace: posted with the org's token, told which workspace.
    grid.command(
        p.grid_slash_command(
            "subscribe 00:00 UTC", slack.response_url("s"), channel=GRID_CHANNEL, **in_org
        )
    )
    sub = eventually(lambda: grid.store.subscription(ORG_WIDE_TEAM, GRID_CHANNEL), what="subscribe")
    assert sub.workspace == Workspace(ORG_WIDE_TEAM, ORG_WIDE_ORG, True)
    report = digest_tick(grid.runtime)(lambda: False)
    assert report.paused == [] and len(report.posted) == 1
    [digest] = posts_to(slack, GRID_CHANNEL)
    assert digest.headers["Authorization"] == "Bearer xoxb-org-wide"
    assert digest.params["team_id"] == ORG_WIDE_TEAM


def test_a_workspace_outside_the_org_is_not_served_by_its_installation(grid, slack):
    grid.install(p.oauth_v2_access("xoxb-grid-ws", team=p.GRID_TEAM, enterprise=p.ENTERPRISE))
    grid.store.subscribe("T0ELSEWHERE", GRID_CHANNEL, p.USER, "00:00", "UTC")
    report = digest_tick(grid.runtime)(lambda: False)
    assert report.paused == [("T0ELSEWHERE", GRID_CHANNEL, "app_uninstalled")]
    assert posts_to(slack, GRID_CHANNEL) == []
