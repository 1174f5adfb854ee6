"""One command line for the bot: `python -m bot ask|build|serve|socket|clock|migrate|digest|forget|knowledge`."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

from bot.settings import environment_help
from bot.terminal import render_result
from knowledge import Knowledge, KnowledgeFileError


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

    # Its options are the knowledge library's own (`python -m bot build --help` shows them).
    build = commands.add_parser(
        "build", help="rebuild the knowledge file from seeds/ and the glossary", add_help=False
    )
    build.set_defaults(run=_build, passes_options=True)

    with_env = {"formatter_class": argparse.RawDescriptionHelpFormatter}
    serve = commands.add_parser(
        "serve",
        help="run the Slack app over HTTP (gunicorn, $PORT)",
        epilog=environment_help("http"),
        **with_env,
    )
    serve.set_defaults(run=lambda args: _slack("http"))
    socket = commands.add_parser(
        "socket",
        help="run the Slack app in Socket Mode",
        epilog=environment_help("socket"),
        **with_env,
    )
    socket.set_defaults(run=lambda args: _slack("socket"))
    clock = commands.add_parser(
        "clock",
        help="run only the digest scheduler (every minute, until SIGTERM)",
        epilog=environment_help("clock"),
        **with_env,
    )
    clock.set_defaults(run=lambda args: _slack("clock"))

    migrate = commands.add_parser(
        "migrate",
        help="apply the database migrations (DATABASE_URL) and print the revision",
        epilog="environment variables:\n  DATABASE_URL  SQLAlchemy URL (default: a per-user SQLite file)",
        **with_env,
    )
    migrate.set_defaults(run=_migrate)

    digest = commands.add_parser(
        "digest",
        help="the daily digest: preview it, or post what is due",
        epilog="--preview reads DATABASE_URL only; --run-due reads what `clock` reads.\n\n"
        + environment_help("clock"),
        **with_env,
    )
    what = digest.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--preview", action="store_true", help="print a channel's digest (offline, no Slack)"
    )
    what.add_argument(
        "--run-due", action="store_true", help="post the digests that are due now, then exit"
    )
    digest.add_argument("--date", type=_date, default=None, help="YYYY-MM-DD (default: today)")
    digest.add_argument("--channel", default="preview", help="channel id (its rotation)")
    digest.add_argument("--team", default=None, help="team id (default: the channel's)")
    digest.add_argument("--knowledge", type=Path, default=None, help="knowledge file to use")
    digest.set_defaults(run=_digest)

    forget = commands.add_parser(
        "forget",
        help="delete every question one person asked from the query log",
        epilog="environment variables:\n"
        "  DATABASE_URL    SQLAlchemy URL (default: a per-user SQLite file)\n"
        "  QUERY_LOG_SALT  the key the app runs with (default: the one generated on this machine)",
        **with_env,
    )
    forget.add_argument("--team", required=True, help="the workspace's team id (T…)")
    forget.add_argument("--user", required=True, help="the person's user id (U… or W…)")
    forget.set_defaults(run=_forget)

    knowledge = commands.add_parser("knowledge", help="the team's approved terms: export them")
    knowledge_commands = knowledge.add_subparsers(dest="knowledge_command", required=True)
    export = knowledge_commands.add_parser(
        "export",
        help="write a workspace's approved terms as glossary.toml entries",
        description="Write the terms editors approved in Slack as glossary.toml [[term]] "
        "tables (stable order, a comment with who approved each and when), to stdout or merged "
        "into a glossary file. Commit it, run `python -m bot build` and deploy: the running "
        "processes then retire the overlay terms the rebuilt knowledge file holds.",
        epilog="environment variables:\n"
        "  DATABASE_URL    SQLAlchemy URL (default: a per-user SQLite file)\n"
        "  KNOWLEDGE_FILE  the knowledge file the terms were approved against "
        "(default knowledge/aigc.json)",
        **with_env,
    )
    export.add_argument(
        "--team", default=None, help="the workspace's team id (T…); default: the only one"
    )
    export.add_argument(
        "--into",
        type=Path,
        default=None,
        help="merge into this glossary file (e.g. knowledge/glossary.toml): corrections "
        "replace the built-in term's table, new terms are appended",
    )
    export.add_argument("--knowledge", type=Path, default=None, help="knowledge file to use")
    export.set_defaults(run=_export_knowledge)
    return parser


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD") from None


def _build(args: argparse.Namespace) -> int:
    from knowledge.build import build_command

    return build_command(args.options, prog="python -m bot build")


def _slack(mode: str) -> int:
    from bot.server import main as run_slack  # Slack and gunicorn are only imported when used

    return run_slack(mode)


def _migrate(args: argparse.Namespace) -> int:
    from bot.store import StoreError, make_engine, migrate

    try:
        engine = make_engine(os.environ.get("DATABASE_URL"))
        revision = migrate(engine)
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"database {engine.url.render_as_string(hide_password=True)} is at revision {revision}")
    engine.dispose()
    return 0


def _digest(args: argparse.Namespace) -> int:
    if args.run_due:
        return _run_due()
    return _preview_digest(args)


def _run_due() -> int:
    """`digest --run-due`: post what is due now, print what happened, exit."""
    from bot.runtime import digest_tick, start

    runtime = start("clock", command="python -m bot digest --run-due")
    if isinstance(runtime, int):
        return runtime
    report = digest_tick(runtime)(lambda: False)
    print(f"digests: {report}")
    for team, channel, reason in report.paused:
        print(f"  paused {team}/{channel}: {reason}")
    for team, channel, reason in report.released:
        print(f"  not posted yet {team}/{channel}: {reason} (retried on the next run)")
    return 0


def _preview_digest(args: argparse.Namespace) -> int:
    """The digest as the channel would get it, from the store's history when there is one."""
    from bot.digest import DEFAULT_TIMEZONE, compose_digest, local_today
    from bot.store import (
        Store,
        StoreError,
        current_revision,
        default_database_path,
        head_revision,
        make_engine,
    )

    try:
        knowledge = Knowledge.load(args.knowledge)
    except KnowledgeFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    url = os.environ.get("DATABASE_URL", "").strip() or None
    store = None
    if url or default_database_path().exists():  # never create a database just to preview
        try:
            engine = make_engine(url)
            if current_revision(engine) == head_revision():
                store = Store(engine, lambda: datetime.now(UTC))
            else:
                print("note: database not migrated; previewing without history", file=sys.stderr)
        except StoreError as error:
            print(f"note: {error}; previewing without history", file=sys.stderr)
    team, sub = args.team or "", None
    if store is not None:
        subs = store.channel_subscriptions(args.channel)
        sub = next((s for s in subs if not args.team or s.team_id == args.team), None)
        if sub is not None:
            team = sub.team_id
    day = args.date or local_today(datetime.now(UTC), sub.timezone if sub else DEFAULT_TIMEZONE)
    digest = compose_digest(store, knowledge, team, args.channel, day, subscription=sub)
    print(digest.terminal(), end="")
    return 0


