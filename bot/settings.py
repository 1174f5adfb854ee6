"""The environment, read once into one frozen Settings object that is passed down.

A missing or inconsistent variable is a `SettingsError` whose message lists everything that is
wrong for the chosen mode, so the CLI can print it and exit 2 instead of showing a traceback.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import platformdirs

from knowledge.paths import APP_NAME

Mode = Literal["socket", "http", "clock"]  # clock: the digest scheduler alone, no listeners

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000
# Every interface: platforms that route to $PORT (Heroku, Render, Fly, containers) reach the
# process from outside it; set HOST=127.0.0.1 behind a reverse proxy on the same machine.
DEFAULT_HOST = "0.0.0.0"
DEFAULT_QUERY_LOG_DAYS = 90
# Approved team terms and a new knowledge file are live within this (plus a rebuild) everywhere.
DEFAULT_KNOWLEDGE_POLL_SECONDS = 1.0
# The editors' weekly knowledge-gap report (bot/gap_report.py): weekday and local time.
DEFAULT_KNOWLEDGE_REPORT_AT = "mon 09:00"
# The generated query-log key of the single-machine default, in the user's config directory.
SALT_FILENAME = "query_log_salt"
# The bot scopes the manifest asks for; OAuth installs request the same ones.
# chat:write.public: shares and digests in public channels without /invite; the *:read scopes:
# conversations.info, to tell before accepting `/aigc subscribe` whether the bot can post there;
# usergroups:read: the members of the user groups KNOWLEDGE_EDITORS names (bot/editors.py).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "app_mentions:read",
    "im:history",
    "channels:read",
    "groups:read",
    "im:read",
    "mpim:read",
    "usergroups:read",
)


@dataclass(frozen=True)
class Variable:
    """An environment variable the app reads, for `--help` and the error messages."""

    name: str
    modes: tuple[Mode, ...]  # the processes that read it
    help: str


_ALL: tuple[Mode, ...] = ("http", "socket", "clock")
# Every variable `Settings.from_env` reads (it refuses to read one missing here), plus LOG_LEVEL.
VARIABLES = (
    Variable("SLACK_BOT_TOKEN", _ALL, "xoxb-… bot token (one workspace)"),
    Variable("SLACK_APP_TOKEN", ("socket",), "xapp-… app-level token with connections:write"),
    Variable("SLACK_SIGNING_SECRET", ("http",), "Basic Information → Signing Secret"),
    Variable("SLACK_CLIENT_ID", ("http", "clock"), "OAuth client id (multi-workspace installs)"),
    Variable("SLACK_CLIENT_SECRET", ("http", "clock"), "OAuth client secret"),
    Variable("SLACK_API_URL", _ALL, f"the Web API base URL (default {DEFAULT_SLACK_API_URL})"),
    Variable("DATABASE_URL", _ALL, "SQLAlchemy URL (default: a per-user SQLite file)"),
    Variable(
        "QUERY_LOG_SALT",
        ("http", "socket"),
        "secret key of the query log's user hashes (required with OAuth or PostgreSQL)",
    ),
    Variable(
        "TOKEN_ENCRYPTION_KEY",
        ("http", "clock"),
        "Fernet key(s), comma-separated, newest first: OAuth tokens encrypted at rest",
    ),
    Variable(
        "QUERY_LOG_DAYS",
        _ALL,
        f"days a question is kept in the query log (default {DEFAULT_QUERY_LOG_DAYS})",
    ),
    Variable("DIGEST_SCHEDULER", ("http", "socket"), "on (default) or off: post due digests"),
    Variable("PORT", ("http",), f"HTTP port (default {DEFAULT_PORT})"),
    Variable("HOST", ("http",), f"address to listen on (default {DEFAULT_HOST}: every interface)"),
    Variable("WEB_CONCURRENCY", ("http",), "gunicorn worker processes (default 2)"),
    Variable(
        "ANSWER_CACHE_SIZE", ("http", "socket"), "rendered replies cached (default 2048, 0 off)"
    ),
    Variable("KNOWLEDGE_FILE", _ALL, "the knowledge file (default knowledge/aigc.json)"),
    Variable(
        "KNOWLEDGE_POLL_SECONDS",
        _ALL,
        f"how often a process checks the knowledge file and approved team terms "
        f"(default {DEFAULT_KNOWLEDGE_POLL_SECONDS:g})",
    ),
    Variable(
        "KNOWLEDGE_EDITORS",
        _ALL,
        "who reviews suggested terms: Slack user ids (U…/W…) and/or user groups (@handle or "
        "S…), comma-separated; they get the weekly knowledge-gap report",
    ),
    Variable(
        "KNOWLEDGE_REPORT_AT",
        ("http", "socket", "clock"),
        f"when the editors get the weekly knowledge-gap report: a weekday and HH:MM, e.g. "
        f"'{DEFAULT_KNOWLEDGE_REPORT_AT}' (the default), or off",
    ),
    Variable(
        "KNOWLEDGE_REPORT_TZ",
        ("http", "socket", "clock"),
        "the time zone of KNOWLEDGE_REPORT_AT, an IANA name (default Asia/Shanghai)",
    ),
    Variable("LOG_LEVEL", _ALL, "DEBUG, INFO (default), WARNING …"),
)
_NAMES = frozenset(v.name for v in VARIABLES)


def environment_help(*modes: Mode) -> str:
    """The variables the processes of `modes` read, one a line, for a command's `--help`."""
    chosen = [v for v in VARIABLES if any(mode in v.modes for mode in modes)]
    width = max(len(v.name) for v in chosen)
    lines = [f"  {v.name:<{width}}  {v.help}" for v in chosen]
    return "environment variables:\n" + "\n".join(lines)


