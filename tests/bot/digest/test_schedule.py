"""The schedule rules: what people may type for a subscription, and dates in its zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.digest import (
    InvalidSubscription,
    due_date,
    local_today,
    validate_post_time,
    validate_timezone,
    validate_weekly_day,
    week_before,
)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [("Asia/Shanghai", "Asia/Shanghai"), ("asia/shanghai", "Asia/Shanghai"), ("UTC", "UTC")],
)
def test_timezones_are_iana_names(typed: str, canonical: str) -> None:
    assert validate_timezone(typed) == canonical


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("9:30", "09:30"),
        ("09:30", "09:30"),
        ("23:59", "23:59"),
        ("0:00", "00:00"),
        ("9：30", "09:30"),
    ],
)
def test_post_times(typed: str, canonical: str) -> None:
    assert validate_post_time(typed) == canonical


@pytest.mark.parametrize("day", [-1, 7, "1"])
def test_weekly_days_are_0_to_6(day) -> None:
    with pytest.raises(InvalidSubscription) as info:
        validate_weekly_day(day)
    assert info.value.field == "weekly_day"


def test_the_local_date_is_the_zones() -> None:
    late_utc = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)  # already the 2nd in Shanghai
    assert local_today(late_utc) == date(2026, 3, 2)
    assert local_today(late_utc, "Europe/Berlin") == date(2026, 3, 1)


def test_a_digest_is_due_from_its_local_post_time() -> None:
    assert due_date("09:30", "Asia/Shanghai", datetime(2026, 3, 2, 1, 29, tzinfo=UTC)) is None
    assert due_date("09:30", "Asia/Shanghai", datetime(2026, 3, 2, 1, 30, tzinfo=UTC)) == date(
        2026, 3, 2
    )


def test_the_week_before_starts_at_local_midnight() -> None:
    since = week_before(date(2026, 3, 9), "Asia/Shanghai")
    assert since.astimezone(UTC) == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "typed", ["America", "America/", "localtime", "posixrules", "Factory", "A" * 300, "../UTC"]
)
def test_only_listed_zone_names_are_time_zones(typed: str) -> None:
    with pytest.raises(InvalidSubscription) as info:
        validate_timezone(typed)
    assert info.value.field == "timezone"
