"""The loop that runs the digest every minute."""

from __future__ import annotations

import threading

from bot.digest import DigestScheduler


def test_the_scheduler_thread_ticks_survives_errors_and_stops():
    ticked = threading.Event()
    calls: list[int] = []

    def tick(should_stop) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database down")
        ticked.set()

    scheduler = DigestScheduler(tick, interval=0.001).start()
    assert ticked.wait(5)
    assert scheduler.stop(5) and not scheduler.running
