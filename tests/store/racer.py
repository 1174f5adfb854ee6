"""Runs in a separate process for the cross-process claim race (spawned, so importable)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.store import Store, make_engine


def claim_all(database_url: str, claimer: str, first_day: str, days: int, start) -> list[str]:
    """Claim every (channel, date) in turn; returns the dates this process won."""
    engine = make_engine(database_url)
    store = Store(engine, lambda: datetime.now(UTC))
    start.wait()
    first = date.fromisoformat(first_day)
    won = [
        (first + timedelta(days=i)).isoformat()
        for i in range(days)
        if store.claim("T1", "C1", first + timedelta(days=i), claimer)
    ]
    engine.dispose()
    return won
