from __future__ import annotations

import pytest

from bot.listeners import Deps
from bot.query_log import InMemoryQueryLog


@pytest.fixture
def deps(knowledge):
    """The listeners' dependencies: the real knowledge, questions kept in memory, no store."""
    return Deps(knowledge, query_log=InMemoryQueryLog())
