"""What the digest does with each kind of Slack error (bot/slack_errors.py): a permanent one
pauses the subscription and tells the subscriber what to do; a transient one is retried with
growing waits, a few times a day at most, never without limit. Real database, the Slack
stand-in on loopback, a fake clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest

from bot import messages as m
from bot.digest import (
    MAX_ATTEMPTS_PER_DAY,
    all_pool_ids,
    new_claimer,
    post_digest,
    retry_delay,
    run_due,
)
from bot.workspace import Workspace

TEAM, USER = "T1", "U0SUBSCR01"
MONDAY = date(2026, 3, 2)
AT_0930 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai


def subscribe(store, knowledge, channel: str = "C1", **kwargs) -> None:
    store.subscribe(TEAM, channel, USER, known_ids=all_pool_ids(knowledge), **kwargs)


def channel_posts(slack, channel: str = "C1") -> list:
    return [c for c in slack.of("chat.postMessage") if c.params.get("channel") == channel]


@pytest.mark.parametrize(
    "code, zh, en",
    [
        ("restricted_action_read_only_channel", "只允许部分成员发言", "Only some members may post"),
        ("ekm_access_denied", "工作区管理员限制了这个应用", "workspace admins restrict this app"),
        ("invalid_auth", "请管理员重新安装应用", "Ask an admin to reinstall the app"),
        ("token_revoked", "请管理员重新安装应用", "Ask an admin to reinstall the app"),
        ("missing_scope", "按 manifest.json 更新权限", "update its scopes from manifest.json"),
        (
            "msg_blocks_too_long",
            "Slack 拒收了这条消息的内容",
            "Slack refused this message's content",
        ),
    ],
)
def test_a_permanent_error_pauses_and_tells_the_subscriber_what_to_do(
    code, zh, en, store, clock, slack, clients, knowledge
):
    subscribe(store, knowledge)
    slack.fail("chat.postMessage", code, channel="C1")
    clock.set(AT_0930)
    report = run_due(store, knowledge, clients, clock())
    assert report.paused == [(TEAM, "C1", code)] and report.released == []
    sub = store.subscription(TEAM, "C1")
    assert not sub.active and sub.paused_reason == code
    assert store.digest_post(TEAM, "C1", MONDAY).status == "failed"
    [dm] = channel_posts(slack, USER)
    text = dm.params["text"]
    assert f"`{code}`" in text and "<#C1>" in text
    assert zh in text and en in text  # both languages: the subscriber's own is not known
    assert "/aigc subscribe" in text
    # Nothing more is tried, however long the day.
    for _ in range(120):
        clock.advance(minutes=1)
        assert run_due(store, knowledge, clients, clock()).paused == []
    assert len(channel_posts(slack)) == 1


def test_a_transient_error_is_retried_with_growing_waits_and_capped_per_day(
    store, clock, slack, clients, knowledge
):
    subscribe(store, knowledge)
    slack.fail("chat.postMessage", "internal_error", channel="C1")
    clock.set(AT_0930)
    tried_at: list[datetime] = []
    midnight = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)  # 00:00 in Shanghai
    while clock() < midnight:  # one tick a minute for the rest of the day
        run_due(store, knowledge, clients, clock())
        tried_at += [clock()] * (len(channel_posts(slack)) - len(tried_at))
        clock.advance(minutes=1)
    assert len(tried_at) == MAX_ATTEMPTS_PER_DAY  # not ~870
    waits = [later - earlier for earlier, later in pairwise(tried_at)]
    assert waits == [retry_delay(n) for n in range(1, MAX_ATTEMPTS_PER_DAY)]
    assert waits[:3] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    row = store.digest_post(TEAM, "C1", MONDAY)
    assert row.status == "gave_up" and row.attempts == MAX_ATTEMPTS_PER_DAY
    assert row.last_error == "internal_error"
    [dm] = channel_posts(slack, USER)  # told once
    assert f"试了 {MAX_ATTEMPTS_PER_DAY} 次" in dm.params["text"]
    assert f"failed {MAX_ATTEMPTS_PER_DAY} times" in dm.params["text"]
    assert store.subscription(TEAM, "C1").active  # tomorrow's digest still comes

    # The next day tries again from the start, gives up again, and does not DM again.
    clock.set(AT_0930 + timedelta(days=1))
    while clock() < midnight + timedelta(days=1):
        run_due(store, knowledge, clients, clock())
        clock.advance(minutes=1)
    assert len(channel_posts(slack)) == 2 * MAX_ATTEMPTS_PER_DAY
    assert len(channel_posts(slack, USER)) == 1
    # Slack is back: the third day posts at once, and a later give-up would be told again.
    slack.reset()
    clock.set(AT_0930 + timedelta(days=2))
    assert run_due(store, knowledge, clients, clock()).posted == [
        (TEAM, "C1", MONDAY + timedelta(days=2))
    ]


def test_rate_limited_as_an_error_code_is_retried_later(store, clock, slack, clients, knowledge):
    subscribe(store, knowledge)
    slack.fail("chat.postMessage", "rate_limited", channel="C1")  # chat.postMessage's own code
    clock.set(AT_0930)
    assert run_due(store, knowledge, clients, clock()).released == [(TEAM, "C1", "rate_limited")]
    assert store.subscription(TEAM, "C1").active
    slack.reset()
    assert run_due(store, knowledge, clients, clock()).posted == []  # waits its minute
    clock.advance(minutes=1)
    assert run_due(store, knowledge, clients, clock()).posted == [(TEAM, "C1", MONDAY)]


def test_digest_post_by_hand_may_try_a_day_given_up(store, clock, slack, clients, knowledge):
    subscribe(store, knowledge)
    clock.set(AT_0930)
    for _ in range(MAX_ATTEMPTS_PER_DAY):
        assert store.claim(TEAM, "C1", MONDAY, "host:1:x", asked=True)
        store.mark_retry(
            TEAM, "C1", MONDAY, "host:1:x", error="http_503", delay=retry_delay, max_attempts=10
        )
    assert store.digest_post(TEAM, "C1", MONDAY).status == "gave_up"
    assert store.due_subscriptions(clock()) == []  # the scheduler leaves the day alone
    client = clients(Workspace(TEAM))
    result = post_digest(
        store, knowledge, client, TEAM, "C1", MONDAY, new_claimer(), pause_on_channel_error=False
    )
    assert result.outcome == "posted"
    assert store.digest_post(TEAM, "C1", MONDAY).status == "posted"


def test_the_scheduler_asks_for_the_grid_installation_of_each_subscription(
    store, clock, slack, clients, knowledge
):
    subscribe(store, knowledge, "C1", enterprise_id="E0GRID0001")
    subscribe(store, knowledge, "C2", enterprise_id="E0GRID0002", enterprise_install=True)
    subscribe(store, knowledge, "C3")
    asked: list[Workspace] = []

    def client_for(workspace: Workspace):
        asked.append(workspace)
        return clients(workspace)

    clock.set(AT_0930)
    assert len(run_due(store, knowledge, client_for, clock()).posted) == 3
    assert asked == [
        Workspace(TEAM, "E0GRID0001", False),
        Workspace(TEAM, "E0GRID0002", True),
        Workspace(TEAM, None, False),
    ]


def test_rate_limit_codes_have_advice():
    from bot import wording

    for code in ("ratelimited", "rate_limited"):
        assert wording.slack_error_advice(code, "zh") == m.RATE_LIMITED["zh"]
        assert wording.slack_error_advice(code, "en") == m.RATE_LIMITED["en"]
