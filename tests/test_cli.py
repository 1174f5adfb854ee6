"""The command line: `python -m bot ask`, `python -m bot build`, and what `--help` says."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.settings import VARIABLES


def test_ask_prints_a_readable_answer(capsys) -> None:
    assert main(["ask", "什么是MaaS"]) == 0
    out = capsys.readouterr().out
    assert "模型即服务" in out
    assert "来源" in out and "glossary.toml" in out
    assert "相关内容" in out


def test_ask_json_follows_the_contract(capsys) -> None:
    assert main(["ask", "--json", "什么是MaaS"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["query"] == "什么是MaaS"
    assert set(row["answer"]) >= {"id", "kind", "title", "text", "source", "score"}
    assert all(set(a) >= {"id", "kind", "title", "score"} for a in row["alternatives"])


def test_ask_no_answer_is_friendly(capsys) -> None:
    assert main(["ask", "今天天气怎么样"]) == 0
    assert "没有找到" in capsys.readouterr().out


def test_ask_english_no_answer_is_in_english(capsys) -> None:
    assert main(["ask", "how do I reset my password"]) == 0
    assert "Sorry" in capsys.readouterr().out


def test_ask_without_a_question_shows_usage(capsys) -> None:
    assert main(["ask"]) == 0
    assert "例如" in capsys.readouterr().out


def test_ask_with_a_broken_knowledge_file_exits_2_with_the_fix(tmp_path: Path, capsys) -> None:
    broken = tmp_path / "aigc.json"
    broken.write_text("{", encoding="utf-8")
    assert main(["ask", "--knowledge", str(broken), "MaaS"]) == 2
    err = capsys.readouterr().err
    assert str(broken) in err and "python -m bot build" in err


def test_batch_mode_answers_line_by_line_in_order() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "-"],
        input="什么是MaaS\n\n今天天气怎么样\nsynthetic data\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["query"] for r in rows] == ["什么是MaaS", "", "今天天气怎么样", "synthetic data"]
    assert [r["answer"] is not None for r in rows] == [True, False, False, True]


def test_knowledge_module_builds_too(tmp_path: Path) -> None:
    out = tmp_path / "k.json"
    proc = subprocess.run(
        [sys.executable, "-m", "knowledge", "build", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["format"] == 1


def test_bot_build_passes_its_options_to_the_knowledge_build(tmp_path: Path) -> None:
    out = tmp_path / "k.json"
    assert main(["build", "--out", str(out)]) == 0
    assert main(["build", "--out", str(out), "--check"]) == 0


@pytest.mark.parametrize("command", ["serve", "socket", "clock", "digest"])
def test_help_lists_every_environment_variable_the_process_reads(command, capsys) -> None:
    mode = {"serve": "http", "digest": "clock"}.get(command, command)
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    for variable in VARIABLES:  # as a word: PORT is inside KNOWLEDGE_REPORT_AT
        listed = re.search(rf"(?<![A-Z_]){variable.name}(?![A-Z_])", out) is not None
        assert listed == (mode in variable.modes), variable.name


def test_unknown_options_are_refused_outside_build(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["ask", "--bogus"])
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_ask_shows_a_best_match_with_its_note(capsys) -> None:
    from bot import messages as m

    assert main(["ask", "CLIP 到底有啥用啊 老看到有人提"]) == 0
    out = capsys.readouterr().out
    assert m.BEST_MATCH_NOTE["zh"] in out
    assert "CLIP" in out
    assert main(["ask", "--json", "CLIP 到底有啥用啊 老看到有人提"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["status"] == "best_match"
    assert "CLIP" in row["answer"]["title"] + row["answer"]["text"]