class SettingsError(ValueError):
    """The environment cannot run the chosen mode. `problems` lists each thing to fix."""

    def __init__(self, mode: Mode, problems: list[str]) -> None:
        self.mode = mode
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"Cannot start in {mode} mode; fix these environment variables (see docs/SLACK_SETUP.md):\n"
            f"{lines}"
        )


@dataclass(frozen=True)
class Settings:
    mode: Mode
    bot_token: str | None = None
    app_token: str | None = None
    signing_secret: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str | None = None  # None: the SQLite file bot.store.default_database_path()
    # The HMAC key of the query log's user hashes. None: the single-machine default, which
    # generates one into the user's config directory (see `query_log_key`).
    query_log_salt: str | None = None
    query_log_days: int = DEFAULT_QUERY_LOG_DAYS  # older questions are purged
    # Fernet keys, comma-separated, the first encrypts: installation tokens encrypted at rest.
    token_encryption_key: str | None = None
    digest_scheduler: bool = True  # check for due digests every minute in serve/socket
    port: int = DEFAULT_PORT
    host: str = DEFAULT_HOST  # the address `serve` listens on
    web_concurrency: int = 2  # gunicorn worker processes
    answer_cache_size: int = 2048  # rendered replies kept per process; 0 turns the cache off
    knowledge_file: Path | None = None
    # Seconds between checks of the knowledge file and of the approved team terms' versions.
    knowledge_poll_seconds: float = 1.0
    # KNOWLEDGE_EDITORS, validated: user ids (U…/W…), user-group ids (S…), handles (@ai-editors).
    knowledge_editors: tuple[str, ...] = ()
    # KNOWLEDGE_REPORT_AT / _TZ: the weekday (0 = Monday; None: no report) and local HH:MM
    # the editors get the weekly knowledge-gap report, and the zone of that time.
    knowledge_report_day: int | None = 0
    knowledge_report_time: str = "09:00"
    knowledge_report_tz: str = "Asia/Shanghai"

    @property
    def oauth_enabled(self) -> bool:
        """Multi-workspace installs (bot tokens from the installation store): over HTTP, or the
        clock process of such a deployment, when the OAuth client is configured."""
        return self.mode != "socket" and bool(self.client_id and self.client_secret)

    @classmethod
    def from_env(cls, mode: Mode, env: Mapping[str, str] = os.environ) -> Settings:
        def get(name: str) -> str | None:
            if name not in _NAMES:  # so `--help` lists every variable read here
                raise KeyError(f"{name} is read but not listed in bot.settings.VARIABLES")
            value = env.get(name, "").strip()
            return value or None

        problems: list[str] = []
        bot_token, app_token = get("SLACK_BOT_TOKEN"), get("SLACK_APP_TOKEN")
        signing_secret = get("SLACK_SIGNING_SECRET")
        client_id, client_secret = get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")

        if mode == "socket":
            if not bot_token:
                problems.append("SLACK_BOT_TOKEN is missing (the xoxb-… Bot User OAuth Token)")
            if not app_token:
                problems.append(
                    "SLACK_APP_TOKEN is missing (an xapp-… app-level token with connections:write)"
                )
            elif not app_token.startswith("xapp-"):
                problems.append("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
            if client_id or client_secret:
                problems.append(
                    "SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are set, but Socket Mode serves the one "
                    "workspace of SLACK_BOT_TOKEN: unset them, or run `python -m bot serve` for OAuth"
                )
        else:
            if not signing_secret and mode == "http":
                problems.append(
                    "SLACK_SIGNING_SECRET is missing (Basic Information → Signing Secret)"
                )
            if bool(client_id) != bool(client_secret):
                have, lack = (
                    ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
                    if client_id
                    else ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID")
                )
                problems.append(f"{have} is set but {lack} is missing (OAuth needs both)")
            elif client_id and bot_token:
                problems.append(
                    "SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set: use the "
                    "token for one workspace or the OAuth client for many, not both"
                )
            elif not client_id and not bot_token:
                problems.append(
                    "SLACK_BOT_TOKEN is missing (one workspace), or set SLACK_CLIENT_ID and "
                    "SLACK_CLIENT_SECRET for multi-workspace OAuth installs"
                )

        if bot_token and not bot_token.startswith("xoxb-"):
            problems.append("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")

        port = DEFAULT_PORT
        raw_port = get("PORT")
        if raw_port is not None:
            if raw_port.isdigit() and 0 < int(raw_port) < 65536:
                port = int(raw_port)
            else:
                problems.append(f"PORT must be a number between 1 and 65535, not {raw_port!r}")

        host = get("HOST") or DEFAULT_HOST
        if not _is_host(host):
            problems.append(
                f"HOST must be an IP address (0.0.0.0, 127.0.0.1, ::) or a host name, not {host!r}"
            )

        workers = get("WEB_CONCURRENCY") or "2"
        if not (workers.isdigit() and int(workers) > 0):
            problems.append(f"WEB_CONCURRENCY must be a positive number, not {workers!r}")

        cache_size = get("ANSWER_CACHE_SIZE") or "2048"
        if not cache_size.isdigit():
            problems.append(f"ANSWER_CACHE_SIZE must be a number (0 = off), not {cache_size!r}")

        api_url = get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
        if not api_url.startswith(("https://", "http://")):
            problems.append(f"SLACK_API_URL must be an http(s) URL, not {api_url!r}")
        api_url = api_url.rstrip("/") + "/"

        scheduler = (get("DIGEST_SCHEDULER") or "on").lower()
        if scheduler not in ("on", "off", "1", "0", "true", "false"):
            problems.append(f"DIGEST_SCHEDULER must be on or off, not {scheduler!r}")

        database_url = get("DATABASE_URL")
        salt = get("QUERY_LOG_SALT")
        shared = bool(client_id and client_secret and mode != "socket") or not _is_sqlite(
            database_url
        )
        if salt is None and shared and mode in ("http", "socket"):
            why = (
                "OAuth installs"
                if client_id and client_secret
                else "a shared database (PostgreSQL)"
            )
            problems.append(
                f"QUERY_LOG_SALT is missing: with {why} every process needs the same secret key "
                "for the query log's user hashes, kept out of the database (make one with "
                '`python -c "import secrets; print(secrets.token_hex(32))"`)'
            )

        days = get("QUERY_LOG_DAYS") or str(DEFAULT_QUERY_LOG_DAYS)
        if not (days.isdigit() and int(days) > 0):
            problems.append(f"QUERY_LOG_DAYS must be a positive number of days, not {days!r}")

        token_key = get("TOKEN_ENCRYPTION_KEY")
        if token_key is not None:
            bad = _bad_fernet_keys(token_key)
            if bad:
                problems.append(
                    f"TOKEN_ENCRYPTION_KEY is not valid ({bad}); make a key with "
                    '`python -c "from cryptography.fernet import Fernet; '
                    'print(Fernet.generate_key().decode())"`'
                )

        poll = get("KNOWLEDGE_POLL_SECONDS") or f"{DEFAULT_KNOWLEDGE_POLL_SECONDS:g}"
        poll_seconds = _positive_float(poll)
        if poll_seconds is None or not 0.05 <= poll_seconds <= 60:
            problems.append(
                f"KNOWLEDGE_POLL_SECONDS must be a number of seconds from 0.05 to 60, not {poll!r}"
            )

        editors, bad_editors = parse_knowledge_editors(get("KNOWLEDGE_EDITORS") or "")
        if bad_editors:
            shown = ", ".join(repr(name) for name in bad_editors)
            problems.append(
                f"KNOWLEDGE_EDITORS has {shown}: give Slack user ids (U012ABCDEF, W012ABCDEF), "
                "user-group ids (S012ABCDEF) or user-group handles (@ai-editors), "
                "comma-separated (find a member's id in their profile: ⋯ → Copy member ID)"
            )

        report_at = get("KNOWLEDGE_REPORT_AT") or DEFAULT_KNOWLEDGE_REPORT_AT
        try:
            report_when = parse_report_at(report_at)
        except ValueError:
            report_when = None
            problems.append(
                f"KNOWLEDGE_REPORT_AT must be a weekday and a time of day, e.g. "
                f"'{DEFAULT_KNOWLEDGE_REPORT_AT}' or '周一 09:00', or off, not {report_at!r}"
            )
        report_tz = _timezone(get("KNOWLEDGE_REPORT_TZ"))
        if report_tz is None:
            problems.append(
                f"KNOWLEDGE_REPORT_TZ must be an IANA time zone such as Asia/Shanghai, "
                f"not {get('KNOWLEDGE_REPORT_TZ')!r}"
            )

        if problems:
            raise SettingsError(mode, problems)

        report_day, report_time = report_when or (None, "09:00")
        knowledge_file = get("KNOWLEDGE_FILE")
        return cls(
            mode=mode,
            bot_token=bot_token,
            app_token=app_token,
            signing_secret=signing_secret,
            client_id=client_id,
            client_secret=client_secret,
            slack_api_url=api_url,
            database_url=database_url,
            query_log_salt=salt,
            query_log_days=int(days),
            token_encryption_key=token_key,
            digest_scheduler=scheduler in ("on", "1", "true"),
            port=port,
            host=host,
            web_concurrency=int(workers),
            answer_cache_size=int(cache_size),
            knowledge_file=Path(knowledge_file) if knowledge_file else None,
            knowledge_poll_seconds=poll_seconds or DEFAULT_KNOWLEDGE_POLL_SECONDS,
            knowledge_editors=editors,
            knowledge_report_day=report_day,
            knowledge_report_time=report_time,
            knowledge_report_tz=report_tz or "Asia/Shanghai",
        )


def _positive_float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None


_WEEKDAYS = {
    **{name: n for n, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{
        name: n
        for n, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    **{f"{prefix}{day}": n for n, day in enumerate("一二三四五六日") for prefix in ("周", "星期")},
    "周天": 6,
    "星期天": 6,
}
_OFF = frozenset({"off", "0", "false", "no", "none"})


def parse_report_at(value: str) -> tuple[int, str] | None:
    """KNOWLEDGE_REPORT_AT -> (weekday 0-6, "HH:MM"), or None for off ("mon 09:00",
    "Monday 9:30", "周一 09:00" are all understood); ValueError when it is neither."""
    from bot.digest.schedule import InvalidSubscription, validate_post_time

    text = value.strip().lower()
    if text in _OFF:
        return None
    day, _, time_of_day = text.partition(" ")
    if day not in _WEEKDAYS:
        raise ValueError(f"{value!r} does not start with a weekday")
    try:
        return _WEEKDAYS[day], validate_post_time(time_of_day.strip() or "09:00")
    except InvalidSubscription as error:
        raise ValueError(str(error)) from None


def _timezone(value: str | None) -> str | None:
    """An IANA zone name, canonically cased (the digest's default when unset), or None."""
    from bot.digest.schedule import DEFAULT_TIMEZONE, InvalidSubscription, validate_timezone

    try:
        return validate_timezone(value) if value else DEFAULT_TIMEZONE
    except InvalidSubscription:
        return None


_EDITOR_NAME = re.compile(r"[UWS][A-Z0-9]{2,}|@[a-z0-9][a-z0-9._-]{0,79}")


def parse_knowledge_editors(value: str) -> tuple[tuple[str, ...], list[str]]:
    """KNOWLEDGE_EDITORS -> (the names, each once, in order; the ones that are not a user id,
    a user-group id or a user-group handle). Commas or spaces separate; a handle is folded to
    lower case, as Slack keeps handles."""
    names: list[str] = []
    bad: list[str] = []
    for raw in re.split(r"[,\s]+", value.strip()):
        if not raw:
            continue
        name = raw.lower() if raw.startswith("@") else raw
        if _EDITOR_NAME.fullmatch(name):
            names.append(name)
        else:
            bad.append(raw)
    return tuple(dict.fromkeys(names)), bad


def _bad_fernet_keys(value: str) -> str | None:
    """What is wrong with a comma-separated list of Fernet keys, or None."""
    # Imported here: `python -m bot ask` reads these settings' help and never needs the
    # cryptography package (~10 ms and ~9 MB at start-up).
    from cryptography.fernet import Fernet

    keys = [part.strip() for part in value.split(",") if part.strip()]
    if not keys:
        return "no key given"
    for position, key in enumerate(keys, 1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            return f"key {position} is not a Fernet key: 32 url-safe base64-encoded bytes"
    return None


def _is_host(value: str) -> bool:
    """An IP address, or a host name (letters, digits, hyphens and dots)."""
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return bool(re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?", value))


def _is_sqlite(database_url: str | None) -> bool:
    return database_url is None or database_url.strip().lower().startswith("sqlite")


def local_salt_path(config_dir: Path | None = None) -> Path:
    base = config_dir if config_dir is not None else Path(platformdirs.user_config_dir(APP_NAME))
    return base / SALT_FILENAME


def query_log_key(settings: Settings, config_dir: Path | None = None) -> str:
    """QUERY_LOG_SALT, or for the single-machine default the key generated once into the user's
    config directory (folder 0700, file 0600). `from_env` has already refused to start a
    deployment that shares its database or serves OAuth installs without QUERY_LOG_SALT."""
    if settings.query_log_salt:
        return settings.query_log_salt
    path = local_salt_path(config_dir)
    existing = read_local_salt(path)
    if existing:
        return existing
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    made = secrets.token_hex(32)
    # Written whole to a private temporary file, then linked into place: a process starting at
    # the same moment either wins the link or reads the complete key of the one that did.
    temporary = path.with_name(f".{SALT_FILENAME}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as file:
            file.write(made + "\n")
        os.link(temporary, path)
    except FileExistsError:
        return read_local_salt(path) or made
    finally:
        temporary.unlink(missing_ok=True)
    return made


def read_local_salt(path: Path | None = None) -> str | None:
    """The generated key, or None when there is none yet."""
    try:
        return (path or local_salt_path()).read_text().strip() or None
    except FileNotFoundError:
        return None
