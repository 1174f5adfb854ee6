"""LiveKnowledge: each workspace's approved terms over the knowledge file, kept current by a
poll thread, and the knowledge file reloaded on a change or SIGHUP (issue 12). The store
tests run on SQLite and, with TEST_DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.live_knowledge import LiveKnowledge, install_reload_signal
from bot.store import Store
from knowledge import Knowledge
from knowledge.overlay import TeamTerm
from knowledge.paths import default_paths
from tests.e2e.deployment import eventually

NEW_TERM = TeamTerm(
    zh="提示词工程",
    en="Prompt Engineering",
    aliases=("写提示词",),
    definition="设计和优化给大模型的输入，让输出更符合预期。",
    theme="应用与场景",
)
QUESTION = "提示词工程是什么"
MAAS = "term:maas"


def answer_id(knowledge: Knowledge, question: str) -> str | None:
    result = knowledge.search(question)
    return result.answer.entry.id if result.answer is not None else None


def approve(store: Store, team: str, term: TeamTerm) -> str:
    return store.approve_suggestion(
        store.add_suggestion(team, "U_SUBMITTER", term, "teach"), "U_EDITOR"
    ).key


@pytest.fixture
def live(store: Store, knowledge: Knowledge) -> Iterator[LiveKnowledge]:
    holder = LiveKnowledge(None, store, base=knowledge, poll_seconds=0.05)
    yield holder
    holder.stop()


# -- approved terms -----------------------------------------------------------------------------


def test_an_approved_term_answers_in_its_workspace_within_a_poll(
    live: LiveKnowledge, store: Store
) -> None:
    assert answer_id(live.for_team("T1"), QUESTION) is None
    assert live.polling  # the first request started this process's poll thread
    key = approve(store, "T1", NEW_TERM)
    eventually(lambda: answer_id(live.for_team("T1"), QUESTION) == key, what="the term answering")
    entry = live.for_team("T1").get(key)
    assert (entry.approved_by, entry.text) == ("U_EDITOR", NEW_TERM.definition)
    # Another workspace, and requests with no workspace, keep the knowledge file alone.
    assert live.for_team("T2") is live.base
    assert live.for_team(None) is live.base
    assert answer_id(live.for_team("T2"), QUESTION) is None


def test_a_workspace_seen_first_after_the_approval_is_built_on_its_first_request(
    store: Store, knowledge: Knowledge
) -> None:
    key = approve(store, "T1", NEW_TERM)
    live = LiveKnowledge(None, store, base=knowledge, poll_seconds=3600)
    try:
        assert answer_id(live.for_team("T1"), QUESTION) == key
        assert live.for_team("T1") is live.for_team("T1")  # built once, then held
    finally:
        live.stop()


def test_a_correction_replaces_the_entry_and_undo_brings_the_built_in_back(
    store: Store, knowledge: Knowledge
) -> None:
    live = LiveKnowledge(None, store, base=knowledge, poll_seconds=3600)  # refreshed by hand
    built_in = knowledge.get(MAAS)
    correction = TeamTerm(
        zh=built_in.zh,
        en=built_in.en,
        abbr=built_in.abbr,
        definition="以 API 的方式提供训练好的模型，按调用量计费。",
        theme=built_in.theme,
        replaces=MAAS,
    )
    before = live.for_team("T1")
    assert approve(store, "T1", correction) == MAAS
    assert before is live.base  # nothing approved there yet: the file alone, nothing held
    assert live.refresh() is False  # the new version seen; T1 is built on its next request
    assert live.for_team("T1").get(MAAS).text == correction.definition
    assert answer_id(live.for_team("T1"), "什么是MaaS") == MAAS
    assert before.get(MAAS).text == built_in.text  # a request in flight keeps what it got

    assert store.undo_team_term("T1", MAAS, "U_EDITOR") is True
    assert live.refresh() is True
    assert live.for_team("T1").get(MAAS).text == built_in.text
    assert live.refresh() is False  # nothing changed since


def test_terms_the_knowledge_file_holds_are_retired_in_the_store(
    store: Store, knowledge: Knowledge
) -> None:
    built_in = knowledge.get(MAAS)
    exported = TeamTerm(
        zh=built_in.zh,
        en=built_in.en,
        abbr=built_in.abbr,
        definition=built_in.text,
        theme=built_in.theme,
    )
    approve(store, "T1", exported)  # approved, exported, and the rebuilt file has it now
    kept = approve(store, "T1", NEW_TERM)
    live = LiveKnowledge(None, store, base=knowledge, poll_seconds=3600)
    assert answer_id(live.for_team("T1"), QUESTION) == kept
    assert [a.key for a in store.approved_terms("T1")] == [kept]
    assert answer_id(live.for_team("T1"), "什么是MaaS") == MAAS  # answered once, by the file


def test_a_store_that_cannot_be_read_leaves_the_file_answering(
    store: Store, knowledge: Knowledge, caplog
) -> None:
    approve(store, "T1", NEW_TERM)
    live = LiveKnowledge(None, store, base=knowledge, poll_seconds=3600)
    with store.engine.begin() as conn:  # the tables are gone: every read fails
        conn.exec_driver_sql("DROP TABLE team_terms")
    with caplog.at_level(logging.ERROR, logger="bot.live_knowledge"):
        assert live.for_team("T1") is live.base
        assert live.for_team("T1") is live.base
        assert live.refresh() is False  # tried again: still failing, not said again
    failures = [r.getMessage() for r in caplog.records]
    assert len(failures) == 1, failures
    assert failures[0].startswith("could not build workspace T1's team terms")


# -- the knowledge file ---------------------------------------------------------------------------


@pytest.fixture
def knowledge_file(tmp_path: Path) -> Path:
    path = tmp_path / "aigc.json"
    shutil.copyfile(default_paths().knowledge_file, path)
    return path


def rewrite(path: Path, text_of_maas: str, *, keep_signature: bool = False) -> None:
    """A new knowledge file where term:maas says `text_of_maas`. `keep_signature`: the text
    swapped in place, padded with JSON whitespace to the same size, and the mtime put back, so
    only a reload that reads the file can notice."""
    if keep_signature:
        stat = path.stat()
        raw = path.read_text(encoding="utf-8")
        old = json.dumps(Knowledge.load(path).get(MAAS).text, ensure_ascii=False)
        new = json.dumps(text_of_maas, ensure_ascii=False)
        padding = len(old.encode()) - len(new.encode())
        assert old in raw and padding >= 0, "pick a text no longer in bytes than the old one"
        path.write_text(raw.replace(old, new + " " * padding, 1), encoding="utf-8")
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert (path.stat().st_size, path.stat().st_ino) == (stat.st_size, stat.st_ino)
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    for entry in data["entries"]:
        if entry["id"] == MAAS:
            entry["text"] = text_of_maas
    replacement = path.with_suffix(".new")
    replacement.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(replacement, path)  # how a deploy or a rebuild should write it: atomically


def test_a_rewritten_knowledge_file_is_picked_up_by_the_poll(knowledge_file: Path, caplog) -> None:
    live = LiveKnowledge(knowledge_file, None, poll_seconds=0.05)
    old = live.base
    try:
        with caplog.at_level(logging.INFO, logger="bot.live_knowledge"):
            assert live.for_team("T1") is old  # starts the poll thread
            rewrite(knowledge_file, "新的解释。")
            eventually(lambda: live.base.get(MAAS).text == "新的解释。", what="the reload")
            eventually(
                lambda: any("reloaded" in r.getMessage() for r in caplog.records), what="a log"
            )
        assert (
            old.get(MAAS).text != "新的解释。"
        )  # the old object is untouched for requests in flight
        assert live.for_team("T1") is live.base
    finally:
        live.stop()


def test_the_same_file_again_is_no_reload(knowledge_file: Path) -> None:
    live = LiveKnowledge(knowledge_file, None, poll_seconds=3600)
    old = live.base
    stat = knowledge_file.stat()
    os.utime(knowledge_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert live.refresh() is False
    assert live.base is old
    shutil.copyfile(default_paths().knowledge_file, knowledge_file.with_suffix(".copy"))
    os.replace(knowledge_file.with_suffix(".copy"), knowledge_file)  # a redeploy of the same
    assert live.refresh() is False
    assert live.base is old


def test_a_broken_file_is_refused_once_and_the_old_one_keeps_answering(
    knowledge_file: Path, caplog
) -> None:
    live = LiveKnowledge(knowledge_file, None, poll_seconds=3600)
    old = live.base
    knowledge_file.write_text('{"format": 1, "entries": [', encoding="utf-8")  # cut short
    with caplog.at_level(logging.ERROR, logger="bot.live_knowledge"):
        for _ in range(3):
            assert live.refresh() is False
    refused = [r.getMessage() for r in caplog.records]
    assert len(refused) == 1, refused
    assert "knowledge file refused" in refused[0] and "still answering" in refused[0]
    assert live.base is old and answer_id(live.base, "什么是MaaS") == MAAS
    knowledge_file.unlink()  # gone altogether: refused too, once
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="bot.live_knowledge"):
        assert live.refresh() is False
        assert live.refresh() is False
    assert len(caplog.records) == 1
    shutil.copyfile(default_paths().knowledge_file, knowledge_file)
    rewrite(knowledge_file, "修好了。")
    assert live.refresh() is True
    assert live.base.get(MAAS).text == "修好了。"


def test_a_reload_keeps_each_workspaces_terms(store: Store, knowledge_file: Path) -> None:
    live = LiveKnowledge(knowledge_file, store, poll_seconds=3600)
    key = approve(store, "T1", NEW_TERM)
    assert answer_id(live.for_team("T1"), QUESTION) == key
    rewrite(knowledge_file, "新的解释。")
    assert live.refresh() is True
    team = live.for_team("T1")
    assert answer_id(team, QUESTION) == key
    assert team.get(MAAS).text == "新的解释。"


def test_sighup_reloads_what_the_file_check_cannot_see(knowledge_file: Path) -> None:
    live = LiveKnowledge(knowledge_file, None, poll_seconds=3600)  # no check by itself
    previous = signal.getsignal(signal.SIGHUP)
    try:
        assert install_reload_signal() is True  # pytest runs tests in the main thread
        live.start()
        old_text = live.base.get(MAAS).text
        new_text = "热重载后的解释。"
        rewrite(knowledge_file, new_text, keep_signature=True)
        assert live.refresh() is False and live.base.get(MAAS).text == old_text
        os.kill(os.getpid(), signal.SIGHUP)
        eventually(lambda: live.base.get(MAAS).text == new_text, what="the SIGHUP reload")
    finally:
        signal.signal(signal.SIGHUP, previous)
        live.stop()


def test_the_signal_handler_is_installed_from_the_main_thread_only() -> None:
    import threading

    installed: list[bool] = []
    thread = threading.Thread(target=lambda: installed.append(install_reload_signal()))
    thread.start()
    thread.join()
    assert installed == [False]
