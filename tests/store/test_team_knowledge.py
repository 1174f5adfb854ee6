"""Team knowledge in the store: votes on answers, suggestions, the approved overlay per
workspace and its version row (issue 12). On SQLite and, with TEST_DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy

from bot.store import (
    AnswerVote,
    QueryRecord,
    Store,
    Suggestion,
    SuggestionDecided,
    VoteCount,
    hash_user,
)
from knowledge.overlay import ApprovedTerm, TeamTerm

TERM = TeamTerm(
    zh="提示词工程",
    en="Prompt Engineering",
    abbr="PE",
    aliases=("写提示词", "prompt 设计"),
    definition="设计和优化给大模型的输入，让输出更符合预期。",
    theme="应用",
)
CORRECTION = TeamTerm(
    zh="模型即服务",
    en="Model as a Service",
    abbr="MaaS",
    definition="以 API 的方式提供训练好的模型，按调用量计费。",
    theme="产业",
    replaces="term:maas",
)


def vote_rows(engine) -> list[dict]:
    with engine.connect() as conn:
        return [r._asdict() for r in conn.execute(sqlalchemy.select(AnswerVote.__table__))]


# -- votes ------------------------------------------------------------------------------------


def test_one_vote_per_person_and_entry_changeable_and_no_raw_user_id(store: Store, engine) -> None:
    store.record_vote("T1", "term:maas", "U_SECRET", 1)
    store.record_vote("T1", "term:maas", "U_SECRET", -1)  # changed their mind
    store.record_vote("T1", "term:maas", "U2", 1)
    store.record_vote("T1", "term:gan", "U_SECRET", -1)
    rows = vote_rows(engine)
    assert len(rows) == 3
    assert "U_SECRET" not in repr(rows)
    mine = [r for r in rows if r["entry_id"] == "term:maas" and r["vote"] == -1]
    assert mine[0]["user_hash"] == hash_user("test-salt", "T1", "U_SECRET")
    assert store.vote_counts("T1") == [
        VoteCount("term:maas", up=1, down=1),
        VoteCount("term:gan", up=0, down=1),
    ]
    assert store.vote_counts("T2") == []


def test_most_downvoted_first_and_since_counts_recent_votes_only(store: Store, clock) -> None:
    store.record_vote("T1", "term:old", "U1", -1)
    clock.advance(days=8)
    since = clock()
    for user in ("U1", "U2"):
        store.record_vote("T1", "term:a", user, 1)
    for user in ("U1", "U2", "U3"):
        store.record_vote("T1", "term:b", user, -1)
    store.record_vote("T1", "term:c", "U1", -1)
    assert [c.entry_id for c in store.vote_counts("T1")] == [
        "term:b",
        "term:c",
        "term:old",
        "term:a",
    ]
    assert [c.entry_id for c in store.vote_counts("T1", since)] == ["term:b", "term:c", "term:a"]


def test_a_vote_is_plus_or_minus_one(store: Store) -> None:
    for bad in (0, 2, -2):
        with pytest.raises(ValueError, match=r"\+1 or -1"):
            store.record_vote("T1", "term:maas", "U1", bad)


def test_the_wish_is_kept_on_the_persons_down_vote(store: Store, engine) -> None:
    store.record_vote("T1", "term:maas", "U1", -1)
    store.record_vote_wish("T1", "term:maas", "U1", "  模型即服务怎么收费  ")
    # The modal submitted before the vote was stored (or without one): the 👎 counts too.
    store.record_vote_wish("T1", "term:gan", "U2", "x" * 900)
    rows = {r["entry_id"]: r for r in vote_rows(engine)}
    assert rows["term:maas"]["wanted"] == "模型即服务怎么收费"
    assert (rows["term:gan"]["vote"], len(rows["term:gan"]["wanted"])) == (-1, 500)
    store.record_vote_wish("T1", "term:maas", "U1", "   ")
    assert {r["entry_id"]: r["wanted"] for r in vote_rows(engine)}["term:maas"] is None


def test_votes_need_the_user_key(engine, clock) -> None:
    with pytest.raises(ValueError, match="QUERY_LOG_SALT"):
        Store(engine, clock).record_vote("T1", "term:maas", "U1", 1)


def test_forgetting_a_person_deletes_their_votes(store: Store) -> None:
    store.record_vote("T1", "term:maas", "U1", -1)
    store.record_vote("T1", "term:maas", "U2", 1)
    store.record_vote("T2", "term:maas", "U1", -1)  # the same id in another workspace
    store.forget_user("T1", "U1")
    assert store.vote_counts("T1") == [VoteCount("term:maas", 1, 0)]
    assert store.vote_counts("T2") == [VoteCount("term:maas", 0, 1)]


def test_uninstalling_deletes_the_workspaces_votes_and_keeps_its_terms(store: Store) -> None:
    store.subscribe("T2", "C2", "U1", enterprise_id="E1")
    for team in ("T1", "T2", "T3"):
        store.record_vote(team, "term:maas", "U1", -1)
    store.log_queries([QueryRecord("T3", "U1", "q", "q", None, 1, "command", "channel", "E1")])
    approved = store.approve_suggestion(store.add_suggestion("T1", "U1", TERM, "teach"), "U9")

    store.forget_installation_queries(enterprise_id=None, team_id="T1")
    assert store.vote_counts("T1") == []
    assert store.approved_terms("T1") == [approved]  # kept until the data policy says otherwise
    # An org-wide uninstall: the workspaces its subscriptions and its questions name.
    store.forget_installation_queries(enterprise_id="E1", team_id=None)
    assert store.vote_counts("T2") == store.vote_counts("T3") == []

    store.record_vote("T4", "term:maas", "U1", 1)
    store.forget_installation_queries(enterprise_id=None, team_id=None)
    assert store.vote_counts("T4") == [VoteCount("term:maas", 1, 0)]


# -- suggestions ------------------------------------------------------------------------------


def test_a_suggestion_keeps_the_term_and_who_proposed_it(store: Store, clock) -> None:
    suggestion_id = store.add_suggestion("T1", "U1", TERM, "no_answer")
    assert store.suggestion(suggestion_id) == Suggestion(
        id=suggestion_id,
        team_id="T1",
        submitter="U1",
        term=TERM,
        origin="no_answer",
        status="pending",
        reviewer=None,
        reason=None,
        created_at=clock(),
        decided_at=None,
    )
    assert store.suggestion(suggestion_id + 1000) is None
    with pytest.raises(ValueError, match="origin"):
        store.add_suggestion("T1", "U1", TERM, "somewhere")


def test_the_review_queue_is_the_workspaces_pending_ones_oldest_first(store: Store, clock) -> None:
    ids = []
    for n in range(4):
        ids.append(store.add_suggestion("T1", "U1", TeamTerm(zh=f"词{n}", definition="d"), "teach"))
        clock.advance(minutes=1)
    other = store.add_suggestion("T2", "U1", TERM, "teach")
    store.reject_suggestion(ids[1], "U9", "重复")
    assert [s.id for s in store.pending_suggestions("T1")] == [ids[0], ids[2], ids[3]]
    assert [s.id for s in store.pending_suggestions("T1", limit=2)] == [ids[0], ids[2]]
    assert [s.id for s in store.pending_suggestions("T2")] == [other]


# -- approval, the overlay and its version --------------------------------------------------------


def test_approving_makes_the_term_live_and_bumps_only_that_workspaces_version(
    store: Store, clock
) -> None:
    clock.set(datetime(2026, 12, 1, 15, 30, tzinfo=UTC))
    suggestion_id = store.add_suggestion("T1", "U1", TERM, "teach")
    assert store.knowledge_versions() == {}
    approved = store.approve_suggestion(suggestion_id, "U_EDITOR")
    assert approved == ApprovedTerm(f"team:{suggestion_id}", TERM, "U_EDITOR", "2026-12-01")
    assert store.approved_terms("T1") == [approved]
    assert store.approved_terms("T2") == []
    assert store.knowledge_versions() == {"T1": 1}
    decided = store.suggestion(suggestion_id)
    assert (decided.status, decided.reviewer, decided.decided_at) == (
        "approved",
        "U_EDITOR",
        clock(),
    )
    store.approve_suggestion(store.add_suggestion("T2", "U1", TERM, "teach"), "U_EDITOR")
    assert store.knowledge_versions() == {"T1": 1, "T2": 1}


def test_edit_then_approve_makes_the_edited_term_live(store: Store) -> None:
    suggestion_id = store.add_suggestion("T1", "U1", TERM, "feedback")
    edited = TeamTerm(zh=TERM.zh, definition="编辑改过的解释。", theme="应用")
    approved = store.approve_suggestion(suggestion_id, "U9", edited)
    assert approved.term == edited
    assert [a.term for a in store.approved_terms("T1")] == [edited]
    assert store.suggestion(suggestion_id).term == edited  # the record shows what went live


def test_a_decided_suggestion_cannot_be_decided_again(store: Store) -> None:
    first = store.add_suggestion("T1", "U1", TERM, "teach")
    store.approve_suggestion(first, "U9")
    with pytest.raises(SuggestionDecided) as decided:
        store.approve_suggestion(first, "U8")
    assert (decided.value.suggestion.status, decided.value.suggestion.reviewer) == (
        "approved",
        "U9",
    )
    with pytest.raises(SuggestionDecided):
        store.reject_suggestion(first, "U8", "no")
    assert len(store.approved_terms("T1")) == 1
    assert store.knowledge_versions() == {"T1": 1}

    second = store.add_suggestion("T1", "U1", TERM, "teach")
    rejected = store.reject_suggestion(second, "U9", "  已经有了  ")
    assert (rejected.status, rejected.reviewer, rejected.reason) == ("rejected", "U9", "已经有了")
    with pytest.raises(SuggestionDecided):
        store.approve_suggestion(second, "U9")
    assert len(store.approved_terms("T1")) == 1  # a rejected suggestion never goes live
    assert store.knowledge_versions() == {"T1": 1}
    with pytest.raises(LookupError):
        store.approve_suggestion(second + 1000, "U9")


def test_a_correction_answers_as_the_entry_it_replaces_and_undo_restores(store: Store) -> None:
    first = store.approve_suggestion(store.add_suggestion("T1", "U1", CORRECTION, "correct"), "U9")
    assert first.key == "term:maas"
    better = TeamTerm(**{**CORRECTION.__dict__, "definition": "更好的解释。"})
    second = store.approve_suggestion(store.add_suggestion("T1", "U2", better, "correct"), "U9")
    # One live term per key: the later approval supersedes the earlier one.
    assert store.approved_terms("T1") == [second]
    assert store.knowledge_versions() == {"T1": 2}

    assert store.undo_team_term("T1", "term:maas", "U9") is True
    assert store.approved_terms("T1") == []
    assert store.knowledge_versions() == {"T1": 3}
    assert store.undo_team_term("T1", "term:maas", "U9") is False
    assert store.undo_team_term("T2", "term:maas", "U9") is False
    assert store.knowledge_versions() == {"T1": 3}


def test_terms_the_knowledge_file_now_holds_are_retired_once(store: Store) -> None:
    kept = store.approve_suggestion(store.add_suggestion("T1", "U1", TERM, "teach"), "U9")
    exported = store.approve_suggestion(store.add_suggestion("T1", "U1", CORRECTION, "teach"), "U9")
    store.retire_team_terms("T1", [exported.key])
    assert store.approved_terms("T1") == [kept]
    assert store.knowledge_versions() == {"T1": 3}
    # Every process finds the same ones after a rebuild: only the first changes anything.
    store.retire_team_terms("T1", [exported.key])
    store.retire_team_terms("T1", [])
    assert store.knowledge_versions() == {"T1": 3}


def test_approved_terms_come_in_approval_order(store: Store, clock) -> None:
    keys = []
    for n in range(3):
        suggestion_id = store.add_suggestion(
            "T1", "U1", TeamTerm(zh=f"词{n}", definition="d"), "teach"
        )
        keys.append(store.approve_suggestion(suggestion_id, "U9").key)
        clock.advance(seconds=1)
    assert [a.key for a in store.approved_terms("T1")] == keys


def _racing_stores(database_url: str, make_engine, count: int) -> list[Store]:
    return [
        Store(make_engine(database_url), lambda: datetime.now(UTC), user_key="k")
        for _ in range(count)
    ]


def _race(work: list) -> list[object]:
    barrier = threading.Barrier(len(work))
    results: list[object] = [None] * len(work)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work[i]()
        except Exception as error:  # collected and asserted by the caller
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_editors_approving_at_once_one_wins(store: Store, database_url: str) -> None:
    from bot.store import make_engine

    suggestion_id = store.add_suggestion("T1", "U1", TERM, "teach")
    racers = _racing_stores(database_url, make_engine, 4)
    results = _race(
        [
            lambda s=s, i=i: s.approve_suggestion(suggestion_id, f"U{i}")
            for i, s in enumerate(racers)
        ]
    )
    won = [r for r in results if isinstance(r, ApprovedTerm)]
    lost = [r for r in results if isinstance(r, SuggestionDecided)]
    assert (len(won), len(lost)) == (1, 3), results
    assert store.approved_terms("T1") == won
    assert store.knowledge_versions() == {"T1": 1}
    for racer in racers:
        racer.engine.dispose()


def test_approvals_at_once_in_a_new_workspace_count_every_one(
    store: Store, database_url: str
) -> None:
    from bot.store import make_engine

    ids = [
        store.add_suggestion("T9", "U1", TeamTerm(zh=f"词{n}", definition="d"), "teach")
        for n in range(4)
    ]
    racers = _racing_stores(database_url, make_engine, len(ids))
    results = _race(
        [lambda s=s, i=i: s.approve_suggestion(i, "U9") for s, i in zip(racers, ids, strict=True)]
    )
    assert all(isinstance(r, ApprovedTerm) for r in results), results
    assert len(store.approved_terms("T9")) == 4
    assert store.knowledge_versions() == {"T9": 4}  # the first row made once, bumped by the rest
    for racer in racers:
        racer.engine.dispose()
