from __future__ import annotations

import pytest

from knowledge import Knowledge
from knowledge.build import build_knowledge
from knowledge.paths import default_paths


@pytest.fixture(scope="session")
def kb() -> Knowledge:
    """The real, checked-in knowledge file, loaded once."""
    return Knowledge.load()


@pytest.fixture(scope="session")
def built() -> dict:
    """The knowledge built afresh from the real seeds and glossary, once."""
    paths = default_paths()
    return build_knowledge(paths.seeds, paths.glossary)
