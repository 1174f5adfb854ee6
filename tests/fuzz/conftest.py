"""The real app over HTTP on 127.0.0.1 (as tests/e2e serves it), plus a spy that records every
request that got past Bolt's signature check, so a test can prove no listener saw a request."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.app import create_app
from bot.query_log import InMemoryQueryLog
from bot.server import wsgi_app
from bot.settings import Settings
from tests.e2e.fake_slack import LoopbackServer

SIGNING_SECRET = "fuzz-signing-secret-0123456789abcdef"


class Spy:
    """A global middleware: Bolt runs it after its own (signature check included) and before
    any listener, so an empty record means no listener ran."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self._lock = threading.Lock()

    def __call__(self, body: dict, next) -> None:
        with self._lock:
            self.bodies.append(body)
        next()

    def reset(self) -> None:
        with self._lock:
            self.bodies.clear()


class TrackedExecutor(ThreadPoolExecutor):
    """Bolt's pool for lazy listeners, counting the work in flight, so a test can wait until
    the late work of earlier requests (a signed mention's reply) is done before it starts."""

    def __init__(self) -> None:
        super().__init__(max_workers=5, thread_name_prefix="lazy")
        self._in_flight = 0
        self._idle = threading.Condition()

    def submit(self, fn, /, *args, **kwargs):
        with self._idle:
            self._in_flight += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> None:
        with self._idle:
            if not self._idle.wait_for(lambda: self._in_flight == 0, timeout):
                raise AssertionError(f"lazy listeners still running after {timeout}s")


@pytest.fixture(scope="module")
def lazy_work() -> TrackedExecutor:
    executor = TrackedExecutor()
    yield executor
    executor.shutdown(wait=False)


@pytest.fixture
def slack(fake_slack, lazy_work):
    """The module's stand-in, once the late work of earlier tests has finished, with their
    calls forgotten: a late reply never lands in the next test's record."""
    lazy_work.wait_idle()
    fake_slack.reset()
    yield fake_slack
    fake_slack.release()


@pytest.fixture(scope="module")
def spy() -> Spy:
    return Spy()


@pytest.fixture(scope="module")
def server(fake_slack, knowledge, spy, lazy_work):
    settings = Settings.from_env(
        "http",
        {
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": "xoxb-fuzz-token",
            "SLACK_API_URL": fake_slack.api_url,
            "DATABASE_URL": "sqlite:///:memory:",
        },
    )
    app = create_app(settings, knowledge, query_log=InMemoryQueryLog(), listener_executor=lazy_work)
    app.use(spy)
    fake_slack.reset()  # forget the start-up auth.test
    loopback = LoopbackServer(wsgi_app(app, settings.signing_secret))
    yield loopback
    loopback.close()


@pytest.fixture(autouse=True)
def _forget_spied_requests(spy: Spy) -> None:
    """Each test starts with an empty spy, as `slack` starts with an empty call log."""
    spy.reset()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the 5 MB build as soon as the run knows it needs it, so it overlaps the whole
    suite instead of only the tests of its module. Not in a pytest-xdist worker: every worker
    collects every test but only one runs this module, which then starts the build itself."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if not any(item.name.startswith("test_5mb") for item in session.items):
        return
    from tests.fuzz.test_knowledge_edges import FIVE_MB_BUILD, start_five_mb_build

    folder = Path(tempfile.mkdtemp(prefix="five-mb-"))
    session.config.stash[FIVE_MB_BUILD] = start_five_mb_build(folder)
    session.config.stash[_FIVE_MB_FOLDER] = folder


def pytest_sessionfinish(session: pytest.Session) -> None:
    from tests.fuzz.test_knowledge_edges import FIVE_MB_BUILD

    started = session.config.stash.get(FIVE_MB_BUILD, None)
    if started is not None and started[0].poll() is None:
        started[0].kill()
        started[0].wait()
    folder = session.config.stash.get(_FIVE_MB_FOLDER, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


_FIVE_MB_FOLDER = pytest.StashKey[Path]()
