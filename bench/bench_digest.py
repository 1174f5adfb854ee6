"""The digest scheduler at scale: N subscribed channels, one `run_due` posting all of them to the
local Slack stand-in, then the idle tick (nothing due) that every scheduler runs each minute.

    .venv/bin/python bench/bench_digest.py [--channels 500] [--schedulers 1]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/bench_digest.py

Uses a fresh SQLite file (or a fresh schema on DATABASE_URL's PostgreSQL, dropped afterwards).
Prints posts per second, the idle tick's latency, and checks exactly one post per channel even
with several schedulers racing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import team_clients  # noqa: E402
from bot.digest import all_pool_ids, run_due  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.store import Store, make_engine, migrate  # noqa: E402
from knowledge import Knowledge  # noqa: E402
from tests.databases import _postgres_schema_url  # noqa: E402
from tests.e2e.fake_slack import FakeSlack  # noqa: E402

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--schedulers", type=int, default=1)
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL", "").strip()
    schema = None
    if base:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = make_engine(base)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        url = _postgres_schema_url(base, schema)
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    slack = FakeSlack()
    try:
        knowledge = Knowledge.load()
        engine = make_engine(url)
        migrate(engine)
        store = Store(engine, lambda: NOW)
        known = all_pool_ids(knowledge)
        for i in range(args.channels):
            store.subscribe("T1", f"C{i:06d}", "U1", known_ids=known)
        settings = Settings.from_env(
            "clock", {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_API_URL": slack.api_url}
        )
        clients = team_clients(settings)
        stores = [Store(make_engine(url), lambda: NOW) for _ in range(args.schedulers)]
        started = time.perf_counter()
        threads = [
            threading.Thread(target=run_due, args=(s, knowledge, clients, NOW)) for s in stores
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        counts = Counter(c.params["channel"] for c in slack.of("chat.postMessage"))
        assert len(counts) == args.channels and set(counts.values()) == {1}, "not exactly once"
        idle = []
        for _ in range(20):
            t0 = time.perf_counter()
            run_due(store, knowledge, clients, NOW)
            idle.append((time.perf_counter() - t0) * 1000)
        backend = engine.dialect.name
        print(f"{backend}: {args.channels} channels, {args.schedulers} scheduler(s)")
        print(f"  first tick: {elapsed:.2f} s, {args.channels / elapsed:.0f} posts/s, each once")
        print(f"  idle tick (nothing due): median {statistics.median(idle):.1f} ms")
    finally:
        slack.close()
        if schema:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    return 0


if __name__ == "__main__":
    sys.exit(main())
