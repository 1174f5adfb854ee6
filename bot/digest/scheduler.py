"""The digest's clock: `run_due` every minute, in a thread that stops at once when asked.

It runs in each gunicorn worker, in the Socket Mode process, or alone in `python -m bot
clock`; several on one database are safe because every post is claimed there first."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from bot.digest.posting import RunReport

log = logging.getLogger(__name__)

TICK_SECONDS = 60.0


class DigestScheduler:
    """Calls `tick(should_stop)` now and then every `interval` seconds until stopped.

    The wait is `threading.Event.wait(interval)`, so `stop()` ends it at once; a tick in
    progress finishes the channel it is posting to (or releases its claim) and stops."""

    def __init__(
        self,
        tick: Callable[[Callable[[], bool]], object],
        *,
        interval: float = TICK_SECONDS,
        name: str = "digest-scheduler",
    ) -> None:
        self._tick = tick
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run_forever, name=name, daemon=True)

    def start(self) -> DigestScheduler:
        self._thread.start()
        return self

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                report = self._tick(self._stop.is_set)
                if isinstance(report, RunReport) and (
                    report.posted or report.paused or report.released
                ):
                    log.info("digest tick: %s", report)
            except Exception:  # the database or Slack being down must not end the loop
                log.exception("digest tick failed; trying again in %.0fs", self._interval)
            self._stop.wait(self._interval)

    def stop(self, timeout: float = 30.0) -> bool:
        """Ask the loop to end and wait for it; True once it has."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()
