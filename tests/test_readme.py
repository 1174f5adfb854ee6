"""Every `ask` command the README shows with its output prints exactly that output."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
# A ```sh block whose last command runs `bot ask`, followed by the ```text block it prints.
_EXAMPLE = re.compile(r"```sh\n(?P<command>[^`]*?)\n```\s*\n```text\n(?P<output>.*?)\n```", re.S)


def examples() -> list[tuple[str, str]]:
    found = []
    for match in _EXAMPLE.finditer(README.read_text(encoding="utf-8")):
        command = match["command"].strip().splitlines()[-1].split("&&")[-1].strip()
        if "-m bot ask" in command:
            found.append((command, match["output"]))
    return found


def test_the_readme_shows_its_examples_with_output() -> None:
    assert len(examples()) >= 4


@pytest.mark.parametrize(("command", "output"), examples())
def test_a_readme_example_prints_what_the_readme_shows(command: str, output: str) -> None:
    args = shlex.split(command)
    args = args[args.index("-m") :]  # ".venv/bin/python -m bot ask …" → this interpreter
    proc = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout.rstrip("\n") == output
