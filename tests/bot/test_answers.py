from __future__ import annotations

from unittest.mock import Mock

from bot.answers import Answerer
from bot.query_log import InMemoryQueryLog, QueryRecord


def test_replies_are_remembered_per_query_and_shareability(knowledge):
    counting = Mock(wraps=knowledge)
    answers = Answerer(counting, cache_size=2)
    first = answers.answer("什么是MaaS", shareable=True)
    assert answers.answer("什么是MaaS", shareable=True) is first
    assert counting.search.call_count == 1
    public = answers.answer("什么是MaaS", shareable=False)
    assert public is not first and counting.search.call_count == 2
    answers.answer("GAN", shareable=True)  # evicts the least recently used
    assert answers.cached("什么是MaaS", shareable=True) is None
    assert answers.cached("GAN", shareable=True) is not None


def test_cache_size_zero_turns_the_cache_off(knowledge):
    answers = Answerer(knowledge, cache_size=0)
    answers.answer("GAN", shareable=True)
    assert answers.cached("GAN", shareable=True) is None


def test_the_in_memory_query_log_keeps_the_latest_and_counts_the_misses():
    log = InMemoryQueryLog(limit=4)
    for query in ["a", "b", "b", "answered", "c", "c"]:
        entry = "term:x" if query == "answered" else None
        log.record(QueryRecord("T1", "U1", query, query, entry, 1, "command"))
    assert [q.query for q in log.questions] == ["b", "answered", "c", "c"]
    assert [m.query for m in log.misses] == ["b", "c", "c"]
    assert log.most_common(1) == [("c", 2)]


def test_slack_markup_is_not_part_of_the_question() -> None:
    from bot.answers import plain_query

    assert plain_query("什么是MaaS <!channel>") == "什么是MaaS"
    assert (
        plain_query("<@U123|ann> 问 <#C1|general> 里的 <https://x.y|合成数据>")
        == "问 里的 合成数据"
    )
    assert plain_query("<!subteam^S1|@team> SDaaS <https://a.b>") == "SDaaS"


def test_markup_in_a_query_does_not_spoil_the_answer(knowledge) -> None:
    from bot.answers import Answerer

    reply = Answerer(knowledge, cache_size=0).answer("什么是MaaS <!channel>", shareable=True)
    assert reply.result.answer is not None
    assert "<!channel>" not in str(reply.blocks)
