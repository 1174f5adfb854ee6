"""Who reviews suggested terms: KNOWLEDGE_EDITORS, Slack user ids and user groups.

A user group is named by its id (S…) or its handle (@ai-editors); its members come from Slack
(`usergroups.list` finds a handle's id, `usergroups.users.list` lists the members; both need the
usergroups:read scope) and are kept a few minutes per workspace, so a review button does not
cost a Slack call and a change of the group shows within minutes. When Slack cannot be asked (no
scope, a workspace without user groups, Slack down) that is logged, and the user ids listed
directly still count; the lookup is tried again after `RETRY_AFTER`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack_errors import error_code

log = logging.getLogger(__name__)

KEEP_MEMBERS = 300.0  # seconds a workspace's resolved editors are kept
RETRY_AFTER = 30.0  # seconds before a failed lookup is tried again


@dataclass(frozen=True)
class EditorNames:
    """KNOWLEDGE_EDITORS split by kind (as `bot.settings.parse_knowledge_editors` validated)."""

    users: frozenset[str] = frozenset()
    group_ids: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()  # without the @

    @classmethod
    def parse(cls, names: Iterable[str]) -> EditorNames:
        users, groups, handles = set(), [], []
        for name in names:
            if name.startswith("@"):
                handles.append(name[1:].lower())
            elif name.startswith("S"):
                groups.append(name)
            else:
                users.add(name)
        return cls(frozenset(users), tuple(groups), tuple(handles))

    @property
    def named(self) -> bool:
        return bool(self.users or self.group_ids or self.handles)

    @property
    def has_groups(self) -> bool:
        return bool(self.group_ids or self.handles)


class Editors:
    """The editors of each workspace: the listed users plus the members of the listed groups."""

    def __init__(
        self,
        names: Iterable[str] = (),
        *,
        keep: float = KEEP_MEMBERS,
        retry_after: float = RETRY_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.names = EditorNames.parse(names)
        self._keep = keep
        self._retry_after = retry_after
        self._clock = clock
        self._members: dict[str, tuple[float, frozenset[str]]] = {}  # team -> (until, ids)
        self._lock = threading.Lock()

    @property
    def named(self) -> bool:
        """Whether KNOWLEDGE_EDITORS names anyone (without, suggestions only queue)."""
        return self.names.named

    def is_editor(self, client: WebClient | None, team_id: str | None, user_id: str | None) -> bool:
        if not user_id:
            return False
        if user_id in self.names.users:  # listed by id: no Slack call needed
            return True
        return user_id in self.members(client, team_id)

    def members(self, client: WebClient | None, team_id: str | None) -> frozenset[str]:
        """The editors of `team_id`: listed ids, plus the groups' members as Slack last said."""
        if not self.names.has_groups or client is None:
            return self.names.users
        key = team_id or ""
        now = self._clock()
        with self._lock:
            cached = self._members.get(key)
        if cached is not None and now < cached[0]:
            return cached[1]
        members, complete = self._resolve(client)
        until = now + (self._keep if complete else self._retry_after)
        with self._lock:
            self._members[key] = (until, members)
        return members

    def forget(self) -> None:
        """Drop what was resolved: the next check asks Slack again."""
        with self._lock:
            self._members.clear()

    def _resolve(self, client: WebClient) -> tuple[frozenset[str], bool]:
        """The listed users and the groups' members; False when a part could not be read."""
        members = set(self.names.users)
        complete = True
        group_ids = list(self.names.group_ids)
        if self.names.handles:
            try:
                response = client.usergroups_list()
            except SlackApiError as error:
                log.warning(
                    "KNOWLEDGE_EDITORS: could not look up the user groups %s (%s); only the "
                    "user ids listed count for now",
                    ", ".join(f"@{h}" for h in self.names.handles),
                    error_code(error),
                )
                complete = False
            except Exception as error:  # Slack unreachable
                log.warning("KNOWLEDGE_EDITORS: usergroups.list failed (%s)", type(error).__name__)
                complete = False
            else:
                by_handle = {
                    str(g.get("handle") or "").lower(): str(g.get("id") or "")
                    for g in response.get("usergroups") or []
                }
                for handle in self.names.handles:
                    if handle in by_handle:
                        group_ids.append(by_handle[handle])
                    else:
                        log.warning(
                            "KNOWLEDGE_EDITORS names @%s, but this workspace has no such user "
                            "group",
                            handle,
                        )
        for group in dict.fromkeys(group_ids):
            try:
                response = client.usergroups_users_list(usergroup=group)
            except SlackApiError as error:
                log.warning(
                    "KNOWLEDGE_EDITORS: could not list the members of %s (%s); only the user "
                    "ids listed count for now",
                    group,
                    error_code(error),
                )
                complete = False
                continue
            except Exception as error:
                log.warning(
                    "KNOWLEDGE_EDITORS: usergroups.users.list failed (%s)", type(error).__name__
                )
                complete = False
                continue
            members.update(str(u) for u in response.get("users") or [])
        return frozenset(members), complete
