"""KNOWLEDGE_EDITORS: validated in the settings, resolved against the Slack stand-in's user
groups with a real WebClient (usergroups.list, usergroups.users.list), cached a few minutes,
and a failed lookup logged with the listed ids still counting."""

from __future__ import annotations

import logging

import pytest
from slack_sdk import WebClient

from bot.editors import EditorNames, Editors
from bot.settings import Settings, SettingsError, parse_knowledge_editors

EDITOR, GROUP_MEMBER, OTHER = "U0EDITOR01", "U0MEMBER01", "U0OTHER001"
BASE_ENV = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def client(slack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=slack.api_url)


def test_settings_read_knowledge_editors_in_order_each_once():
    env = {**BASE_ENV, "KNOWLEDGE_EDITORS": " U0EDITOR01, @AI-Editors S0GROUP001 U0EDITOR01 "}
    settings = Settings.from_env("socket", env)
    assert settings.knowledge_editors == ("U0EDITOR01", "@ai-editors", "S0GROUP001")
    assert Settings.from_env("socket", BASE_ENV).knowledge_editors == ()


def test_a_name_that_is_no_user_or_group_is_refused_with_what_to_give():
    with pytest.raises(SettingsError) as refused:
        Settings.from_env("socket", {**BASE_ENV, "KNOWLEDGE_EDITORS": "U0EDITOR01,alice,u123"})
    (problem,) = refused.value.problems
    assert "'alice'" in problem and "'u123'" in problem and "U0EDITOR01" not in problem
    assert "@ai-editors" in problem and "S012ABCDEF" in problem


def test_parse_splits_on_commas_and_spaces_and_folds_handles():
    assert parse_knowledge_editors("@Editors,,W0ABC  S0XY") == (("@editors", "W0ABC", "S0XY"), [])
    names = EditorNames.parse(("U1A", "@editors", "S0XY"))
    assert names.users == {"U1A"} and names.handles == ("editors",)
    assert names.group_ids == ("S0XY",) and names.named
    assert not EditorNames.parse(()).named


def test_listed_ids_need_no_slack_call(slack, client):
    editors = Editors([EDITOR])
    assert editors.is_editor(client, "T1", EDITOR)
    assert not editors.is_editor(client, "T1", OTHER)
    assert not editors.is_editor(client, "T1", None)
    assert slack.calls == []


def test_a_handle_is_resolved_and_its_members_kept_a_few_minutes(slack, client):
    slack.add_usergroup("S0GROUP001", "ai-editors", [GROUP_MEMBER])
    clock = Clock()
    editors = Editors([EDITOR, "@ai-editors"], clock=clock)
    assert editors.is_editor(client, "T1", GROUP_MEMBER)
    assert not editors.is_editor(client, "T1", OTHER)
    assert [c.method for c in slack.calls] == ["usergroups.list", "usergroups.users.list"]
    assert slack.calls[1].params["usergroup"] == "S0GROUP001"

    slack.add_usergroup("S0GROUP001", "ai-editors", [OTHER])  # the group changes in Slack
    clock.now += 60
    assert editors.is_editor(client, "T1", GROUP_MEMBER)  # still cached
    assert len(slack.calls) == 2
    clock.now += 300
    assert editors.is_editor(client, "T1", OTHER)
    assert not editors.is_editor(client, "T1", GROUP_MEMBER)
    assert editors.is_editor(client, "T1", EDITOR)  # listed: always


def test_a_group_id_is_listed_directly(slack, client):
    slack.add_usergroup("S0GROUP001", "ai-editors", [GROUP_MEMBER])
    editors = Editors(["S0GROUP001"])
    assert editors.members(client, "T1") == {GROUP_MEMBER}
    assert [c.method for c in slack.calls] == ["usergroups.users.list"]


def test_without_the_scope_the_failure_is_logged_and_listed_ids_still_count(slack, client, caplog):
    slack.add_usergroup("S0GROUP001", "ai-editors", [GROUP_MEMBER])
    slack.scopes = slack.scopes - {"usergroups:read"}  # installed before the manifest asked
    clock = Clock()
    editors = Editors([EDITOR, "@ai-editors"], clock=clock)
    with caplog.at_level(logging.WARNING, logger="bot.editors"):
        assert editors.members(client, "T1") == {EDITOR}
    assert "missing_scope" in caplog.text and "@ai-editors" in caplog.text
    assert [c.outcome for c in slack.calls] == ["missing_scope"]

    slack.scopes = slack.scopes | {"usergroups:read"}  # reinstalled
    clock.now += 10
    assert editors.members(client, "T1") == {EDITOR}  # not asked again at once
    clock.now += 30
    assert editors.members(client, "T1") == {EDITOR, GROUP_MEMBER}


def test_an_unknown_handle_or_group_is_logged(slack, client, caplog):
    editors = Editors(["@nobody", "S0MISSING1"])
    with caplog.at_level(logging.WARNING, logger="bot.editors"):
        assert editors.members(client, "T1") == frozenset()
    assert "@nobody" in caplog.text and "no_such_subteam" in caplog.text


def test_workspaces_are_resolved_apart(slack, client):
    slack.add_usergroup("S0GROUP001", "ai-editors", [GROUP_MEMBER])
    editors = Editors(["@ai-editors"])
    editors.members(client, "T1")
    editors.members(client, "T2")
    assert len(slack.of("usergroups.users.list")) == 2
    editors.forget()
    editors.members(client, "T1")
    assert len(slack.of("usergroups.users.list")) == 3
