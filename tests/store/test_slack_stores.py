"""slack_sdk's own stores work on the migrated tables of the same database."""

from __future__ import annotations

import time

from slack_sdk.oauth.installation_store import Installation

from bot.store import Store, installation_store, oauth_state_store


def test_installation_round_trip(engine, store: Store) -> None:
    installations = installation_store(engine, client_id="111.222")
    installations.save(
        Installation(
            app_id="A1",
            enterprise_id=None,
            team_id="T1",
            team_name="Team One",
            bot_token="xoxb-1",
            bot_id="B1",
            bot_user_id="UB1",
            bot_scopes=["commands", "chat:write"],
            user_id="U1",
            installed_at=time.time(),
        )
    )
    bot = installations.find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None
    assert (bot.bot_token, bot.bot_user_id, bot.team_name) == ("xoxb-1", "UB1", "Team One")
    found = installations.find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.user_id == "U1"
    assert (
        installation_store(engine, client_id="other").find_bot(enterprise_id=None, team_id="T1")
        is None
    )

    # Same engine, same database: the app's own tables sit beside them.
    store.subscribe("T1", "C1", "U1")
    assert [s.channel_id for s in store.subscriptions("T1")] == ["C1"]

    installations.delete_installation(enterprise_id=None, team_id="T1")
    assert installations.find_installation(enterprise_id=None, team_id="T1") is None


def test_oauth_state_is_consumed_once(engine) -> None:
    states = oauth_state_store(engine, expiration_seconds=600)
    state = states.issue()
    assert states.consume(state) is True
    assert states.consume(state) is False
    assert states.consume("never-issued") is False
