"""What a channel's daily digest holds on a date: a pure function of the knowledge, the
channel's history and the date, so the preview and the post always agree.

Rotation: a channel sees every trend (article passage), term and figure once before it sees
any again; entries a knowledge rebuild added since the channel's rotation last looked come
first. The order within a round is a per-channel shuffle, so channels do not all get the same
item on the same day.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from knowledge import Entry, Fact, Knowledge

MIN_TREND_CHARS = 80  # shorter passages make a thin headline


@dataclass(frozen=True)
class PastDigest:
    """One digest a channel already got."""

    local_date: date
    trend_id: str | None
    term_id: str | None
    fact_id: str | None


@dataclass(frozen=True)
class DigestItems:
    local_date: date
    trend: Entry | None
    term: Entry | None
    fact: Fact | None
    fact_entry: Entry | None  # where the figure comes from
    weekly: bool  # add 本周团队在问 today
    known_ids: frozenset[str] = field(default_factory=frozenset)  # pools as of this digest

    @property
    def ids(self) -> tuple[str | None, str | None, str | None]:
        return (
            self.trend.id if self.trend else None,
            self.term.id if self.term else None,
            self.fact.id if self.fact else None,
        )


def trend_pool(knowledge: Knowledge) -> list[str]:
    return [
        e.id for e in knowledge.sections() if not e.figure_only and len(e.text) >= MIN_TREND_CHARS
    ]


def term_pool(knowledge: Knowledge) -> list[str]:
    return [e.id for e in knowledge.terms()]


def fact_pool(knowledge: Knowledge) -> list[str]:
    return [f.id for f in knowledge.facts()]


def all_pool_ids(knowledge: Knowledge) -> frozenset[str]:
    """Everything the rotation knows today; store it with a subscription or a post."""
    return frozenset(trend_pool(knowledge) + term_pool(knowledge) + fact_pool(knowledge))


def _rank(channel: str, round_number: int, item: str) -> str:
    return hashlib.sha1(f"{channel}|{round_number}|{item}".encode()).hexdigest()


def next_in_rotation(
    pool: Sequence[str], shown: Iterable[str | None], known: frozenset[str] | None, channel: str
) -> str | None:
    """The next item of `pool` for a channel that was already shown `shown` (oldest first)."""
    if not pool:
        return None
    current = set(pool)
    seen: set[str] = set()
    round_number = 0
    for item in shown:
        if item in current:
            seen.add(item)
            if seen >= current:  # a full round: start again
                seen.clear()
                round_number += 1
    unseen = [i for i in pool if i not in seen]
    new = [i for i in unseen if known is not None and i not in known]
    candidates = new or unseen
    return min(candidates, key=lambda i: _rank(channel, round_number, i))


def choose_digest(
    knowledge: Knowledge,
    channel: str,
    history: Sequence[PastDigest],
    local_date: date,
    *,
    known_ids: frozenset[str] | None = None,
    weekly_day: int = 0,
) -> DigestItems:
    """The digest `channel` gets on `local_date`.

    `history` is what it got before (any order); if it already got one on `local_date`, that
    one is returned, so a preview after the post shows what was posted. `known_ids` is what
    the rotation knew when the channel last looked (None: treat nothing as new).
    """
    past = sorted(history, key=lambda p: p.local_date)
    today = next((p for p in past if p.local_date == local_date), None)
    before = [p for p in past if p.local_date < local_date]
    if today is not None:
        trend_id, term_id, fact_id = today.trend_id, today.term_id, today.fact_id
    else:
        trend_id = next_in_rotation(
            trend_pool(knowledge), (p.trend_id for p in before), known_ids, channel
        )
        term_id = next_in_rotation(
            term_pool(knowledge), (p.term_id for p in before), known_ids, channel
        )
        fact_id = next_in_rotation(
            fact_pool(knowledge), (p.fact_id for p in before), known_ids, channel
        )
    facts = {f.id: f for f in knowledge.facts()}
    fact = facts.get(fact_id) if fact_id else None
    return DigestItems(
        local_date=local_date,
        trend=knowledge.get(trend_id) if trend_id else None,
        term=knowledge.get(term_id) if term_id else None,
        fact=fact,
        fact_entry=knowledge.get(fact.entry_id) if fact else None,
        weekly=local_date.weekday() == weekly_day,
        known_ids=all_pool_ids(knowledge),
    )