_TEAM_ID = re.compile(r"[TE][A-Z0-9]{1,31}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{1,31}")


def _forget(args: argparse.Namespace) -> int:
    """`forget --team T… --user U…`: delete one person's questions. The log keeps only keyed
    hashes of user ids, so the id is hashed with the same key to find them."""
    from bot.settings import local_salt_path, read_local_salt
    from bot.store import Store, StoreError, default_database_path, make_engine, migrate

    team, user = args.team.strip(), args.user.strip()
    if not _TEAM_ID.fullmatch(team):
        print(f"error: {team!r} is not a Slack team id (T… in capitals)", file=sys.stderr)
        return 2
    if not _USER_ID.fullmatch(user):
        print(f"error: {user!r} is not a Slack user id (U… or W… in capitals)", file=sys.stderr)
        return 2
    url = os.environ.get("DATABASE_URL", "").strip() or None
    key = os.environ.get("QUERY_LOG_SALT", "").strip() or read_local_salt()
    if key is None:
        print(
            "error: QUERY_LOG_SALT is not set and no key was generated on this machine "
            f"({local_salt_path()}); set QUERY_LOG_SALT to the key the app runs with",
            file=sys.stderr,
        )
        return 2
    if url is None and not default_database_path().exists():
        print(f"no database at {default_database_path()}: nothing stored, nothing deleted")
        return 0
    try:
        engine = make_engine(url)
        migrate(engine)
        deleted = Store(engine, lambda: datetime.now(UTC), user_key=key).forget_user(team, user)
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    engine.dispose()
    if deleted:
        print(f"deleted {deleted} question(s) asked by {user} in {team}")
    else:
        print(f"no questions asked by {user} in {team} are in the query log; nothing deleted")
    return 0


