import pytest

from knowledge import Knowledge


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    """The real knowledge file, loaded once for the whole run."""
    return Knowledge.load()
