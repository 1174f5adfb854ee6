"""When a channel gets its digest: the subscription defaults, the validation of what a person
types (`/aigc digest subscribe 9:30 Asia/Shanghai`), and local dates in the channel's zone.

Pure (the standard library only): the store validates with it before saving, the `/aigc`
command before answering, and the posting code reads dates with it.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from datetime import date, datetime, time, timedelta

DEFAULT_POST_TIME = "09:30"
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_WEEKLY_DAY = 0  # Monday: the day the digest adds 本周团队在问
WEEK = timedelta(days=7)

_POST_TIME = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")


class InvalidSubscription(ValueError):
    """A subscription setting the user typed is not valid; `field` is "post_time",
    "timezone" or "weekly_day", `value` what they typed."""

    def __init__(self, field: str, value: object, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.value = value


def validate_post_time(value: str) -> str:
    """ "9:30" / "09:30" / "9：30" -> "09:30"."""
    match = _POST_TIME.match(value.strip())
    if not match:
        raise InvalidSubscription(
            "post_time", value, f"{value!r} is not a time of day; use HH:MM, e.g. 09:30"
        )
    return f"{int(match[1]):02d}:{match[2]}"


# Files in the zoneinfo folder that `available_timezones()` may list but that are not zones
# anyone means: the machine's own setting (a link that differs per machine) and placeholders.
_NOT_ZONES = frozenset({"localtime", "posixrules", "factory"})


@functools.cache
def _timezones_by_lower_name() -> dict[str, str]:
    zones = zoneinfo.available_timezones()
    return {name.lower(): name for name in zones if name.lower() not in _NOT_ZONES}


def validate_timezone(value: str) -> str:
    """An IANA time zone name, canonically cased ("asia/shanghai" -> "Asia/Shanghai").

    Only names in `zoneinfo.available_timezones()` are accepted: anything else (a folder such
    as "America", an over-long name, "localtime") is never handed to `ZoneInfo`, which would
    read it as a path."""
    name = _timezones_by_lower_name().get(value.strip().lower())
    if name is None:
        raise InvalidSubscription(
            "timezone",
            value,
            f"{value!r} is not a time zone; use an IANA name such as Asia/Shanghai",
        )
    return name


def validate_weekly_day(value: int) -> int:
    if not (isinstance(value, int) and 0 <= value <= 6):
        raise InvalidSubscription(
            "weekly_day", value, f"{value!r} is not a weekday; use 0 (Monday) to 6 (Sunday)"
        )
    return value


def local_today(now_utc: datetime, tz: str = DEFAULT_TIMEZONE) -> date:
    """The date in zone `tz` at the instant `now_utc`."""
    return now_utc.astimezone(zoneinfo.ZoneInfo(tz)).date()


def due_date(post_time: str, tz: str, now_utc: datetime) -> date | None:
    """The local date whose digest is due at `now_utc`, or None before today's `post_time`."""
    local = now_utc.astimezone(zoneinfo.ZoneInfo(tz))
    return local.date() if local.strftime("%H:%M") >= post_time else None


def week_before(local_date: date, tz: str = DEFAULT_TIMEZONE) -> datetime:
    """The start of the seven days before `local_date` in zone `tz`: the window of the weekly
    questions, so the preview and the post of a date agree."""
    return datetime.combine(local_date, time(), zoneinfo.ZoneInfo(tz)) - WEEK
