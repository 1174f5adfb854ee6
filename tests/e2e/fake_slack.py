"""A local stand-in for Slack: the Web API and response_url endpoints on 127.0.0.1, refusing
what Slack refuses.

Every call is recorded with what it was answered (`outcome`: "ok", Slack's error code, or
"closed"), so tests can count what Slack actually accepted (`delivered()`). Tests wait for calls
with a deadline (a condition variable, never a sleep).

What it enforces, as Slack documents it (checked against Slack's method reference pages: error
lists of chat.postMessage, chat.postEphemeral, views.publish, conversations.info):

- **Scopes.** The bot token has the bot scopes of the repository's `manifest.json` (read once;
  `FakeSlack(scopes=...)` for an install that granted fewer). A method of `METHOD_SCOPES` called
  without one of its scopes answers `missing_scope` with `needed` and `provided`, like Slack.
- **Block Kit.** The blocks of every message (chat.postMessage, chat.postEphemeral, a
  response_url body, a slash command's acknowledgement shown with `show_ack`) and of every
  views.publish view are parsed with slack_sdk's block models and their own validators, plus the
  documented limits those leave out: 50 blocks a message, 100 a home view, text objects of 1 to
  3,000 characters, unique block ids in a message and unique action ids in a block, no field the
  models do not know. A message that fails answers `invalid_blocks`; a view `invalid_arguments`
  with `response_metadata.messages`.
- **Conversations** declared with `add_conversation()` (public or private channel, im, mpim):
  a private channel, group DM or DM the bot is not in answers `channel_not_found` (Slack does not
  reveal a private conversation to a non-member; a 1:1 DM between two people never has the bot);
  a public channel without the bot `not_in_channel`, unless the token has `chat:write.public`;
  `is_archived`; a read-only channel `restricted_action_read_only_channel`; an ephemeral for a
  user who is not a member `user_not_in_channel`. `conversations.info` answers from the same
  model. **A conversation that was never declared keeps the permissive behaviour** (posts are
  accepted, `conversations.info` answers `{"ok": true}`), so tests that do not care about
  membership keep working.
- **response_url** (`response_url(name, ...)` issues one): 5 uses within 30 minutes of issue
  (`advance()` moves the stand-in's clock, no sleeping), then HTTP 404 with a plain-text body,
  `used_url` or `expired_url`; a body with neither text nor blocks 400 `no_text`; bad blocks 400
  `invalid_blocks`; success is 200 `ok` in plain text, as Slack's hooks answer. (Slack documents
  the limits; the exact error words of an expired or used URL are not in its reference pages,
  so the app must only rely on the status.)

What people see is kept too (`seen_by()`): messages posted, ephemerals and response_url
answers; `replace_original` / `delete_original` act on the message a button was pressed in
(`response_url(..., source=...)`), and never on a slash command's acknowledgement, which Slack
cannot replace through the command's response_url (the answer comes as a second message;
slackapi/bolt-python#1268, slackapi/bolt-js#2287).

**Modals** (views.open, views.push, views.update): each person has a stack of at most 3 views
(`push_limit_reached` past it). views.open and views.push need a trigger id the stand-in issued
with `trigger()` (`FakeSlack.trigger` plays Slack giving one to an interaction): unknown
`invalid_trigger_id`, older than 3 seconds `expired_trigger_id`, used before
`exchanged_trigger_id`. A view is checked with slack_sdk's View model and the rules it leaves
out: type modal, a title, `submit` when there is an input block, at most 100 blocks, block
ids unique, option lists within Slack's limits (invalid_arguments with the reasons). views.update
takes `view_id` or `external_id` (`not_found` otherwise) and a `hash` that must be the view's
current one (`hash_conflict`). `view_submission()` builds the payload Slack sends when the person
submits their top view (refusing what Slack's client would not submit: a required input left
empty, text over its max_length, an option the view does not offer); `apply_view_ack()` takes the
app's answer to it as Slack does (close, `clear`, `update`, `push`, or `errors` keyed by the
block ids of input blocks, which stay open). `press_in_view()` builds a button press in a
person's Home or modal. views.publish keeps each person's Home (`home_of()`).

**User groups** declared with `add_usergroup()`: `usergroups.list` and
`usergroups.users.list` (GET, as slack_sdk sends them) need `usergroups:read`; an unknown group
answers `no_such_subteam`.

Faults on top: `fail()` answers `{"ok": false, "error": ...}` for a method (optionally one
channel); `script()` queues one-off answers per method: a 429 with Retry-After, a 500/503, an
`ok: false` error, a hang past the client's timeout (`hang=`, cut short by `release()`), or a
connection closed without an answer (`close=True`).

Also: serving a WSGI app on loopback in a thread, and sending requests signed the way Slack
signs them.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from slack_sdk.signature import SignatureVerifier

BOT_USER = "U0BOTUSER1"
TEAM = "T0TEAM0001"
MANIFEST = Path(__file__).resolve().parents[2] / "manifest.json"

# Slack's documented limits (Block Kit reference; "Handling user interaction" for response_url).
MAX_MESSAGE_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_MODAL_BLOCKS = 100
MAX_VIEW_STACK = 3
TRIGGER_LIFETIME = 3.0  # seconds a trigger_id can open or push a view
MAX_TEXT_OBJECT = 3000
RESPONSE_URL_USES = 5
RESPONSE_URL_LIFETIME = 30 * 60  # seconds

# Bot scopes each method needs (any one of them), from the "Required scopes" of Slack's method
# reference pages. conversations.* need the read scope of the conversation's kind, below.
# A method not listed here is answered without a scope check.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "oauth.v2.access": (),
    "views.publish": (),
    "views.open": (),
    "views.push": (),
    "views.update": (),
    "usergroups.list": ("usergroups:read",),
    "usergroups.users.list": ("usergroups:read",),
    "chat.postMessage": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.delete": ("chat:write",),
    "chat.scheduleMessage": ("chat:write",),
    "conversations.info": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "conversations.members": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "conversations.open": ("channels:manage", "groups:write", "im:write", "mpim:write"),
    "conversations.join": ("channels:join",),
    "users.info": ("users:read",),
    "team.info": ("team:read",),
}
READ_SCOPE = {
    "public": "channels:read",
    "private": "groups:read",
    "im": "im:read",
    "mpim": "mpim:read",
}
KINDS = frozenset(READ_SCOPE)


@cache
def manifest_bot_scopes() -> frozenset[str]:
    """The bot scopes manifest.json asks for: what an install of this app grants its token."""
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return frozenset(manifest["oauth_config"]["scopes"]["bot"])


# --- Block Kit -----------------------------------------------------------------------------------


def _text_object_errors(node: Any, where: str) -> Iterable[str]:
    """Text objects anywhere in a block: 1 to 3,000 characters (Block Kit's text object)."""
    if isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn") and "text" in node:
            size = len(node["text"]) if isinstance(node["text"], str) else -1
            if not 1 <= size <= MAX_TEXT_OBJECT:
                yield f"{where}: a text object must have 1 to {MAX_TEXT_OBJECT} characters"
        for key, value in node.items():
            yield from _text_object_errors(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _text_object_errors(value, f"{where}/{i}")


def _empty_option_lists(node: Any, where: str) -> Iterable[str]:
    """A select's options or an option group's options: at least one (Block Kit's element
    reference; slack_sdk only checks the upper limits)."""
    if isinstance(node, dict):
        for key in ("options", "option_groups"):
            if key in node and isinstance(node[key], list) and not node[key]:
                yield f"{where}/{key}: must not be empty"
        for key, value in node.items():
            yield from _empty_option_lists(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _empty_option_lists(value, f"{where}/{i}")


def _unknown_fields(given: Any, known: Any, where: str) -> Iterable[str]:
    """Fields of `given` that slack_sdk's models dropped: Slack refuses fields it does not know."""
    if isinstance(given, dict) and isinstance(known, dict):
        for key, value in given.items():
            if value is None:
                continue
            if key not in known:
                yield f"{where}: unknown field {key!r}"
            else:
                yield from _unknown_fields(value, known[key], f"{where}/{key}")
    elif isinstance(given, list) and isinstance(known, list) and len(given) == len(known):
        for i, (a, b) in enumerate(zip(given, known, strict=True)):
            yield from _unknown_fields(a, b, f"{where}/{i}")


def block_kit_errors(blocks: Any, max_blocks: int = MAX_MESSAGE_BLOCKS) -> list[str]:
    """Why Slack would refuse these blocks (empty: it would take them)."""
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return ["blocks is not valid JSON"]
    if not isinstance(blocks, list):
        return ["blocks must be an array"]
    errors = []
    if len(blocks) > max_blocks:
        errors.append(f"{len(blocks)} blocks; at most {max_blocks}")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"/{i}"
        if not isinstance(block, dict):
            errors.append(f"{where}: a block must be an object")
            continue
        try:
            model = Block.parse(block)
            shape = model.to_dict() if model is not None else None
        except (SlackObjectFormationError, TypeError, ValueError, AttributeError) as error:
            errors.append(f"{where}: {error}")
            continue
        if shape is None:
            errors.append(f"{where}: unknown block type {block.get('type')!r}")
            continue
        errors.extend(_unknown_fields(block, shape, where))
        errors.extend(_text_object_errors(block, where))
        errors.extend(_empty_option_lists(block, where))
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in block_ids:
                errors.append(f"{where}: block_id {block_id!r} is not unique in the message")
            block_ids.add(block_id)
        action_ids = [
            e.get("action_id") for e in block.get("elements") or [] if isinstance(e, dict)
        ]
        action_ids = [a for a in action_ids if a is not None]
        if len(action_ids) != len(set(action_ids)):
            errors.append(f"{where}: action ids must be unique in a block")
    return errors


def _view_object(view: Any) -> dict | str:
    """The view as Slack reads it (an object, or JSON text of one), else why it is refused."""
    if isinstance(view, str):
        try:
            view = json.loads(view)
        except ValueError:
            return "view is not valid JSON"
    return view if isinstance(view, dict) else "view must be an object"


def view_errors(view: Any) -> list[str]:
    """Why views.publish would refuse this view (slack_sdk's View model and its blocks)."""
    view = _view_object(view)
    if isinstance(view, str):
        return [view]
    if view.get("type") != "home":
        return ["views.publish takes a home view"]
    try:
        View(**view).to_dict()
    except (SlackObjectFormationError, TypeError, ValueError) as error:
        return [str(error)]
    return block_kit_errors(view.get("blocks") or [], MAX_HOME_BLOCKS)


def _input_blocks(view: dict) -> list[dict]:
    return [b for b in view.get("blocks") or [] if isinstance(b, dict) and b.get("type") == "input"]


def modal_errors(view: Any) -> list[str]:
    """Why views.open / views.push / views.update would refuse this view."""
    view = _view_object(view)
    if isinstance(view, str):
        return [view]
    if view.get("type") != "modal":
        return ["a modal's type must be modal"]
    errors = []
    if not (view.get("title") or {}).get("text"):
        errors.append("a modal needs a title")
    if _input_blocks(view) and not view.get("submit"):
        errors.append("must define submit to use an input block in modals")
    for key in ("title", "submit", "close"):
        if view.get(key) is not None and (view[key] or {}).get("type") != "plain_text":
            errors.append(f"{key} must be a plain_text object")
    try:
        View(**view).to_dict()
    except (SlackObjectFormationError, TypeError, ValueError) as error:
        errors.append(str(error))
    return errors + block_kit_errors(view.get("blocks") or [], MAX_MODAL_BLOCKS)


# --- the model -----------------------------------------------------------------------------------


@dataclass
class OpenView:
    """A view a person has open (a modal in their stack, or their Home)."""

    id: str
    user: str
    view: dict
    hash: str
    errors: dict = field(default_factory=dict)  # the last `errors` response_action


@dataclass(frozen=True)
class Scripted:
    """A one-off answer: HTTP status, body (a dict goes as JSON, a str as plain text like a
    response_url's; None: the usual answer) and headers; `hang` seconds of waiting first (ended
    early by `FakeSlack.release()`); or `close` the connection without answering at all."""

    status: int = 200
    body: dict | str | None = None
    headers: dict = field(default_factory=dict)
    hang: float = 0.0
    close: bool = False

    @classmethod
    def times(cls, n: int, *args, **kwargs) -> tuple[Scripted, ...]:
        return (cls(*args, **kwargs),) * n


@dataclass
class Call:
    method: str  # Web API method, or "response_url"
    path: str
    params: dict
    headers: dict = field(default_factory=dict)
    outcome: str | None = None  # None while in flight; "ok", Slack's error code, or "closed"

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


@dataclass
class Conversation:
    """A conversation as Slack knows it: kind "public" / "private" (channels), "im" (a 1:1 DM:
    with the bot when the bot is one of its two members), "mpim" (a group DM)."""

    id: str
    kind: str
    members: set[str]
    read_only: bool = False
    archived: bool = False

    @property
    def bot_is_member(self) -> bool:
        return BOT_USER in self.members


@dataclass
class Shown:
    """A message as people see it: in `channel`, to everyone in it, or only to `visible_to`
    (an ephemeral). `via` says how it got there."""

    id: int
    channel: str | None
    text: str
    blocks: list
    visible_to: str | None
    via: str
    deleted: bool = False

    @property
    def ephemeral(self) -> bool:
        return self.visible_to is not None

    @property
    def content(self) -> str:
        """Its text and blocks as one string, for assertions on what it says."""
        return self.text + "\n" + json.dumps(self.blocks, ensure_ascii=False)

    def button_value(self, action_id: str) -> str:
        """The value of its one button `action_id` (what a press sends back)."""
        (value,) = [
            element["value"]
            for block in self.blocks
            if block["type"] == "actions"
            for element in block["elements"]
            if element["action_id"] == action_id
        ]
        return value


@dataclass
class ResponseUrl:
    name: str
    channel: str | None
    user: str | None
    source: Shown | None  # the message whose button gave this URL (None: a slash command's)
    issued_at: float
    uses: int = 0


def _truthy(value: Any) -> bool:
    return value is True or value == "true"


class FakeSlack:
    def __init__(
        self, *, scopes: Iterable[str] | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.calls: list[Call] = []
        self.shown: list[Shown] = []
        self.scopes = frozenset(manifest_bot_scopes() if scopes is None else scopes)
        self._granted = self.scopes  # what reset() goes back to
        self._clock = clock
        self._clock_offset = 0.0
        self._conversations: dict[str, Conversation] = {}
        self._urls: dict[str, ResponseUrl] = {}
        self._failures: dict[tuple[str, str | None], str] = {}
        self._scripts: dict[str, list[Scripted]] = {}
        self._posts = 0
        self._triggers: dict[str, tuple[str, float, bool]] = {}  # id -> (user, issued, used)
        self._views: dict[str, OpenView] = {}
        self._stacks: dict[str, list[str]] = {}  # user -> open modal ids, root first
        self._homes: dict[str, OpenView] = {}
        self._usergroups: dict[str, tuple[str, list[str]]] = {}  # id -> (handle, members)
        self._ids = 0
        self._changed = threading.Condition()
        self._released = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                if self.path.startswith("/api/"):
                    method = self.path.removeprefix("/api/").split("?")[0]
                else:
                    method = "response_url"
                try:
                    if "json" in (self.headers.get("Content-Type") or ""):
                        params = json.loads(raw or "{}")
                    else:
                        params = {k: v[-1] for k, v in parse_qs(raw).items()}
                except ValueError:
                    params = {"__unparsable__": raw}
                query = self.path.partition("?")[2]  # GET methods (usergroups.*) send params here
                if query and isinstance(params, dict):
                    params = {**{k: v[-1] for k, v in parse_qs(query).items()}, **params}
                call = Call(method, self.path, params, dict(self.headers))
                answer = fake._respond(call)
                if answer is None:  # close the connection without a word
                    self.close_connection = True
                    fake._settle(call, "closed")
                    return
                status, body, headers = answer
                if isinstance(body, str):
                    data, content_type = body.encode(), "text/plain; charset=utf-8"
                    ok = status == 200
                    outcome = "ok" if ok else (body or str(status))
                else:
                    data, content_type = (
                        json.dumps(body).encode(),
                        "application/json; charset=utf-8",
                    )
                    ok = status == 200 and body.get("ok") is True
                    outcome = "ok" if ok else str(body.get("error") or status)
                # Recorded before it goes on the wire: a client that has its answer must never
                # find the call still "in flight" here.
                fake._settle(call, outcome)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                    self.close_connection = True

            do_GET = do_POST

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.api_url = f"{self.url}/api/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    # --- what a test sets up -------------------------------------------------------------------

    def now(self) -> float:
        return self._clock() + self._clock_offset

    def advance(self, seconds: float) -> None:
        """Move the stand-in's clock on (response_urls age), without sleeping."""
        with self._changed:
            self._clock_offset += seconds

    def add_conversation(
        self,
        id: str,
        kind: str,
        *,
        members: Iterable[str] = (),
        read_only: bool = False,
        archived: bool = False,
    ) -> Conversation:
        """Declare a conversation; from now on posts to it follow Slack's membership rules.
        `members` are user ids (BOT_USER for the bot)."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {sorted(KINDS)}")
        conversation = Conversation(id, kind, set(members), read_only, archived)
        if kind == "im" and len(conversation.members) != 2:
            raise ValueError("a 1:1 DM has exactly two members")
        with self._changed:
            self._conversations[id] = conversation
        return conversation

    def trigger(self, user: str) -> str:
        """Issue a trigger_id for an interaction by `user` (a press, a command, a shortcut):
        it may open or push one view within 3 seconds."""
        trigger_id = f"{self._new_id('')}.{int(self.now() * 1000)}.t{len(self._triggers)}"
        with self._changed:
            self._triggers[trigger_id] = (user, self.now(), False)
        return trigger_id

    def add_usergroup(self, id: str, handle: str, members: Iterable[str]) -> None:
        """Declare a user group (S…) with its handle (without @) and members."""
        with self._changed:
            self._usergroups[id] = (handle, list(members))

    def open_view(self, user: str) -> dict | None:
        """The view on top of `user`'s modal stack, as the app last set it (None: no modal)."""
        with self._changed:
            stack = self._stacks.get(user) or []
            return self._views[stack[-1]].view if stack else None

    def wait_modal(self, user: str, callback_id: str, timeout: float = 5.0) -> dict:
        """Wait until the modal on top of `user`'s stack is `callback_id`; that view."""
        self.wait_until(
            lambda: (self.open_view(user) or {}).get("callback_id") == callback_id,
            timeout,
            f"{callback_id} open for {user}",
        )
        return self.open_view(user) or {}

    def view_errors_shown(self, user: str) -> dict:
        """The inline errors the top modal of `user` shows (block id -> message)."""
        with self._changed:
            stack = self._stacks.get(user) or []
            return dict(self._views[stack[-1]].errors) if stack else {}

    def home_of(self, user: str) -> dict | None:
        """The Home view last published for `user`."""
        with self._changed:
            home = self._homes.get(user)
            return home.view if home is not None else None

    def view_submission(self, user: str, values: dict | None = None) -> dict:
        """The payload Slack sends when `user` submits their top modal with `values` (block id
        -> text, an option value, or a list of values for checkboxes); inputs not given keep
        their initial values. Raises AssertionError where Slack's client would not submit."""
        with self._changed:
            stack = self._stacks.get(user) or []
            if not stack:
                raise AssertionError(f"{user} has no modal open")
            opened = self._views[stack[-1]]
        state = _state_of(opened.view, values or {})
        view = {**self._view_answer(opened), "state": {"values": state}}
        return {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "aigc-team"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
            "api_app_id": "A0AIGCAPP1",
            "token": "legacy-verification-token",
            "trigger_id": self.trigger(user),
            "view": view,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def apply_view_ack(self, user: str, body: str) -> dict:
        """Act on the app's answer to `user`'s view_submission as Slack does, and return it
        (parsed). Raises AssertionError where Slack would refuse it (the person would see
        "We had some trouble connecting")."""
        answer = json.loads(body) if body.strip() else {}
        action = answer.get("response_action")
        with self._changed:
            stack = self._stacks.get(user) or []
            if not stack:
                raise AssertionError(f"{user} has no modal open")
            top = self._views[stack[-1]]
            if action is None:
                stack.pop()
            elif action == "clear":
                stack.clear()
            elif action == "errors":
                inputs = {b.get("block_id") for b in _input_blocks(top.view)}
                errors = answer.get("errors") or {}
                if not errors or not set(errors) <= inputs:
                    raise AssertionError(f"errors must name input blocks {inputs}: {errors}")
                top.errors = dict(errors)
            elif action in ("update", "push"):
                problems = modal_errors(answer.get("view"))
                if problems:
                    raise AssertionError(f"Slack would refuse this view: {problems}")
                if action == "push" and len(stack) >= MAX_VIEW_STACK:
                    raise AssertionError("push_limit_reached")
                if action == "update":
                    top.view, top.hash, top.errors = answer["view"], self._new_hash(), {}
                else:
                    pushed = OpenView(self._new_id("V"), user, answer["view"], self._new_hash())
                    self._views[pushed.id] = pushed
                    stack.append(pushed.id)
            else:
                raise AssertionError(f"unknown response_action {action!r}")
            self._changed.notify_all()
        return answer

    def press_in_view(
        self, user: str, action_id: str, *, block_id: str | None = None, home: bool = True
    ) -> dict:
        """The block_actions payload of `user` pressing the button `action_id` (in the block
        `block_id`, if given) of their Home (or, `home=False`, their top modal)."""
        with self._changed:
            if home:
                opened = self._homes.get(user)
            else:
                stack = self._stacks.get(user) or []
                opened = self._views[stack[-1]] if stack else None
        if opened is None:
            raise AssertionError(f"{user} has no such view open")
        for block in opened.view.get("blocks") or []:
            if block_id is not None and block.get("block_id") != block_id:
                continue
            for element in block.get("elements") or []:
                if element.get("action_id") == action_id:
                    return {
                        "type": "block_actions",
                        "user": {"id": user, "username": user.lower(), "team_id": TEAM},
                        "api_app_id": "A0AIGCAPP1",
                        "token": "legacy-verification-token",
                        "container": {"type": "view", "view_id": opened.id},
                        "trigger_id": self.trigger(user),
                        "team": {"id": TEAM, "domain": "aigc-team"},
                        "enterprise": None,
                        "is_enterprise_install": False,
                        "view": {**opened.view, "id": opened.id, "hash": opened.hash},
                        "actions": [
                            {
                                "action_id": action_id,
                                "block_id": block.get("block_id") or "b",
                                "text": element.get("text"),
                                "value": element.get("value", ""),
                                "type": "button",
                                "action_ts": "1700000001.000300",
                            }
                        ],
                    }
        raise AssertionError(f"no button {action_id} in {user}'s view")

    def response_url(
        self,
        name: str = "r",
        *,
        channel: str | None = None,
        user: str | None = None,
        source: Shown | None = None,
    ) -> str:
        """Issue a response_url (again: a fresh one, 5 uses, 30 minutes) for an interaction by
        `user` in `channel`; `source` is the message whose button was pressed (None for a
        slash command, whose acknowledgement can never be replaced through it)."""
        with self._changed:
            self._urls[name] = ResponseUrl(name, channel, user, source, self.now())
        return f"{self.url}/response/{name}"

    def show_ack(self, url: str, body: str) -> Shown | None:
        """What a slash command's acknowledgement (the HTTP answer `body`) shows the user who
        ran it: nothing for an empty body, else one message. Raises AssertionError where Slack
        would refuse it (the user would see an error instead)."""
        if not body.strip():
            return None
        issued = self._urls[url.rsplit("/", 1)[-1]]
        try:
            message = json.loads(body)
        except ValueError:
            message = {"text": body}
        errors = block_kit_errors(message["blocks"]) if "blocks" in message else []
        if errors:
            raise AssertionError(f"Slack would refuse this acknowledgement: {errors}")
        if not message.get("text") and not message.get("blocks"):
            return None
        in_channel = message.get("response_type") == "in_channel"
        return self._show(issued.channel, message, None if in_channel else issued.user, "ack")

    def fail(self, method: str, error: str, *, channel: str | None = None) -> None:
        """Answer `method` (only for `channel`, if given) with {"ok": false, "error": error}
        from now on."""
        self._failures[(method, channel)] = error

    def script(self, method: str, *answers: Scripted) -> None:
        """Answer the next calls of `method` with these, in order; then as usual."""
        with self._changed:
            self._scripts.setdefault(method, []).extend(answers)

    def release(self) -> None:
        """End every hang now (and any later one at once, until `reset()`)."""
        self._released.set()

    def reset(self) -> None:
        """Forget calls, faults, conversations, what was shown and scopes a test took away;
        issued response_urls stay issued, each with a fresh budget."""
        self._released.set()  # no hang of an earlier test outlives it
        with self._changed:
            self.calls.clear()
            self.shown.clear()
            self._failures.clear()
            self._scripts.clear()
            self._conversations.clear()
            self._triggers.clear()
            self._views.clear()
            self._stacks.clear()
            self._homes.clear()
            self._usergroups.clear()
            self._clock_offset = 0.0
            self.scopes = self._granted
            now = self.now()
            for issued in self._urls.values():
                issued.uses, issued.issued_at, issued.source = 0, now, None
        self._released.clear()

    # --- what a test reads ---------------------------------------------------------------------

    def seen_by(self, user: str, channel: str) -> list[Shown]:
        """The messages `user` sees in `channel` now, oldest first: everyone's and their own
        ephemerals, without the deleted ones."""
        with self._changed:
            return [
                s
                for s in self.shown
                if s.channel == channel and not s.deleted and s.visible_to in (None, user)
            ]

    def of(self, method: str) -> list[Call]:
        with self._changed:
            return [c for c in self.calls if c.method == method]

    def delivered(self, method: str) -> list[Call]:
        """The calls of `method` that Slack accepted (answered ok)."""
        with self._changed:
            return [c for c in self.calls if c.method == method and c.ok]

    def wait_until(self, condition, timeout: float = 5.0, what: str = "the condition") -> None:
        """Wait (on the calls' condition variable, with a deadline) until `condition()`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.outcome) for c in self.calls]
                    raise AssertionError(f"not {what} within {timeout}s; saw {seen}")
                self._changed.wait(left)

    def wait_delivered(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        self.wait_until(
            lambda: len([c for c in self.calls if c.method == method and c.ok]) >= count,
            timeout,
            f"{count}× {method} delivered",
        )
        return self.delivered(method)

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(f"no {count}× {method} within {timeout}s; saw {seen}")
                self._changed.wait(left)

    def wait_settled(self, timeout: float = 5.0) -> None:
        """Wait until every call so far has had its answer."""
        self.wait_until(
            lambda: all(c.outcome is not None for c in self.calls), timeout, "every call answered"
        )

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- answering -----------------------------------------------------------------------------

    def _respond(self, call: Call) -> tuple[int, dict | str, dict] | None:
        with self._changed:
            scripted = self._scripts.get(call.method)
            answer = scripted.pop(0) if scripted else None
            self.calls.append(call)
            self._changed.notify_all()
        if answer is not None and answer.hang:
            self._released.wait(answer.hang)
        if answer is not None and answer.close:
            return None
        if answer is not None and answer.body is not None:
            return answer.status, answer.body, answer.headers
        if call.method == "response_url":
            status, body = self._answer_response_url(call.path, call.params)
        else:
            status, body = 200, self._answer(call.method, call.params)
        return (status, body, {}) if answer is None else (answer.status, body, answer.headers)

    def _settle(self, call: Call, outcome: str) -> None:
        with self._changed:
            call.outcome = outcome
            self._changed.notify_all()

    def _show(self, channel: str | None, message: dict, visible_to: str | None, via: str) -> Shown:
        blocks = message.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        with self._changed:
            shown = Shown(
                len(self.shown) + 1,
                channel,
                str(message.get("text") or ""),
                blocks,
                visible_to,
                via,
            )
            self.shown.append(shown)
            self._changed.notify_all()
        return shown

    def _missing_scope(self, needed: tuple[str, ...]) -> dict | None:
        if not needed or self.scopes & set(needed):
            return None
        return {
            "ok": False,
            "error": "missing_scope",
            "needed": ",".join(needed),
            "provided": ",".join(sorted(self.scopes)),
        }

    def _answer(self, method: str, params: dict) -> dict:
        channel = params.get("channel")
        error = self._failures.get((method, channel)) or self._failures.get((method, None))
        if error:
            return {"ok": False, "error": error}
        needed = METHOD_SCOPES.get(method, ())
        if method == "conversations.info" and channel in self._conversations:
            needed = (READ_SCOPE[self._conversations[channel].kind],)  # the kind's own scope
        refused = self._missing_scope(needed)
        if refused:
            return refused
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://aigc-team.slack.com/",
                "team": "AIGC",
                "user": "aigc",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": "B0BOT00001",
            }
        if method in ("chat.postMessage", "chat.postEphemeral"):
            return self._post(method, params)
        if method == "views.publish":
            errors = view_errors(params.get("view"))
            if errors:
                return _invalid_arguments(errors)
            return self._publish(params)
        if method in ("views.open", "views.push", "views.update"):
            return self._open_view(method, params)
        if method == "usergroups.list":
            return self._usergroups_list(params)
        if method == "usergroups.users.list":
            return self._usergroup_members(params)
        if method == "conversations.info":
            return self._conversation_info(str(channel or ""))
        return {"ok": True}

    # --- views ---------------------------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        with self._changed:
            self._ids += 1
            return f"{prefix}{self._ids:08d}"

    def _use_trigger(self, trigger_id: Any) -> tuple[str | None, str | None]:
        """(the user the trigger was issued for, None) or (None, Slack's error code)."""
        with self._changed:
            issued = self._triggers.get(str(trigger_id or ""))
            if issued is None:
                return None, "invalid_trigger_id"
            user, at, used = issued
            if used:
                return None, "exchanged_trigger_id"
            if self.now() - at > TRIGGER_LIFETIME:
                return None, "expired_trigger_id"
            self._triggers[str(trigger_id)] = (user, at, True)
            return user, None

    def _open_view(self, method: str, params: dict) -> dict:
        view = params.get("view")
        if isinstance(view, str):
            try:
                view = json.loads(view)
            except ValueError:
                return _invalid_arguments(["view is not valid JSON"])
        if method == "views.update":
            with self._changed:
                key = params.get("view_id")
                if not key and params.get("external_id"):
                    key = next(
                        (
                            v.id
                            for v in self._views.values()
                            if v.view.get("external_id") == params["external_id"]
                        ),
                        None,
                    )
                current = self._views.get(str(key or ""))
            if current is None:
                return {"ok": False, "error": "not_found"}
            if params.get("hash") and params["hash"] != current.hash:
                return {"ok": False, "error": "hash_conflict"}
            errors = modal_errors(view)
            if errors:
                return _invalid_arguments(errors)
            with self._changed:
                current.view, current.hash, current.errors = view, self._new_hash(), {}
                self._changed.notify_all()
            return {"ok": True, "view": self._view_answer(current)}
        errors = modal_errors(view)
        if errors:
            return _invalid_arguments(errors)
        user, refused = self._use_trigger(params.get("trigger_id"))
        if refused:
            return {"ok": False, "error": refused}
        with self._changed:
            stack = self._stacks.setdefault(str(user), [])
            if method == "views.open":
                stack.clear()  # a new modal replaces whatever the person had open
            elif not stack:
                return {"ok": False, "error": "not_found"}
            elif len(stack) >= MAX_VIEW_STACK:
                return {"ok": False, "error": "push_limit_reached"}
            opened = OpenView(self._new_id("V"), str(user), view, self._new_hash())
            self._views[opened.id] = opened
            stack.append(opened.id)
            self._changed.notify_all()
        return {"ok": True, "view": self._view_answer(opened)}

    def _new_hash(self) -> str:
        return self._new_id("h.")

    def _view_answer(self, opened: OpenView) -> dict:
        stack = self._stacks.get(opened.user) or [opened.id]
        return {
            **opened.view,
            "id": opened.id,
            "hash": opened.hash,
            "team_id": TEAM,
            "root_view_id": stack[0],
            "state": {"values": {}},
        }

    def _publish(self, params: dict) -> dict:
        view = params.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        user = str(params.get("user_id") or "")
        if not user:
            return {"ok": False, "error": "invalid_arguments"}
        with self._changed:
            home = self._homes.get(user)
            if home is None:
                home = self._homes[user] = OpenView(self._new_id("V"), user, view, "")
            if params.get("hash") and home.hash and params["hash"] != home.hash:
                return {"ok": False, "error": "hash_conflict"}
            home.view, home.hash = view, self._new_hash()
            self._views[home.id] = home
            self._changed.notify_all()
        return {"ok": True, "view": {**view, "id": home.id, "hash": home.hash}}

    def _usergroups_list(self, params: dict) -> dict:
        with_users = _truthy(params.get("include_users")) or params.get("include_users") == "1"
        groups = []
        for group_id, (handle, members) in self._usergroups.items():
            group = {"id": group_id, "team_id": TEAM, "is_usergroup": True, "handle": handle}
            group["name"] = handle
            if with_users:
                group["users"] = list(members)
            groups.append(group)
        return {"ok": True, "usergroups": groups}

    def _usergroup_members(self, params: dict) -> dict:
        group = self._usergroups.get(str(params.get("usergroup") or ""))
        if group is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(group[1])}

    def _post(self, method: str, params: dict) -> dict:
        channel = str(params.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        blocks = params.get("blocks")
        if not params.get("text") and not blocks and not params.get("attachments"):
            return {"ok": False, "error": "no_text"}
        if blocks is not None and block_kit_errors(blocks):
            return {"ok": False, "error": "invalid_blocks"}
        ephemeral = method == "chat.postEphemeral"
        user = str(params.get("user") or "") if ephemeral else None
        conversation = self._conversations.get(channel)
        if conversation is not None:
            refused = self._refuse_post(conversation, user)
            if refused:
                return {"ok": False, "error": refused}
        shown = self._show(channel, params, user, method)
        ts = f"1700000099.{shown.id:06d}"
        if ephemeral:
            return {"ok": True, "message_ts": ts}
        return {"ok": True, "channel": channel, "ts": ts}

    def _refuse_post(self, conversation: Conversation, ephemeral_for: str | None) -> str | None:
        """Slack's error for the bot posting here (to `ephemeral_for` only, if given)."""
        if not conversation.bot_is_member:
            if conversation.kind != "public":
                return "channel_not_found"  # private: invisible to a non-member
            if "chat:write.public" not in self.scopes:
                return "not_in_channel"
        if conversation.archived:
            return "is_archived"
        if conversation.read_only:
            return "restricted_action_read_only_channel"
        if ephemeral_for is not None and ephemeral_for not in conversation.members:
            return "user_not_in_channel"
        return None

    def _conversation_info(self, channel: str) -> dict:
        conversation = self._conversations.get(channel)
        if conversation is None:
            return {"ok": True}  # undeclared: permissive, as before
        if conversation.kind != "public" and not conversation.bot_is_member:
            return {"ok": False, "error": "channel_not_found"}
        info: dict[str, Any] = {
            "id": conversation.id,
            "is_channel": conversation.kind == "public",
            "is_group": conversation.kind == "private",
            "is_im": conversation.kind == "im",
            "is_mpim": conversation.kind == "mpim",
            "is_private": conversation.kind != "public",
            "is_archived": conversation.archived,
            "is_read_only": conversation.read_only,
            "is_member": conversation.bot_is_member,
        }
        if conversation.kind == "im":
            info["user"] = next(iter(conversation.members - {BOT_USER}))
        else:
            info["name"] = conversation.id.lower()
        return {"ok": True, "channel": info}

    def _answer_response_url(self, path: str, body: dict) -> tuple[int, str]:
        """Slack's hooks answer in plain text: 200 "ok", or an error status and code."""
        name = path.rsplit("/", 1)[-1]
        with self._changed:
            issued = self._urls.get(name)
            if issued is None:
                return 404, "no_service"  # a URL Slack never issued
            if self.now() - issued.issued_at > RESPONSE_URL_LIFETIME:
                return 404, "expired_url"
            if issued.uses >= RESPONSE_URL_USES:
                return 404, "used_url"
        if "__unparsable__" in body:
            return 400, "invalid_payload"
        delete = _truthy(body.get("delete_original"))
        replace = _truthy(body.get("replace_original"))
        has_content = bool(body.get("text") or body.get("blocks"))
        if not has_content and not delete:
            return 400, "no_text"
        if body.get("blocks") is not None and block_kit_errors(body["blocks"]):
            return 400, "invalid_blocks"
        with self._changed:
            issued.uses += 1
            source = issued.source
            if delete and source is not None:
                source.deleted = True
            if has_content and replace and source is not None and not source.deleted:
                blocks = body.get("blocks") or []
                source.text, source.blocks = str(body.get("text") or ""), blocks
                self._changed.notify_all()
                return 200, "ok"
        if has_content:
            in_channel = body.get("response_type") == "in_channel"
            self._show(issued.channel, body, None if in_channel else issued.user, "response_url")
        return 200, "ok"


def _invalid_arguments(errors: list[str]) -> dict:
    return {
        "ok": False,
        "error": "invalid_arguments",
        "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]},
    }


def _options_of(element: dict) -> list[dict]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return options


def _state_of(view: dict, values: dict) -> dict:
    """A submitted view's state.values, the way Slack sends it, refusing what its client would
    not let a person submit."""
    state: dict = {}
    for block in _input_blocks(view):
        block_id, element = block.get("block_id"), block.get("element") or {}
        kind, action = element.get("type"), element.get("action_id")
        given = values.get(block_id)
        if kind == "plain_text_input":
            text = element.get("initial_value") if given is None else given
            text = text or None
            if text is not None and len(text) > int(element.get("max_length") or 3000):
                raise AssertionError(f"{block_id}: longer than its max_length")
            if text is not None and len(text) < int(element.get("min_length") or 0):
                raise AssertionError(f"{block_id}: shorter than its min_length")
            entry: dict = {"type": kind, "value": text}
        elif kind in ("static_select", "radio_buttons"):
            options = _options_of(element)
            if given is None:
                chosen = element.get("initial_option")
            else:
                chosen = next((o for o in options if o.get("value") == given), None)
                if chosen is None:
                    raise AssertionError(f"{block_id}: {given!r} is not one of its options")
            entry = {"type": kind, "selected_option": chosen}
            text = chosen
        elif kind == "checkboxes":
            options = _options_of(element)
            chosen_values = list(given or [])
            chosen = [o for o in options if o.get("value") in chosen_values]
            if len(chosen) != len(chosen_values):
                raise AssertionError(f"{block_id}: {given!r} are not all its options")
            if given is None:
                chosen = list(element.get("initial_options") or [])
            entry = {"type": kind, "selected_options": chosen}
            text = chosen or None
        else:
            raise AssertionError(f"{block_id}: the stand-in does not submit {kind} inputs")
        if text is None and not block.get("optional"):
            raise AssertionError(f"{block_id} is required: Slack's client will not submit")
        state[block_id] = {action: entry}
    return state


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


class LoopbackServer:
    """A WSGI application served over real HTTP on 127.0.0.1, in a thread."""

    def __init__(self, application) -> None:
        self._server = make_server(
            "127.0.0.1",
            0,
            application,
            server_class=_ThreadingWSGIServer,
            handler_class=_QuietHandler,
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class Reply:
    status: int
    body: str

    @property
    def ok(self) -> bool:
        return self.status == 200

    def json(self) -> dict:
        return json.loads(self.body)


def signed_headers(secret: str, body: str, content_type: str, timestamp: int | None = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature,
    }


# Loopback only: never through a proxy from the environment.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def post(url: str, body: str, headers: dict, timeout: float = 10.0) -> Reply:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout) as response:
            return Reply(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read().decode())


def get(url: str, timeout: float = 10.0) -> Reply:
    try:
        with _opener.open(url, timeout=timeout) as response:
            return Reply(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read().decode())
