"""One reply per Slack delivery, however often Slack delivers it and whichever process gets it.

Slack re-sends an event when it did not see the ack in time (`X-Slack-Retry-Num`,
`X-Slack-Retry-Reason`, e.g. `http_timeout`; Socket Mode passes the same as headers), and a
person can press a button twice before the first press is handled. Every listener that replies
publicly or posts something runs its work through `Deduper.run_once(key, work)`:

1. **claim** the key in the shared database (`Store.claim_event`): an INSERT under the primary
   key, so exactly one delivery, in any process, gets to handle it; the others are acked and
   dropped (Slack stops re-sending once it has an ack, and the ack is all a duplicate gets);
2. run `work()`, which returns True when its effect reached Slack (the answer, or at least the
   apology, was posted; the share was posted) and False when nothing did;
3. True: **finish** — the key is `done`, and every later delivery is a duplicate until the key
   is purged (`KEEP`, far beyond Slack's retries, which come within about 5 minutes);
   False or an exception: **forget** — the key is deleted, so a re-delivery (or a second press,
   e.g. after `/invite`) is handled afresh.

Why that is exactly one reply: a reply is only sent by the single holder of the claim, and the
claim is only given up (forgotten) when no reply was sent, so at most one reply is ever sent;
and a delivery whose handling failed leaves no key behind, so Slack's retry is answered. A
holder that died mid-work (killed, machine lost) leaves a `handling` claim; after `STALE_AFTER`
a later delivery may take it over (a conditional UPDATE only one caller can match), which is
what lets Slack's last retry still be answered. The only duplicates possible are a holder that
posted and died before recording `done`, or one that ran longer than `STALE_AFTER` — both far
outside the sub-second handling time (docs/RELIABILITY.md lists the limits).

If the database cannot be reached, the work runs anyway (logged): a possible duplicate beats a
question left unanswered. The keys are purged at most every `PURGE_EVERY` by whichever delivery
comes along, so no process has to be the one that cleans up.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Literal, Protocol

from bot.store import StoreError

log = logging.getLogger(__name__)

KEEP = timedelta(hours=1)
STALE_AFTER = timedelta(minutes=2)
PURGE_EVERY = timedelta(minutes=10)

Outcome = Literal["handled", "failed", "duplicate", "unchecked"]


class EventLedger(Protocol):
    """What the deduper needs of the store (bot.store.Store has it)."""

    def now(self) -> datetime: ...
    def claim_event(self, key: str, claimer: str, *, stale_after: timedelta) -> bool: ...
    def finish_event(self, key: str, claimer: str) -> bool: ...
    def forget_event(self, key: str, claimer: str) -> bool: ...
    def purge_events(self, older_than: timedelta) -> int: ...


class MemoryLedger:
    """The ledger of an app without a database: one process, so a dict is the shared state."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self._keys: dict[str, tuple[str, str, datetime]] = {}  # key -> (status, claimer, at)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now()

    def claim_event(self, key: str, claimer: str, *, stale_after: timedelta) -> bool:
        now = self.now()
        with self._lock:
            held = self._keys.get(key)
            if held is not None and not (held[0] == "handling" and held[2] < now - stale_after):
                return False
            self._keys[key] = ("handling", claimer, now)
            return True

    def finish_event(self, key: str, claimer: str) -> bool:
        with self._lock:
            if self._keys.get(key, ("", "", None))[:2] != ("handling", claimer):
                return False
            self._keys[key] = ("done", claimer, self.now())
            return True

    def forget_event(self, key: str, claimer: str) -> bool:
        with self._lock:
            if self._keys.get(key, ("", "", None))[:2] != ("handling", claimer):
                return False
            del self._keys[key]
            return True

    def purge_events(self, older_than: timedelta) -> int:
        cutoff = self.now() - older_than
        with self._lock:
            old = [k for k, (_, _, at) in self._keys.items() if at < cutoff]
            for k in old:
                del self._keys[k]
            return len(old)


class Deduper:
    """Runs a listener's work once per key; see the module docstring for why that is once."""

    def __init__(
        self,
        ledger: EventLedger,
        *,
        keep: timedelta = KEEP,
        stale_after: timedelta = STALE_AFTER,
        purge_every: timedelta = PURGE_EVERY,
    ) -> None:
        self._ledger = ledger
        self._keep = keep
        self._stale_after = stale_after
        self._purge_every = purge_every
        self._next_purge: datetime | None = None
        self._purge_lock = threading.Lock()

    def run_once(
        self, key: str | None, work: Callable[[], bool], *, retry: str | None = None
    ) -> Outcome:
        """Run `work` unless another delivery of `key` has it or had it. `retry` ("1
        http_timeout") is only for the log. No key (a payload without ids): just run it."""
        if key is None:
            return "handled" if work() else "failed"
        claimer = uuid.uuid4().hex
        try:
            claimed = self._ledger.claim_event(key, claimer, stale_after=self._stale_after)
        except StoreError:
            log.exception("could not check %s for duplicates; handling it anyway", key)
            return "handled" if work() else "failed"
        if not claimed:
            log.info("duplicate delivery of %s dropped (retry %s)", key, retry or "none")
            return "duplicate"
        self._purge_now_and_then()
        try:
            delivered = work()
        except BaseException:
            self._settle(key, claimer, delivered=False)
            raise
        self._settle(key, claimer, delivered=delivered)
        return "handled" if delivered else "failed"

    def _settle(self, key: str, claimer: str, *, delivered: bool) -> None:
        try:
            if delivered:
                self._ledger.finish_event(key, claimer)
            else:
                self._ledger.forget_event(key, claimer)
                log.info("nothing delivered for %s; a re-delivery will be handled", key)
        except StoreError:  # the claim goes stale and is taken over, or purged
            log.exception("could not record how %s ended", key)

    def _purge_now_and_then(self) -> None:
        now = self._ledger.now()
        with self._purge_lock:
            if self._next_purge is not None and now < self._next_purge:
                return
            self._next_purge = now + self._purge_every
        try:
            self._ledger.purge_events(self._keep)
        except StoreError:
            log.exception("could not purge old event keys")


def retry_of(headers: Mapping[str, Sequence[str] | str] | None) -> str | None:
    """ "1 http_timeout" from a Bolt request's X-Slack-Retry-Num/-Reason headers (HTTP, and
    Socket Mode since Bolt 1.29), None for a first delivery."""
    if not headers:
        return None

    def first(name: str) -> str | None:
        value = headers.get(name)
        if isinstance(value, list | tuple):
            return str(value[0]) if value else None
        return value

    num = first("x-slack-retry-num")
    return None if num is None else f"{num} {first('x-slack-retry-reason') or ''}".strip()


def event_key(body: dict) -> str | None:
    """An Events API delivery: its `event_id`, the same on every retry."""
    event_id = body.get("event_id")
    return f"event:{event_id}" if event_id else None


def shortcut_key(body: dict) -> str | None:
    trigger = body.get("trigger_id")
    return f"shortcut:{trigger}" if trigger else None


def button_key(body: dict, action: dict) -> str | None:
    """A button on a message: the same person pressing the same button (id and value) on the
    same message is one press, however many times it arrives. Each press has its own
    trigger_id and action_ts, so those cannot be the key."""
    container = body.get("container") or {}
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    user = (body.get("user") or {}).get("id")
    if not (message_ts and user):
        return None
    parts = (
        (body.get("team") or {}).get("id") or "",
        container.get("channel_id") or (body.get("channel") or {}).get("id") or "",
        message_ts,
        user,
        action.get("action_id", ""),
        action.get("value", ""),
    )
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:40]
    return f"button:{digest}"
