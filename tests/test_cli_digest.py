"""`python -m bot migrate`, `digest --preview` and `digest --run-due`."""

from __future__ import annotations

from datetime import date

import pytest

from bot.__main__ import main
from bot.digest import all_pool_ids, compose_digest
from bot.store import Store, head_revision, make_engine, migrate
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
    assert out == [f"database {db_url} is at revision {head_revision()}"] * 2


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


def _log(url: str, key: str, clock: FakeClock, *asked: tuple[str, str]) -> None:
    from bot.store import QueryRecord

    engine = make_engine(url)
    migrate(engine)
    records = [QueryRecord(team, user, "q", "q", None, 1, "dm", "im") for team, user in asked]
    Store(engine, clock, user_key=key).log_queries(records)
    engine.dispose()


def _users_left(url: str, key: str) -> int:
    from sqlalchemy import func, select

    from bot.store import QueryLog

    engine = make_engine(url)
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(QueryLog))
    engine.dispose()
    return count


def test_forget_deletes_one_persons_questions_hashed_with_the_key(db_url, monkeypatch, capsys):
    monkeypatch.setenv("QUERY_LOG_SALT", "the-key")
    _log(db_url, "the-key", FakeClock(), ("T1", "U1"), ("T1", "U1"), ("T1", "U2"), ("T2", "U1"))
    assert main(["forget", "--team", "T1", "--user", "U1"]) == 0
    assert capsys.readouterr().out == "deleted 2 question(s) asked by U1 in T1\n"
    assert _users_left(db_url, "the-key") == 2
    assert main(["forget", "--team", "T1", "--user", "U1"]) == 0
    assert "nothing deleted" in capsys.readouterr().out


def test_forget_with_another_key_finds_no_one(db_url, monkeypatch, capsys):
    _log(db_url, "the-key", FakeClock(), ("T1", "U1"))
    monkeypatch.setenv("QUERY_LOG_SALT", "a-guess")
    assert main(["forget", "--team", "T1", "--user", "U1"]) == 0
    assert "nothing deleted" in capsys.readouterr().out
    assert _users_left(db_url, "the-key") == 1


def test_forget_refuses_bad_ids_and_a_missing_key(db_url, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("QUERY_LOG_SALT", "k")
    assert main(["forget", "--team", "general", "--user", "U1"]) == 2
    assert "team id" in capsys.readouterr().err
    assert main(["forget", "--team", "T1", "--user", "u1"]) == 2
    assert "user id" in capsys.readouterr().err
    monkeypatch.delenv("QUERY_LOG_SALT")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))
    assert main(["forget", "--team", "T1", "--user", "U1"]) == 2
    assert "QUERY_LOG_SALT" in capsys.readouterr().err


def test_run_due_purges_questions_older_than_query_log_days(db_url, monkeypatch, slack, capsys):
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cron")
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    monkeypatch.setenv("QUERY_LOG_DAYS", "30")
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    _log(db_url, "k", FakeClock(now - timedelta(days=31)), ("T1", "U1"), ("T1", "U2"))
    _log(db_url, "k", FakeClock(now - timedelta(days=29)), ("T1", "U1"))
    assert main(["digest", "--run-due"]) == 0
    assert _users_left(db_url, "k") == 1
