from __future__ import annotations

from unittest.mock import Mock

from bot.answers import Answerer


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


def test_a_swapped_out_knowledge_never_answers_from_the_cache(knowledge):
    """Replies are keyed by the Knowledge they came from: a team's rebuilt knowledge (or a
    reloaded file) searches afresh, and the old one is not kept alive by its replies."""
    import gc
    import weakref

    from knowledge.overlay import ApprovedTerm, TeamTerm, with_overlay

    answers = Answerer(cache_size=16)
    question = "提示词工程是什么"
    old = answers.answer(question, shareable=True, knowledge=knowledge)
    assert old.result.answer is None
    term = TeamTerm(zh="提示词工程", definition="设计和优化给大模型的输入。", theme="应用与场景")
    team = with_overlay(knowledge, [ApprovedTerm("team:1", term, "U1", "2026-12-01")]).knowledge
    assert answers.cached(question, shareable=True, knowledge=team) is None
    assert (
        answers.answer(question, shareable=True, knowledge=team).result.answer.entry.id == "team:1"
    )
    assert answers.cached(question, shareable=True, knowledge=knowledge) is old

    # The cache does not keep a swapped-out Knowledge (and its whole index) alive.
    gone = weakref.ref(team)
    del team
    gc.collect()
    assert gone() is None
