"""SIGTERM under `python -m bot serve` once uvicorn's event loop has shut down: the worker exits
normally (gunicorn's worker_exit hook runs, Bolt's lazy listeners in flight finish), instead of
dying from the SIGTERM that uvicorn raises again after its graceful shutdown."""

from __future__ import annotations

import json
import signal
from datetime import UTC, datetime

from bot.store import Store
from tests import payloads as p
from tests.databases import event_status
from tests.e2e.fake_slack import Scripted, post, signed_headers
from tests.faults.conftest import JSON, SIGNING_SECRET
from tests.faults.test_shutdown import DEADLINE, free_port, start, stop, wait_until_serving


def test_an_answer_in_flight_is_finished_after_the_event_loop_has_stopped(
    engine, database_url, slack
):
    store = Store(engine, lambda: datetime.now(UTC))  # `engine`: the database, migrated
    slack.script("chat.postMessage", Scripted(hang=DEADLINE))  # ended by slack.release()
    port = free_port()
    process, output = start("serve", database_url, slack, port, scheduler="on")
    try:
        url = wait_until_serving(port, output)
        event = p.event_callback(
            p.app_mention(f"<@{p.BOT_USER}> 什么是MaaS", ts="1700000000.000901"), "EvAfterLoop1"
        )
        body = json.dumps(event)
        assert post(f"{url}/slack/events", body, signed_headers(SIGNING_SECRET, body, JSON)).ok
        slack.wait_for("chat.postMessage", timeout=DEADLINE)  # the answer is being posted
        process.send_signal(signal.SIGTERM)
        output.wait("Finished server process")  # uvicorn's loop is done; the worker lives on
        slack.release()
        assert process.wait(DEADLINE) == 0, "".join(output.lines)[-3000:]
    finally:
        stop(process)
    log = "".join(output.lines)
    assert "Worker exiting" in log and "was sent SIGTERM" not in log, log[-3000:]
    assert len(slack.delivered("chat.postMessage")) == 1
    assert event_status(store.engine, "event:EvAfterLoop1") == "done"
