"""No token, secret or signing material in the log, at any level: a logging.Filter on the
handlers (the root's, and gunicorn's own) that rewrites a record before it is written.

slack_sdk logs whole requests and responses at DEBUG (the `oauth.v2.access` answer carries the
new bot token, a request its `Authorization: Bearer` header), so redaction works on what any
library logs: Slack token shapes, secret-named fields, and the configured secrets' values."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping

REDACTED = "[redacted]"
# Environment variables whose values are secrets (TOKEN_ENCRYPTION_KEY: comma-separated keys).
SECRET_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_CLIENT_SECRET",
    "QUERY_LOG_SALT",
    "TOKEN_ENCRYPTION_KEY",
)
_MIN_SECRET_CHARS = 6  # shorter values would redact ordinary words

_PATTERNS = (
    # Slack tokens: bot, user, app-level, refresh (xoxe.xoxb-…, xoxe-…), configuration tokens
    re.compile(r"xox[a-z]?(?:\.xox[a-z])?-[A-Za-z0-9._-]+"),
    re.compile(r"xapp-[A-Za-z0-9._-]+"),
    re.compile(r"(?i)(bearer\s+)[^\s'\",}]+"),
    # a secret-named field in JSON, a dict repr, a query string or a header
    re.compile(
        r"(?i)((?:client_secret|signing_secret|secret|access_token|refresh_token|token|"
        r"x-slack-signature|authorization)['\"]?\s*[:=]\s*['\"]?)[^\s'\"&,}]+"
    ),
)


# Message text inside a logged payload ('text': '…' / "text": "…") and button values (a
# "did you mean" button carries the question): questions and answers, which only this app's
# own loggers ("bot.*") may log, and only at DEBUG.
_TEXT_FIELD = re.compile(r"""((['"])(?:text|value)\2\s*:\s*)(['"])(?:\\.|(?!\3).)*\3""")
APP_LOGGER = "bot"


def secret_values(env: Mapping[str, str]) -> list[str]:
    values = []
    for name in SECRET_VARIABLES:
        for part in env.get(name, "").split(","):
            if len(part.strip()) >= _MIN_SECRET_CHARS:
                values.append(part.strip())
    return values


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and its exception text) with secrets redacted."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is replaced whole.
        self.secrets = sorted(set(secrets), key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if not (record.name == APP_LOGGER or record.name.startswith(APP_LOGGER + ".")):
            cleaned = _TEXT_FIELD.sub(lambda m: m.group(1) + '"[text]"', cleaned)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


def install(secrets: Iterable[str] = (), loggers: Iterable[str] = ("",)) -> RedactingFilter:
    """Put one RedactingFilter on every handler of `loggers` (default: the root), replacing
    one installed before."""
    redacting = RedactingFilter(secrets)
    for name in loggers:
        for handler in logging.getLogger(name).handlers:
            for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
                handler.removeFilter(old)
            handler.addFilter(redacting)
    return redacting
