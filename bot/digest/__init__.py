"""The daily digest.

- `rotation`: what a channel gets on a date (pure: knowledge, history, date);
- `schedule`: subscription defaults, validation of what people type, local dates (pure);
- `posting`: compose the digest from the store, post it exactly once, `run_due`;
- `scheduler`: the loop that calls `run_due` every minute.

The store is passed in, never imported at run time: `bot.store` validates subscriptions with
`schedule`, so this package stays importable from it.
"""

from bot.digest.posting import (
    MAX_ATTEMPTS_PER_DAY,
    ClientForWorkspace,
    Digest,
    PostResult,
    RunReport,
    compose_digest,
    new_claimer,
    post_digest,
    retry_delay,
    run_due,
)
from bot.digest.rotation import (
    MIN_TREND_CHARS,
    DigestItems,
    PastDigest,
    all_pool_ids,
    choose_digest,
    fact_pool,
    next_in_rotation,
    term_pool,
    trend_pool,
)
from bot.digest.schedule import (
    DEFAULT_POST_TIME,
    DEFAULT_TIMEZONE,
    DEFAULT_WEEKLY_DAY,
    InvalidSubscription,
    due_date,
    local_today,
    validate_post_time,
    validate_timezone,
    validate_weekly_day,
    week_before,
)
from bot.digest.scheduler import TICK_SECONDS, DigestScheduler

__all__ = [
    "DEFAULT_POST_TIME",
    "DEFAULT_TIMEZONE",
    "DEFAULT_WEEKLY_DAY",
    "MAX_ATTEMPTS_PER_DAY",
    "MIN_TREND_CHARS",
    "TICK_SECONDS",
    "ClientForWorkspace",
    "Digest",
    "DigestItems",
    "DigestScheduler",
    "InvalidSubscription",
    "PastDigest",
    "PostResult",
    "RunReport",
    "all_pool_ids",
    "choose_digest",
    "compose_digest",
    "due_date",
    "fact_pool",
    "local_today",
    "new_claimer",
    "next_in_rotation",
    "post_digest",
    "retry_delay",
    "run_due",
    "term_pool",
    "trend_pool",
    "validate_post_time",
    "validate_timezone",
    "validate_weekly_day",
    "week_before",
]
