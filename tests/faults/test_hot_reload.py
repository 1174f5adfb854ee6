"""Hot reload of the knowledge file in a real `python -m bot serve` (gunicorn, one worker),
asked over signed HTTP all along: a rewritten file is picked up by the file check, SIGHUP to the
worker reloads what the check cannot see (same size, mtime and inode) without ending the worker,
SIGHUP to the master reaches the worker, which reloads in place, and no request fails."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

from knowledge.paths import default_paths
from tests import payloads as p
from tests.bot.test_live_knowledge import rewrite
from tests.e2e.deployment import eventually
from tests.e2e.fake_slack import post, signed_headers
from tests.faults.conftest import FORM, SIGNING_SECRET
from tests.faults.test_shutdown import ROOT, Output, free_port, stop, wait_until_serving

DEADLINE = 60.0


def serve(database_url: str, fake_slack, knowledge_file: Path, port: int):
    env = {
        **os.environ,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": "xoxb-reload",
        "SLACK_API_URL": fake_slack.api_url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "INFO",
        "NO_PROXY": "127.0.0.1",
        "DIGEST_SCHEDULER": "off",
        "QUERY_LOG_SALT": "reload-key",
        "KNOWLEDGE_FILE": str(knowledge_file),
        "KNOWLEDGE_POLL_SECONDS": "0.1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, Output(process.stderr)


class Asker:
    """Asks `/aigc 什么是MaaS` again and again in a thread; every reply must be a 200 with the
    answer in the ack."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.failures: list[str] = []
        self.answers = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def ask(self) -> str:
        body = p.form_body(p.slash_command("什么是MaaS"))
        try:
            reply = post(
                f"{self.url}/slack/events", body, signed_headers(SIGNING_SECRET, body, FORM)
            )
        except OSError as error:  # a reset or refused connection is a failed request too
            self.failures.append(repr(error))
            return ""
        if not reply.ok or "blocks" not in reply.body:
            self.failures.append(f"{reply.status}: {reply.body[:200]}")
            return reply.body
        return json.dumps(reply.json(), ensure_ascii=False)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.ask()
            self.answers += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(DEADLINE)


def worker_pids(output: Output) -> list[int]:
    return [
        int(m) for line in output.lines for m in re.findall(r"Booting worker with pid: (\d+)", line)
    ]


def test_serve_reloads_the_knowledge_file_without_failing_a_request(
    engine, database_url, slack, tmp_path
):
    knowledge_file = tmp_path / "aigc.json"
    shutil.copyfile(default_paths().knowledge_file, knowledge_file)
    port = free_port()
    process, output = serve(database_url, slack, knowledge_file, port)
    asker = None
    try:
        url = wait_until_serving(port, output)
        asker = Asker(url)
        [worker] = worker_pids(output)

        rewrite(knowledge_file, "文件检查换上的解释。")  # a deploy: a new file, renamed into place
        eventually(
            lambda: "文件检查换上的解释" in asker.ask(), timeout=DEADLINE, what="the file check"
        )

        rewrite(knowledge_file, "信号换上的解释。", keep_signature=True)
        os.kill(worker, signal.SIGHUP)
        eventually(
            lambda: "信号换上的解释" in asker.ask(), timeout=DEADLINE, what="SIGHUP to the worker"
        )
        assert worker_pids(output) == [worker]  # the worker reloaded; it was not replaced

        rewrite(knowledge_file, "主进程的解释。", keep_signature=True)
        process.send_signal(signal.SIGHUP)  # passed on to the workers, which reload in place
        eventually(
            lambda: "主进程的解释" in asker.ask(), timeout=DEADLINE, what="SIGHUP to the master"
        )
        # Not gunicorn's own reload: a worker replaced mid-request reset connections it held.
        assert worker_pids(output) == [worker]
        asker.stop()
        assert asker.answers > 0 and asker.failures == [], asker.failures[:5]
        assert process.poll() is None
    finally:
        if asker is not None:
            asker.stop()
        stop(process)
