"""Data at rest: the default SQLite file private to its owner, and installation tokens
encrypted with TOKEN_ENCRYPTION_KEY (Fernet keys, the first encrypts, all decrypt)."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation

from bot import app as app_module
from bot.settings import Settings, SettingsError
from bot.store import (
    Store,
    StoreError,
    TokenCipher,
    installation_store,
    make_engine,
    migrate,
    reencrypt_tokens,
)
from tests.databases import FakeClock

BOT_TOKEN = "xoxb-1111-2222-secretbottokenvalue"
USER_TOKEN = "xoxp-3333-4444-5555-" + "u" * 60
REFRESH_TOKEN = "xoxe-1-" + "r" * 250  # longer than slack_sdk's VARCHAR(200) once encrypted


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_the_default_database_and_its_folder_are_private(tmp_path, loose_umask) -> None:
    data_dir = tmp_path / "data" / "aigc"
    engine = make_engine(None, data_dir=data_dir)
    migrate(engine)
    database = data_dir / "aigc-bot.db"
    with engine.connect() as conn:  # WAL: the -wal and -shm files exist while it is open
        conn.exec_driver_sql("SELECT count(*) FROM subscriptions").all()
        side_files = [Path(f"{database}-wal"), Path(f"{database}-shm")]
        assert all(p.exists() for p in side_files)
        assert {p.name: mode(p) for p in side_files} == {p.name: 0o600 for p in side_files}
    engine.dispose()
    assert mode(data_dir) == 0o700
    assert mode(database) == 0o600


def test_an_existing_default_database_made_readable_is_narrowed(tmp_path, loose_umask) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    database = data_dir / "aigc-bot.db"
    database.touch(mode=0o644)
    make_engine(None, data_dir=data_dir).dispose()
    assert (mode(data_dir), mode(database)) == (0o700, 0o600)


def test_a_new_database_file_at_a_chosen_path_is_private(tmp_path, loose_umask) -> None:
    database = tmp_path / "new" / "chosen.db"
    make_engine(f"sqlite:///{database}").dispose()
    assert (mode(database.parent), mode(database)) == (0o700, 0o600)


def installation(**tokens: str) -> Installation:
    return Installation(
        app_id="A0APP",
        team_id="T0TEAM",
        user_id="U0INSTALLER",
        bot_id="B0BOT",
        bot_user_id="U0BOT",
        bot_scopes=["commands"],
        **tokens,
    )


def raw_token_text(engine: sqlalchemy.Engine) -> str:
    with engine.connect() as conn:
        rows = [
            *conn.exec_driver_sql("SELECT * FROM slack_bots").all(),
            *conn.exec_driver_sql("SELECT * FROM slack_installations").all(),
        ]
    return repr(rows)


ALL_TOKENS = dict(
    bot_token=BOT_TOKEN,
    bot_refresh_token=REFRESH_TOKEN,
    user_token=USER_TOKEN,
    user_refresh_token=REFRESH_TOKEN,
)


def test_tokens_are_encrypted_at_rest_and_read_back(engine) -> None:
    cipher = TokenCipher(Fernet.generate_key().decode())
    installations = installation_store(engine, "client", cipher)
    installations.save(installation(**ALL_TOKENS))

    stored = raw_token_text(engine)
    for token in (BOT_TOKEN, USER_TOKEN, REFRESH_TOKEN, "secretbottokenvalue"):
        assert token not in stored
    bot = installations.find_bot(enterprise_id=None, team_id="T0TEAM")
    assert (bot.bot_token, bot.bot_refresh_token) == (BOT_TOKEN, REFRESH_TOKEN)
    found = installations.find_installation(enterprise_id=None, team_id="T0TEAM")
    assert {k: getattr(found, k) for k in ALL_TOKENS} == ALL_TOKENS


def test_a_rotated_key_reads_old_tokens_and_reencrypts_them(engine) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    installation_store(engine, "client", TokenCipher(old)).save(installation(bot_token=BOT_TOKEN))

    rotated = TokenCipher(f"{new}, {old}")
    bot = installation_store(engine, "client", rotated).find_bot(
        enterprise_id=None, team_id="T0TEAM"
    )
    assert bot.bot_token == BOT_TOKEN
    assert reencrypt_tokens(engine, rotated) == 2  # one bot row, one installation row

    only_new = installation_store(engine, "client", TokenCipher(new))
    assert only_new.find_bot(enterprise_id=None, team_id="T0TEAM").bot_token == BOT_TOKEN
    with pytest.raises(StoreError, match="cannot be decrypted"):
        installation_store(engine, "client", TokenCipher(old)).find_bot(
            enterprise_id=None, team_id="T0TEAM"
        )


def test_tokens_saved_before_a_key_was_set_are_still_read(engine) -> None:
    installation_store(engine, "client").save(installation(bot_token=BOT_TOKEN))
    cipher = TokenCipher(Fernet.generate_key().decode())
    found = installation_store(engine, "client", cipher).find_bot(
        enterprise_id=None, team_id="T0TEAM"
    )
    assert found.bot_token == BOT_TOKEN
    reencrypt_tokens(engine, cipher)
    assert BOT_TOKEN not in raw_token_text(engine)


OAUTH_ENV = {
    "SLACK_SIGNING_SECRET": "s" * 32,
    "SLACK_CLIENT_ID": "111.222",
    "SLACK_CLIENT_SECRET": "c" * 32,
    "QUERY_LOG_SALT": "salt",
}


def test_a_malformed_encryption_key_stops_start_up() -> None:
    with pytest.raises(SettingsError, match="TOKEN_ENCRYPTION_KEY is not valid"):
        Settings.from_env("http", {**OAUTH_ENV, "TOKEN_ENCRYPTION_KEY": "not-a-key"})
    good = Fernet.generate_key().decode()
    with pytest.raises(SettingsError, match="key 2 is not a Fernet key"):
        Settings.from_env("http", {**OAUTH_ENV, "TOKEN_ENCRYPTION_KEY": f"{good},nope"})


def test_oauth_without_a_key_warns_once(engine, caplog) -> None:
    settings = Settings.from_env("http", OAUTH_ENV)
    store = Store(engine, FakeClock(), user_key="salt")
    app_module._warned_clear_tokens.clear()
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        app_module.installations(settings, store)
        app_module.installations(settings, store)
    warnings = [r for r in caplog.records if "TOKEN_ENCRYPTION_KEY is not set" in r.getMessage()]
    assert len(warnings) == 1

    caplog.clear()
    keyed = Settings.from_env(
        "http", {**OAUTH_ENV, "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode()}
    )
    app_module._warned_clear_tokens.clear()
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        app_module.installations(keyed, store)
    assert not caplog.records
