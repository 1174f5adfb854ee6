"""`python -m bot knowledge export`: approved team terms back to glossary.toml, and after a
rebuild with them the overlay rows retired with no duplicate answers (issue 12, item 5). On
SQLite and, with TEST_DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.__main__ import main
from bot.live_knowledge import LiveKnowledge
from bot.store import Store, TeamTermRow, default_database_path, make_engine
from knowledge import Knowledge
from knowledge.overlay import TeamTerm
from knowledge.paths import default_paths

TEAM = "T0TEAM0001"
NEW_TERM = TeamTerm(
    zh="提示词工程",
    en="Prompt Engineering",
    aliases=("写提示词",),
    definition="设计和优化给大模型的输入，让输出更符合预期。",
    theme="应用与场景",
)
MAAS = "term:maas"
CORRECTED = "以 API 的方式提供训练好的大模型，企业按调用量付费，不必自己训练和部署。"


@pytest.fixture
def db(database_url: str, store: Store, monkeypatch) -> Store:
    """The test's store, and DATABASE_URL naming the same database for the command."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("KNOWLEDGE_FILE", raising=False)
    return store


def approve(store: Store, team: str, term: TeamTerm, editor: str = "U0EDITOR01") -> str:
    suggestion = store.add_suggestion(team, "U0ASKER001", term, "teach")
    return store.approve_suggestion(suggestion, editor).key


def correction_of_maas(knowledge: Knowledge) -> TeamTerm:
    maas = knowledge.get(MAAS)
    return TeamTerm(
        zh=maas.zh,
        en=maas.en,
        abbr=maas.abbr,
        definition=CORRECTED,
        theme=maas.theme,
        replaces=MAAS,
    )


def export(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["knowledge", "export", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_export_prints_the_approved_terms_as_glossary_entries_in_a_stable_order(
    db: Store, knowledge: Knowledge, capsys
) -> None:
    new_key = approve(db, TEAM, NEW_TERM)
    approve(db, TEAM, correction_of_maas(knowledge), editor="U0EDITOR02")
    code, out, err = export(capsys)
    assert code == 0
    assert err.startswith(f"exported 2 term(s) of {TEAM} (1 correction(s)) to stdout")
    terms = tomllib.loads(out)["term"]
    by_id = {t["id"]: t for t in terms}
    assert set(by_id) == {"maas", "prompt-engineering"}
    assert by_id["maas"]["definition"] == CORRECTED
    assert by_id["prompt-engineering"]["zh"] == "提示词工程"
    assert by_id["prompt-engineering"]["aliases"] == ["写提示词"]
    day = db.now().date().isoformat()
    assert f"# 团队补充 · approved by U0EDITOR01 on {day}" in out
    assert f"# 团队补充 · approved by U0EDITOR02 on {day}" in out
    assert new_key.startswith("team:")
    assert export(capsys)[1] == out  # stable: the same text every time


def test_export_into_the_glossary_then_a_rebuild_retires_the_overlay_rows(
    db: Store, knowledge: Knowledge, tmp_path: Path, capsys
) -> None:
    new_key = approve(db, TEAM, NEW_TERM)
    approve(db, TEAM, correction_of_maas(knowledge))
    glossary = tmp_path / "glossary.toml"
    shutil.copyfile(default_paths().glossary, glossary)
    code, _, err = export(capsys, "--team", TEAM, "--into", str(glossary))
    assert code == 0 and f"to {glossary}" in err
    merged = tomllib.loads(glossary.read_text(encoding="utf-8"))["term"]
    ids = [t["id"] for t in merged]
    assert ids.count("maas") == 1  # the correction replaced the built-in table
    assert next(t for t in merged if t["id"] == "maas")["definition"] == CORRECTED
    assert "prompt-engineering" in ids

    rebuilt = tmp_path / "aigc.json"
    assert main(["build", "--glossary", str(glossary), "--out", str(rebuilt)]) == 0
    capsys.readouterr()
    live = LiveKnowledge(rebuilt, db, poll_seconds=3600)
    try:
        team_knowledge = live.for_team(TEAM)
        answer = team_knowledge.search("提示词工程是什么").answer
        assert answer is not None and answer.entry.id == "term:prompt-engineering"
        assert team_knowledge.get(new_key) is None  # the overlay entry is not answered twice
        named = [e for e in team_knowledge.terms() if e.zh == "提示词工程"]
        assert len(named) == 1
        maas = team_knowledge.get(MAAS)
        assert maas.text == CORRECTED and not maas.approved_by  # the file's own entry now
    finally:
        live.stop()
    assert db.approved_terms(TEAM) == []
    with Session(db.engine) as session:
        reasons = session.scalars(select(TeamTermRow.retired_reason)).all()
    assert sorted(reasons) == ["in_knowledge_file", "in_knowledge_file"]
    # Nothing is left to export.
    code, _, err = export(capsys)
    assert code == 2 and "no workspace has approved terms" in err


def test_several_workspaces_need_a_team_and_an_unknown_one_is_named(db: Store, capsys) -> None:
    approve(db, TEAM, NEW_TERM)
    approve(db, "T0OTHER002", NEW_TERM)
    code, out, err = export(capsys)
    assert (code, out) == (2, "")
    assert err == (
        "error: knowledge export: approved terms in several workspaces, choose one with --team: "
        "T0OTHER002 (1), T0TEAM0001 (1)\n"
    )
    code, _, err = export(capsys, "--team", "T0NOBODY03")
    assert code == 2
    assert err == (
        "error: knowledge export: no approved terms in T0NOBODY03 (workspaces with approved "
        "terms: T0OTHER002, T0TEAM0001)\n"
    )
    code, _, err = export(capsys, "--team", "general")
    assert code == 2 and "'general' is not a Slack team id" in err
    assert export(capsys, "--team", "T0OTHER002")[0] == 0


def test_no_approved_terms_is_an_error(db: Store, capsys) -> None:
    code, out, err = export(capsys)
    assert (code, out) == (2, "")
    assert (
        err == "error: knowledge export: no workspace has approved terms yet; nothing to export\n"
    )


def test_a_glossary_that_cannot_be_read_or_written_is_one_line(
    db: Store, tmp_path: Path, capsys
) -> None:
    approve(db, TEAM, NEW_TERM)
    code, _, err = export(capsys, "--into", str(tmp_path / "missing.toml"))
    assert code == 2
    assert err.startswith("error: knowledge export: cannot read ") and err.count("\n") == 1
    if not Path("/proc/version").is_file():
        pytest.skip("needs a file in a folder nobody can write to (/proc)")
    code, _, err = export(capsys, "--into", "/proc/version")  # readable, its folder is not
    assert code == 2
    assert err.startswith("error: knowledge export: cannot write /proc/version")
    assert err.count("\n") == 1


def test_without_a_database_it_says_where_it_looked(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))  # where the default database would be
    expected = default_database_path()
    assert expected.is_relative_to(tmp_path) and not expected.exists()
    code, _, err = export(capsys)
    assert code == 2
    assert err == (
        f"error: knowledge export: no database at {expected}: set DATABASE_URL to "
        "the database the app runs with\n"
    )
    assert not expected.exists()  # never created just to look


def test_an_unmigrated_database_is_refused(tmp_path: Path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    make_engine(url).dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    code, _, err = export(capsys)
    assert code == 2
    assert err.startswith("error: knowledge export: the database ") and "has no tables" in err
