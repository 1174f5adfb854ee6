"""The digest, stats and subscription renderers against the real knowledge, over many dates."""

from __future__ import annotations

import json
from datetime import date, timedelta

from bot import blocks as b
from bot.digest import PastDigest, choose_digest
from bot.store import Subscription
from bot.terminal import render_digest
from tests.bot.limits import check_limits

START = date(2026, 3, 2)


def stat(text: str, count: int = 1) -> b.Asked:
    return b.Asked(text, count, count)


NASTY = [stat("<!channel> " + "长" * 600, 9), stat("<@U0BOSS> *bold* `code` & more", 3)]


def test_half_a_year_of_digests_fits_slack_in_three_channels(knowledge):
    for channel in ("C1", "C2", "C3"):
        history: list[PastDigest] = []
        for n in range(180):
            items = choose_digest(knowledge, channel, history, START + timedelta(days=n))
            history.append(PastDigest(items.local_date, *items.ids))
            blocks = b.digest_blocks(items, asked=NASTY * 5, gaps=NASTY * 5)
            check_limits(blocks)
            assert len(blocks) <= 20
            text = json.dumps(blocks, ensure_ascii=False)
            assert "<!channel>" not in text and "<@U0BOSS>" not in text
            assert render_digest(items, asked=NASTY, gaps=NASTY)


def test_the_digest_reads_in_order(knowledge):
    items = choose_digest(knowledge, "C1", [], START)
    text = json.dumps(b.digest_blocks(items), ensure_ascii=False)
    positions = [
        text.index(h) for h in ("2026年3月2日 星期一", "今日趋势", "今日术语", "数字看趋势")
    ]
    assert positions == sorted(positions)
    assert items.trend.summary.split("。")[0] in b.unescape(text)
    assert b.DIGEST_READ_ACTION in text and b.DIGEST_TERM_ACTION in text
    assert "本周团队在问" in text and "公开频道里还没有人提问" in text  # Monday, nothing asked


def test_stats_and_subscriptions_fit(knowledge):
    check_limits(b.stats_blocks([stat(f"问题{i}" * 100, i) for i in range(30)], NASTY * 10))
    check_limits(b.stats_blocks([], []))
    subs = [
        Subscription(
            team_id="T1", channel_id=f"C{i:08d}", post_time="09:30", timezone="Asia/Shanghai",
            weekly_day=0, subscribed_by="U1", active=i % 2 == 0,
            paused_reason=None if i % 2 == 0 else "is_archived",
        )
        for i in range(2000)
    ]  # fmt: skip
    blocks = b.subscriptions_blocks(subs)
    check_limits(blocks)
    assert "频道已归档" in json.dumps(blocks, ensure_ascii=False)
