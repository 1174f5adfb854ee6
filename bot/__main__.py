"""One command line for the bot: `python -m bot ask|build ...`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from bot.terminal import render_result
from knowledge import Knowledge, KnowledgeFileError
from knowledge.build import build_command


def _ask(args: argparse.Namespace) -> int:
    try:
        knowledge = Knowledge.load(args.knowledge)
    except KnowledgeFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    queries: Iterable[str]
    if args.query == ["-"]:
        queries = (line.rstrip("\r\n") for line in sys.stdin)
    else:
        queries = [" ".join(args.query)]
    for query in queries:
        result = knowledge.search(query)
        if args.json:
            print(json.dumps(result.as_json(query), ensure_ascii=False), flush=True)
        else:
            print(render_result(result), flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="AIGC 知识助手")
    commands = parser.add_subparsers(dest="command", required=True)

    ask = commands.add_parser("ask", help="answer a question in the terminal (offline)")
    ask.add_argument("query", nargs="*", default=[""], help="the question; '-' reads one per line")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--knowledge", type=Path, default=None, help="knowledge file to use")
    ask.set_defaults(run=_ask)

    commands.add_parser("build", help="rebuild the knowledge file from seeds/ and the glossary")

    serve = commands.add_parser("serve", help="run the Slack app over HTTP (gunicorn, $PORT)")
    serve.set_defaults(run=lambda args: _slack("http"))
    socket = commands.add_parser("socket", help="run the Slack app in Socket Mode")
    socket.set_defaults(run=lambda args: _slack("socket"))
    return parser


def _slack(mode: str) -> int:
    from bot.server import main as run_slack  # Slack and gunicorn are only imported when used

    return run_slack(mode)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["build"]:
        return build_command(argv[1:], prog="python -m bot build")
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
