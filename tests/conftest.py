import os

import pytest
from hypothesis import settings

from knowledge import Knowledge

# CI replays the same examples every run (a red CI is then a real regression, reproducible
# locally with HYPOTHESIS_PROFILE=ci); developers' runs keep exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default")
)


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    """The real knowledge file, loaded once for the whole run."""
    return Knowledge.load()
