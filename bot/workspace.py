"""Which installation a workspace's requests and posts belong to, Enterprise Grid included.

Bolt's installation store keys an installation by (enterprise id, team id): a workspace of an
Enterprise Grid org is saved with the org's `E…` id beside its `T…` id, and an org-wide install
(`is_enterprise_install`) with the org's id and no team at all. A lookup with the enterprise id
left out finds neither, so everything that looks up a token carries a `Workspace`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Workspace:
    """A workspace (`team_id`), the Grid org it belongs to (`enterprise_id`, None outside
    Grid) and whether the app is installed for the whole org there (`is_enterprise_install`)."""

    team_id: str
    enterprise_id: str | None = None
    is_enterprise_install: bool = False

    @classmethod
    def of_command(cls, command: Mapping[str, Any]) -> Workspace:
        """A slash command's workspace: Slack sends `enterprise_id` and
        `is_enterprise_install` ("true"/"false") beside `team_id`."""
        return cls(
            team_id=str(command.get("team_id") or ""),
            enterprise_id=command.get("enterprise_id") or None,
            is_enterprise_install=_true(command.get("is_enterprise_install")),
        )

    @classmethod
    def of_event(cls, body: Mapping[str, Any]) -> Workspace:
        """An Events API delivery's workspace. For an org-wide install the authorization has no
        team (Bolt's `context.team_id` is None), but the envelope's `team_id` still names the
        workspace the event happened in."""
        authorizations = body.get("authorizations") or [{}]
        authorization = authorizations[0] if isinstance(authorizations[0], Mapping) else {}
        team = authorization.get("team_id") or body.get("team_id") or ""
        enterprise = authorization.get("enterprise_id") or body.get("enterprise_id") or None
        return cls(
            team_id=str(team),
            enterprise_id=enterprise,
            is_enterprise_install=_true(
                authorization.get("is_enterprise_install", body.get("is_enterprise_install"))
            ),
        )


def _true(value: object) -> bool:
    return value is True or value == "true"
