"""`python -m bot migrate`, `digest --preview` and `digest --run-due`."""

from __future__ import annotations

from datetime import date

import pytest

from bot.__main__ import main
from bot.digest import all_pool_ids, compose_digest
from bot.store import Store, make_engine, migrate
from tests.databases import FakeClock

MONDAY = date(2026, 3, 2)


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_migrate_prints_the_revision_and_is_idempotent(db_url, capsys):
    assert main(["migrate"]) == 0
    assert main(["migrate"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"database {db_url} is at revision 0003"] * 2


def test_migrate_with_a_bad_url_says_what_to_fix(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "nosuchdb://x")
    assert main(["migrate"]) == 2
    assert capsys.readouterr().err.startswith("error: DATABASE_URL")


def test_digest_preview_prints_the_digest_offline(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    assert main(["digest", "--preview", "--date", "2026-03-02", "--channel", "C9"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("■ AIGC 日报 · 2026年3月2日 星期一")
    for heading in ("【今日趋势】", "【今日术语】", "【数字看趋势】", "【本周团队在问】"):
        assert heading in out
    assert main(["digest", "--preview", "--date", "2026-03-03", "--channel", "C9"]) == 0
    assert "【本周团队在问】" not in capsys.readouterr().out


def test_digest_preview_follows_the_channels_history(db_url, knowledge, capsys):
    engine = make_engine(db_url)
    migrate(engine)
    store = Store(engine, FakeClock())
    store.subscribe("T1", "C1", "U1", known_ids=all_pool_ids(knowledge))
    store.claim("T1", "C1", MONDAY, "me")
    store.mark_posted(
        "T1", "C1", MONDAY, "me", message_ts="1.1",
        trend_entry_id=None, term_entry_id="term:maas", fact_id=None,
    )  # fmt: skip
    expected = compose_digest(store, knowledge, "T1", "C1", MONDAY).terminal()
    assert "模型即服务" in expected  # what was posted that day
    assert main(["digest", "--preview", "--date", "2026-03-02", "--channel", "C1"]) == 0
    assert capsys.readouterr().out == expected
    engine.dispose()


def test_digest_rejects_a_bad_date(capsys):
    with pytest.raises(SystemExit):
        main(["digest", "--preview", "--date", "2026-13-01"])
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_run_due_posts_what_is_due_and_exits(db_url, monkeypatch, knowledge, capsys, slack):
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_APP_TOKEN", "QUERY_LOG_SALT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cron")
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    engine = make_engine(db_url)
    migrate(engine)
    Store(engine, FakeClock()).subscribe("T1", "C1", "U1", "00:00", "Etc/UTC")
    engine.dispose()
    assert main(["digest", "--run-due"]) == 0
    assert capsys.readouterr().out.startswith("digests: posted 1,")
    assert main(["digest", "--run-due"]) == 0
    assert capsys.readouterr().out.startswith("digests: posted 0,")
    [post] = slack.of("chat.postMessage")
    assert post.params["channel"] == "C1"
    assert post.headers.get("Authorization") == "Bearer xoxb-cron"


def test_run_due_without_a_token_exits_2(db_url, monkeypatch, capsys):
    for name in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert main(["digest", "--run-due"]) == 2
    assert "SLACK_BOT_TOKEN is missing" in capsys.readouterr().err
