"""The query log: batched writes off the request path, never at the cost of an answer."""

from __future__ import annotations

import threading
import time
from unittest.mock import Mock

from bot.listeners import Deps
from bot.listeners.commands import handle_aigc
from bot.query_log import InMemoryQueryLog, QueryRecord, StoreQueryLog
from tests import payloads as p
from tests.bot.listeners.mocks import acked


def test_a_failing_query_log_never_costs_the_answer(knowledge, caplog):
    broken = Mock()
    broken.log_queries.side_effect = RuntimeError("database is on fire")
    log = StoreQueryLog(broken)
    deps = Deps(knowledge, query_log=log)
    ack = Mock()
    handle_aigc(ack, p.slash_command("什么是MaaS 秘密问题"), Mock(), deps)
    assert acked(ack)["response_type"] == "ephemeral" and acked(ack)["blocks"]
    log.flush()
    broken.log_queries.assert_called_once()
    (records,) = broken.log_queries.call_args.args
    assert [r.source for r in records] == ["command"]
    assert "could not log 1 question(s)" in caplog.text
    assert "秘密问题" not in caplog.text  # the question stays out of the logs


def test_query_log_writes_bursts_in_batches_and_drops_past_its_bound(knowledge) -> None:

    gate = threading.Event()
    store = Mock()
    store.log_queries.side_effect = lambda records: gate.wait(10)
    log = StoreQueryLog(store, max_pending=5, batch=100)
    question = QueryRecord("T1", "U1", "q", "q", None, 1, "command")
    log.record(question)  # taken by the writer, which then blocks on the gate
    deadline = time.monotonic() + 10
    while not store.log_queries.called:  # poll with a deadline until the writer holds it
        assert time.monotonic() < deadline
    for _ in range(8):
        log.record(question)
    assert log.dropped == 3  # five wait in the queue, the rest are counted, not kept
    gate.set()
    log.flush()
    sizes = [len(call.args[0]) for call in store.log_queries.call_args_list]
    assert sizes == [1, 5]  # the waiting five went in one transaction
    log.close()


def test_questions_arriving_one_by_one_share_a_transaction() -> None:
    """Under load a commit per question cost the requests CPU (bench/bench_http.py): the writer
    gathers what arrives within its window, and writes as soon as a batch is full."""
    store = Mock()
    log = StoreQueryLog(store, batch=10, gather_seconds=30)
    question = QueryRecord("T1", "U1", "q", "q", None, 1, "command")
    for _ in range(25):
        log.record(question)
    deadline = time.monotonic() + 10
    while store.log_queries.call_count < 2:  # two full batches go out without the window
        assert time.monotonic() < deadline
    assert [len(call.args[0]) for call in store.log_queries.call_args_list] == [10, 10]
    log.close()  # the last five are written at close, not lost
    assert [len(call.args[0]) for call in store.log_queries.call_args_list] == [10, 10, 5]


def test_the_in_memory_query_log_keeps_the_latest_and_counts_the_misses():
    log = InMemoryQueryLog(limit=4)
    for query in ["a", "b", "b", "answered", "c", "c"]:
        entry = "term:x" if query == "answered" else None
        log.record(QueryRecord("T1", "U1", query, query, entry, 1, "command"))
    assert [q.query for q in log.questions] == ["b", "answered", "c", "c"]
    assert [m.query for m in log.misses] == ["b", "c", "c"]
    assert log.most_common(1) == [("c", 2)]


def test_slack_markup_is_not_part_of_the_question() -> None:
    from knowledge.cleaning import strip_markup as plain_query

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
