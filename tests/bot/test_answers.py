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
