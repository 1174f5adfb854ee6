"""Fixtures for the whole suite: one of each thing.

- `knowledge`: the real knowledge file, loaded once;
- `fake_slack` / `slack`: the Slack stand-in (tests/e2e/fake_slack.py), one per test module so a
  module's late lazy listeners never write into another's call log; `slack` is the same
  stand-in with earlier calls and scripted faults forgotten;
- the databases and the fake clock, from tests/databases.py (`pytest_plugins`).
"""

import os
import tempfile
from collections.abc import Iterator

import pytest
from hypothesis import settings

from knowledge import Knowledge
from tests.e2e.fake_slack import FakeSlack

pytest_plugins = ["tests.databases"]

# The single-machine default generates the query log's key into the user's config directory;
# the suite (and the processes it starts) generate theirs into a throwaway one instead.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="aigc-test-config-")
# gunicorn (the `serve` the fault and CLI tests start) opens its control socket in
# XDG_RUNTIME_DIR, else ~/.gunicorn: one throwaway folder per test process, so servers that
# parallel test workers start never take over each other's socket, nor the developer's.
os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="aigc-test-run-")

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


@pytest.fixture(scope="module")
def fake_slack() -> Iterator[FakeSlack]:
    """The Slack stand-in for this test module (its Web API, response_url and OAuth URLs)."""
    slack = FakeSlack()
    yield slack
    slack.close()


@pytest.fixture
def slack(fake_slack: FakeSlack) -> Iterator[FakeSlack]:
    """The module's stand-in with the calls and faults of earlier tests forgotten; a request
    it holds hanging is let go when the test ends."""
    fake_slack.reset()
    yield fake_slack
    fake_slack.release()
