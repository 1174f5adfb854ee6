"""Installation tokens encrypted at rest: slack_sdk's SQLAlchemy installation store with every
token column (bot, user and refresh tokens) encrypted by Fernet before it is saved and
decrypted when it is found.

TOKEN_ENCRYPTION_KEY is one or more comma-separated Fernet keys: the first encrypts, all
decrypt (MultiFernet), so a key is rotated by putting the new one first and keeping the old
one after it until `reencrypt_tokens` has run. A stored value carries a prefix, so tokens saved
before a key was set are still read (and encrypted the next time they are saved).
"""

from __future__ import annotations

import copy
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot.store.engine import StoreError
from bot.store.models import TOKEN_COLUMNS, Base

ENCRYPTED_PREFIX = "fernet:"
BOT_TOKEN_FIELDS = ("bot_token", "bot_refresh_token")
INSTALLATION_TOKEN_FIELDS = (*BOT_TOKEN_FIELDS, "user_token", "user_refresh_token")


def parse_keys(value: str) -> list[Fernet]:
    """ "key1,key2" -> Fernet keys; ValueError naming the position of a key that is not one."""
    keys = [part.strip() for part in value.split(",") if part.strip()]
    if not keys:
        raise ValueError("no key given")
    fernets = []
    for position, key in enumerate(keys, 1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            raise ValueError(
                f"key {position} is not a Fernet key (32 url-safe base64-encoded bytes)"
            ) from None
    return fernets


class TokenCipher:
    """Encrypts with the first key, decrypts with any."""

    def __init__(self, keys: str) -> None:
        self._fernet = MultiFernet(parse_keys(keys))

    def encrypt(self, value: str | None) -> str | None:
        if not value or value.startswith(ENCRYPTED_PREFIX):
            return value
        return ENCRYPTED_PREFIX + self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, value: str | None) -> str | None:
        if not value or not value.startswith(ENCRYPTED_PREFIX):
            return value  # saved before TOKEN_ENCRYPTION_KEY was set
        try:
            return self._fernet.decrypt(value[len(ENCRYPTED_PREFIX) :].encode()).decode()
        except InvalidToken:
            raise StoreError(
                "An installation token cannot be decrypted with TOKEN_ENCRYPTION_KEY: the key "
                "it was encrypted with is not among the keys given. Add the previous key after "
                "the new one (comma-separated); see docs/OPERATIONS.md."
            ) from None

    def rotate(self, value: str | None) -> str | None:
        """Re-encrypted under the first key (plain values are encrypted)."""
        if not value:
            return value
        if not value.startswith(ENCRYPTED_PREFIX):
            return self.encrypt(value)
        token = self._fernet.rotate(value[len(ENCRYPTED_PREFIX) :].encode())
        return ENCRYPTED_PREFIX + token.decode()


def _with_fields(entity: Any, fields: tuple[str, ...], convert) -> Any:
    changed = copy.copy(entity)
    for field in fields:
        setattr(changed, field, convert(getattr(entity, field, None)))
    return changed


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store, with the token columns encrypted by `cipher`."""

    def __init__(self, cipher: TokenCipher, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._cipher = cipher

    def save(self, installation: Installation) -> None:
        # The parent saves the bot too, through save_bot: encrypt() leaves encrypted values be.
        super().save(_with_fields(installation, INSTALLATION_TOKEN_FIELDS, self._cipher.encrypt))

    def save_bot(self, bot: Bot) -> None:
        super().save_bot(_with_fields(bot, BOT_TOKEN_FIELDS, self._cipher.encrypt))

    def find_bot(self, **kwargs: Any) -> Bot | None:
        bot = super().find_bot(**kwargs)
        return None if bot is None else _with_fields(bot, BOT_TOKEN_FIELDS, self._cipher.decrypt)

    def find_installation(self, **kwargs: Any) -> Installation | None:
        found = super().find_installation(**kwargs)
        if found is None:
            return None
        return _with_fields(found, INSTALLATION_TOKEN_FIELDS, self._cipher.decrypt)


def reencrypt_tokens(engine: Engine, cipher: TokenCipher) -> int:
    """Every stored token re-encrypted under the first key (after a rotation), plain ones
    encrypted; returns the number of rows rewritten."""
    rewritten = 0
    with engine.begin() as conn:
        for table_name, columns in TOKEN_COLUMNS.items():
            table = Base.metadata.tables[table_name]
            rows = conn.execute(select(table.c.id, *(table.c[c] for c in columns))).all()
            for row in rows:
                values = {c: cipher.rotate(getattr(row, c)) for c in columns}
                conn.execute(update(table).where(table.c.id == row.id).values(**values))
                rewritten += 1
    return rewritten
