from __future__ import annotations

import pytest

from knowledge import Knowledge


@pytest.fixture(scope="session")
def kb() -> Knowledge:
    """The real, checked-in knowledge file, loaded once."""
    return Knowledge.load()