def _export_knowledge(args: argparse.Namespace) -> int:
    """`knowledge export [--team T…] [--into glossary.toml]`: the approved team terms as
    glossary entries, on stdout or merged into the file; every failure one line, exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store import (
        Store,
        StoreError,
        current_revision,
        default_database_path,
        head_revision,
        make_engine,
    )
    from knowledge.overlay import export_glossary, merge_glossary

    def fail(message: str) -> int:
        print(f"error: knowledge export: {message}", file=sys.stderr)
        return 2

    team = (args.team or "").strip()
    if team and not _TEAM_ID.fullmatch(team):
        return fail(f"{team!r} is not a Slack team id (T… in capitals)")
    url = os.environ.get("DATABASE_URL", "").strip() or None
    if url is None and not default_database_path().exists():
        return fail(
            f"no database at {default_database_path()}: set DATABASE_URL to the database the "
            "app runs with"
        )
    try:
        knowledge = Knowledge.load(args.knowledge or _knowledge_file_from_env())
    except KnowledgeFileError as error:
        return fail(str(error))
    try:
        engine = make_engine(url)
        if current_revision(engine) is None:
            return fail(
                f"the database {engine.url.render_as_string(hide_password=True)} has no tables; "
                "is DATABASE_URL the one the app runs with?"
            )
        if current_revision(engine) != head_revision():
            return fail("the database is not migrated: run `python -m bot migrate` first")
        store = Store(engine, lambda: datetime.now(UTC))
        teams = {t: store.approved_terms(t) for t in sorted(store.knowledge_versions())}
        engine.dispose()
    except StoreError as error:
        return fail(str(error))
    except SQLAlchemyError as error:  # unreachable, refused, not this app's tables
        return fail(f"cannot read the database ({type(error).__name__}: {error.args[0]})")
    teams = {t: terms for t, terms in teams.items() if terms}
    if not team:
        if not teams:
            return fail("no workspace has approved terms yet; nothing to export")
        if len(teams) > 1:
            listed = ", ".join(f"{t} ({len(terms)})" for t, terms in teams.items())
            return fail(f"approved terms in several workspaces, choose one with --team: {listed}")
        (team,) = teams
    elif team not in teams:
        known = ", ".join(teams) or "none"
        return fail(f"no approved terms in {team} (workspaces with approved terms: {known})")
    approved = teams[team]
    exported = export_glossary(approved, knowledge)
    count = exported.count("[[term]]")
    corrections = exported.count("# corrects term '")
    if args.into is None:
        sys.stdout.write(exported)
    else:
        try:
            current = args.into.read_text(encoding="utf-8")
        except OSError as error:
            return fail(f"cannot read {args.into} ({error.strerror or error})")
        merged = merge_glossary(current, approved, knowledge)
        temporary = args.into.with_name(f".{args.into.name}.{os.getpid()}.tmp")
        try:  # whole or not at all: a glossary cut short would not build
            temporary.write_text(merged, encoding="utf-8")
            os.replace(temporary, args.into)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            return fail(f"cannot write {args.into} ({error.strerror or error})")
    where = "stdout" if args.into is None else str(args.into)
    already = len(approved) - count
    note = f"; {already} already in the knowledge file" if already else ""
    print(
        f"exported {count} term(s) of {team} ({corrections} correction(s)) to {where}{note}"
        + ("; next: review, commit, `python -m bot build`, deploy" if count else ""),
        file=sys.stderr,
    )
    return 0


def _knowledge_file_from_env() -> Path | None:
    value = os.environ.get("KNOWLEDGE_FILE", "").strip()
    return Path(value) if value else None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args, options = parser.parse_known_args(argv)
    if options and not getattr(args, "passes_options", False):
        parser.error(f"unrecognized arguments: {' '.join(options)}")
    args.options = options
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
