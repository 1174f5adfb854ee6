"""Teaching the bot from Slack: 👍/👎 under answers, the suggest / correct modal (from a
no-answer, an answer's 纠正, `/aigc teach`, the message shortcut's reply, the 👎 modal), and
the editors' review in App Home (approve, edit then approve, reject with a reason).

Who sees what: a vote is acknowledged to the voter alone (an ephemeral, never the shared
message); a suggestion is seen by its submitter and the workspace's editors only; the
submitter hears the outcome in their DM with the app. Every review action checks again that
the person is an editor (KNOWLEDGE_EDITORS, bot/editors.py): a stale Home or a forged payload
decides nothing.

Buttons and submissions ack at once; modals open from the lazy listener right after (a
trigger_id lives 3 seconds), and the database work follows. A view_submission is validated in
its ack (check_term against the workspace's knowledge, errors inline under their fields); the
lazy listener runs for every submission, so it checks again and does nothing for a refused one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks as b
from bot import messages as m
from bot import teach_blocks as tb
from bot.listeners import Deps
from bot.listeners.common import Asker, ack_only, language_of, reply_privately
from bot.slack_errors import error_code
from bot.store import Suggestion, SuggestionDecided
from knowledge import Knowledge
from knowledge.overlay import TeamTerm, check_term
from knowledge.text import compact

log = logging.getLogger(__name__)

TEACH_ORIGINS = ("shortcut", "report")  # carried by a 教我 button; otherwise "no_answer"
# `/aigc teach [术语]`
TEACH_WORDS = {"teach", "教", "教我"}


def _lang(value: dict) -> str:
    return "en" if value.get("l") == "en" else "zh"


def _who(body: dict) -> tuple[str | None, str | None]:
    """(team, user) of an interaction; an org-wide install may send the team only in `user`."""
    user = body.get("user") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id")
    view_team = (body.get("view") or {}).get("team_id")
    return team or view_team, user.get("id")


def _tell_privately(respond: Respond | None, asker: Asker, what: str, text: str) -> None:
    """An ephemeral to the presser (response_url, else chat.postEphemeral, else their DM)."""
    if respond is None:
        _dm(asker.client, asker.user, text, what)
        return
    reply_privately(
        respond, asker, what, response_type="ephemeral", replace_original=False, text=text
    )


def _both(message: dict[str, str], **fields: object) -> str:
    """Both languages, for an editor in App Home (no words of theirs to tell the language)."""
    return "\n".join(message[lang].format(**fields) for lang in ("zh", "en"))


def _dm(client: WebClient | None, user: str | None, text: str, what: str) -> bool:
    """A message in the person's DM with the app (chat.postMessage to their user id)."""
    if client is None or not user:
        return False
    try:
        client.chat_postMessage(channel=user, text=text)
        return True
    except SlackApiError as error:
        log.warning("%s: could not DM %s (%s)", what, user, error_code(error))
        return False


def _open(client: WebClient, trigger_id: str | None, view: dict, what: str) -> bool:
    try:
        client.views_open(trigger_id=trigger_id or "", view=view)
        return True
    except SlackApiError as error:
        log.warning("%s: views.open refused (%s)", what, error_code(error))
        return False


# --- votes -------------------------------------------------------------------------------------------


def vote(
    body: dict, action: dict, respond: Respond, client: WebClient, deps: Deps, value: int
) -> None:
    """Record the presser's 👍 (+1) or 👎 (-1) on the entry (one per person, changeable). 👍 is
    thanked privately; 👎 opens the feedback modal (first: its trigger lives 3 seconds)."""
    carried = b.decode_value(action.get("value", ""))
    lang, entry_id = _lang(carried), str(carried.get("id", ""))
    asker = Asker.of_action(body, client)
    if deps.store is None:
        _tell_privately(respond, asker, "vote", m.STORAGE_OFF)
        return
    opened = False
    if value < 0:
        entry = deps.knowledge_for(asker.team).get(entry_id)
        if entry is not None:
            modal = tb.feedback_modal(entry, lang, str(carried.get("q", "")))
            opened = _open(client, body.get("trigger_id"), modal, "👎")
    deps.store.record_vote(asker.team or "", entry_id, asker.user or "", value)
    if not opened:  # the modal says thanks itself
        _tell_privately(respond, asker, "vote", m.VOTE_THANKS[lang])


def feedback_submitted(ack: Ack, body: dict, view: dict, deps: Deps) -> None:
    """The 👎 modal: closes, or becomes the suggest modal when the person chose to suggest a
    better explanation (a correction of a term; for a section, a new term related to it)."""
    feedback = tb.feedback_from_submission(view)
    if not feedback.suggest:
        ack()
        return
    team, _ = _who(body)
    knowledge = deps.knowledge_for(team)
    entry = knowledge.get(feedback.entry_id)
    if entry is not None and entry.kind == "term":
        prefill = tb.prefill_for_entry(entry)
    else:
        section = entry.id if entry is not None else ""
        prefill = tb.prefill_for_question(feedback.query, section)
    context = tb.SuggestContext("feedback", feedback.lang)
    ack(response_action="update", view=tb.suggest_modal(knowledge, prefill, context))


def record_feedback(body: dict, view: dict, deps: Deps) -> None:
    feedback = tb.feedback_from_submission(view)
    team, user = _who(body)
    if deps.store is not None and feedback.wanted and feedback.entry_id:
        deps.store.record_vote_wish(team or "", feedback.entry_id, user or "", feedback.wanted)


# --- opening the suggest modal ----------------------------------------------------------------------


def correction_or_new(knowledge: Knowledge, words: str) -> TeamTerm:
    """What `/aigc teach 术语` prefills: the term of that exact name as a correction, else a new
    term named by the words."""
    key = compact(words)
    for term in knowledge.find_terms(words, limit=3) if key else ():
        if key in {compact(n) for n in (term.zh, term.en, term.abbr, term.title, *term.aliases)}:
            return tb.prefill_for_entry(term)
    return tb.prefill_for_question(words)


def open_suggest(
    body: dict, action: dict, respond: Respond | None, client: WebClient, deps: Deps, kind: str
) -> None:
    """纠正 (kind "correct": the entry, prefilled) or 教我这个词 ("teach": the question's
    words) -> the suggest modal."""
    carried = b.decode_value(action.get("value", ""))
    lang = _lang(carried)
    asker = Asker.of_action(body, client)
    if deps.store is None:
        _tell_privately(respond, asker, kind, m.STORAGE_OFF)
        return
    knowledge = deps.knowledge_for(asker.team)
    if kind == "correct":
        entry = knowledge.get(str(carried.get("id", "")))
        if entry is None:
            _tell_privately(respond, asker, kind, m.ENTRY_GONE[lang])
            return
        prefill, origin = tb.prefill_for_entry(entry), "correct"
    else:
        origin = carried.get("o") if carried.get("o") in TEACH_ORIGINS else "no_answer"
        # The weekly report's button on a 👎 article section: a new term related to it.
        section = knowledge.get(str(carried.get("s") or ""))
        section_id = section.id if section is not None and section.kind == "section" else ""
        prefill = tb.prefill_for_question(str(carried.get("q", "")), section_id)
    view = tb.suggest_modal(knowledge, prefill, tb.SuggestContext(str(origin), lang))
    if not _open(client, body.get("trigger_id"), view, kind):
        _tell_privately(respond, asker, kind, m.MODAL_FAILED[lang])


def teach_command(
    ack: Ack, command: dict, words: str, deps: Deps, client: WebClient | None
) -> None:
    """`/aigc teach [术语]`: the suggest modal, prefilled with the term (a correction when it is
    a term's name), opened with the command's trigger_id before the ack."""
    lang = language_of(words or command.get("text") or "")
    if deps.store is None:
        ack(response_type="ephemeral", text=m.STORAGE_OFF)
        return
    if client is None:
        ack(response_type="ephemeral", text=m.APOLOGY[lang])
        return
    knowledge = deps.knowledge_for(command.get("team_id"))
    prefill = correction_or_new(knowledge, words.strip()) if words.strip() else TeamTerm(zh="")
    view = tb.suggest_modal(knowledge, prefill, tb.SuggestContext("teach", lang))
    if _open(client, command.get("trigger_id"), view, "/aigc teach"):
        ack()
    else:
        ack(response_type="ephemeral", text=m.MODAL_FAILED[lang])


# --- the suggest modal submitted -------------------------------------------------------------------


def suggestion_submitted(
    ack: Ack, body: dict, view: dict, client: WebClient | None, deps: Deps
) -> None:
    """Refuse with the problems under their fields, or close the modal (the lazy listener
    saves it: a new suggestion, or an editor's edit-then-approve)."""
    term, context = tb.term_from_submission(view)
    team, user = _who(body)
    problems = check_term(deps.knowledge_for(team), term)
    if problems:
        ack(response_action="errors", errors=tb.problem_errors(problems, context.lang, term))
        return
    if deps.store is None:
        ack(response_action="errors", errors={"definition": m.STORAGE_OFF})
        return
    if context.suggestion_id is not None and not deps.editors.is_editor(client, team, user):
        ack(response_action="errors", errors={"zh": m.REVIEW_NOT_EDITOR[context.lang]})
        return
    ack()


def save_suggestion(body: dict, view: dict, client: WebClient, deps: Deps) -> None:
    term, context = tb.term_from_submission(view)
    team, user = _who(body)
    if deps.store is None or check_term(deps.knowledge_for(team), term):
        return  # refused in the ack
    if context.suggestion_id is not None:
        approve(deps, client, team, user, context.suggestion_id, term)
        return
    suggestion_id = deps.store.add_suggestion(team or "", user or "", term, context.origin)
    name = b.escape(tb.term_name(term))
    text = m.SUGGESTION_SUBMITTED[context.lang].format(id=suggestion_id, name=name)
    _dm(client, user, text, "suggestion submitted")


# --- review ------------------------------------------------------------------------------------------


def _outcome_language(term: TeamTerm) -> str:
    """The submitter's language, from what they wrote."""
    return language_of(" ".join((term.zh, term.en, term.definition)))


def refresh_home(deps: Deps, client: WebClient, team: str | None, user: str | None) -> None:
    from bot.listeners.events import home_for, publish_home

    if user:
        publish_home({"user": user}, client, home_for(deps, team, user, client))


def _reviewable(
    deps: Deps, client: WebClient, team: str | None, user: str | None, suggestion_id: object
) -> Suggestion | None:
    """The pending suggestion an editor acts on, or None (not an editor, not this workspace's,
    gone): the Home is refreshed, and a decided one is said in the editor's DM."""
    if deps.store is None or not isinstance(suggestion_id, int):
        return None
    if not deps.editors.is_editor(client, team, user):
        _dm(client, user, _both(m.REVIEW_NOT_EDITOR), "review")
        refresh_home(deps, client, team, user)
        return None
    suggestion = deps.store.suggestion(suggestion_id)
    if suggestion is None or suggestion.team_id != (team or ""):
        _dm(client, user, _both(m.REVIEW_GONE, id=suggestion_id), "review")
        refresh_home(deps, client, team, user)
        return None
    if suggestion.status != "pending":
        _dm(client, user, _both(m.REVIEW_ALREADY_DECIDED, id=suggestion.id), "review")
        refresh_home(deps, client, team, user)
        return None
    return suggestion


def approve(
    deps: Deps,
    client: WebClient,
    team: str | None,
    user: str | None,
    suggestion_id: object,
    edited: TeamTerm | None = None,
) -> None:
    """Make the suggestion live (as the editor edited it, if so), tell its submitter, and
    refresh the editor's Home."""
    suggestion = _reviewable(deps, client, team, user, suggestion_id)
    if suggestion is None or deps.store is None:
        return
    try:
        approved = deps.store.approve_suggestion(suggestion.id, user or "", edited)
    except SuggestionDecided:
        _dm(client, user, _both(m.REVIEW_ALREADY_DECIDED, id=suggestion.id), "review")
        refresh_home(deps, client, team, user)
        return
    if deps.live is not None:
        deps.live.refresh()  # this process answers with it now; the others within a second
    lang = _outcome_language(suggestion.term)
    name = b.escape(tb.term_name(approved.term))
    text = m.SUGGESTION_APPROVED_DM[lang].format(id=suggestion.id, name=name, editor=user)
    if edited is not None and edited != suggestion.term:
        text += m.SUGGESTION_EDITED_NOTE[lang]
    _dm(client, suggestion.submitter, text, "approved")
    refresh_home(deps, client, team, user)


def approve_pressed(body: dict, action: dict, client: WebClient, deps: Deps) -> None:
    """通过: approved as it is, unless it no longer passes (a name taken since): then the
    edit modal opens, where submitting shows what to fix."""
    team, user = _who(body)
    suggestion_id = b.decode_value(action.get("value", "")).get("s")
    suggestion = _reviewable(deps, client, team, user, suggestion_id)
    if suggestion is None:
        return
    if check_term(deps.knowledge_for(team), suggestion.term):
        open_edit(body, client, deps, suggestion)
        return
    approve(deps, client, team, user, suggestion.id)


def open_edit(body: dict, client: WebClient, deps: Deps, suggestion: Suggestion) -> None:
    team, user = _who(body)
    context = tb.SuggestContext(
        suggestion.origin,
        _outcome_language(suggestion.term),
        replaces=suggestion.term.replaces,
        suggestion_id=suggestion.id,
    )
    view = tb.suggest_modal(
        deps.knowledge_for(team), suggestion.term, context, submitter=suggestion.submitter
    )
    if not _open(client, body.get("trigger_id"), view, "edit"):
        _dm(client, user, _both(m.MODAL_FAILED), "edit")


def edit_pressed(body: dict, action: dict, client: WebClient, deps: Deps) -> None:
    team, user = _who(body)
    suggestion_id = b.decode_value(action.get("value", "")).get("s")
    suggestion = _reviewable(deps, client, team, user, suggestion_id)
    if suggestion is not None:
        open_edit(body, client, deps, suggestion)


def reject_pressed(body: dict, action: dict, client: WebClient, deps: Deps) -> None:
    team, user = _who(body)
    suggestion_id = b.decode_value(action.get("value", "")).get("s")
    suggestion = _reviewable(deps, client, team, user, suggestion_id)
    if suggestion is not None and not _open(
        client, body.get("trigger_id"), tb.reject_modal(suggestion), "reject"
    ):
        _dm(client, user, _both(m.MODAL_FAILED), "reject")


def reject(body: dict, view: dict, client: WebClient, deps: Deps) -> None:
    """The reject modal submitted: the suggestion declined with the reason, the submitter
    told, the editor's Home refreshed."""
    team, user = _who(body)
    suggestion_id, reason = tb.rejection_from_submission(view)
    suggestion = _reviewable(deps, client, team, user, suggestion_id)
    if suggestion is None or deps.store is None:
        return
    try:
        deps.store.reject_suggestion(suggestion.id, user or "", reason)
    except SuggestionDecided:
        _dm(client, user, _both(m.REVIEW_ALREADY_DECIDED, id=suggestion.id), "review")
    else:
        lang = _outcome_language(suggestion.term)
        text = m.SUGGESTION_REJECTED_DM[lang].format(
            id=suggestion.id,
            name=b.escape(tb.term_name(suggestion.term)),
            editor=user,
            reason=b.escape(reason),
        )
        _dm(client, suggestion.submitter, text, "rejected")
    refresh_home(deps, client, team, user)


def teaching_blocks(
    deps: Deps, client: WebClient | None, team: str | None, user: str | None
) -> list[dict]:
    """The teaching part of `user`'s Home: the queue and vote counts for an editor, how to name
    editors when nobody is named, nothing for anyone else."""
    store = deps.store
    if store is None or not team:
        return []
    editors_named = deps.editors.named
    is_editor = editors_named and deps.editors.is_editor(client, team, user)
    if editors_named and not is_editor:
        return []
    pending = store.pending_suggestions(team, limit=100)
    return tb.review_home_blocks(
        is_editor=is_editor,
        editors_named=editors_named,
        pending=pending[: tb.REVIEW_SHOWN],
        pending_count=len(pending),
        votes=store.vote_counts(team) if is_editor else [],
        lookup=deps.knowledge_for(team).get,
    )


# --- wiring ---------------------------------------------------------------------------------------


def _logged(what: str, work: Callable[[], object]) -> None:
    try:
        work()
    except Exception:
        log.exception("%s failed", what)


def _apologizing(
    what: str, body: dict, action: dict, respond: Respond, client: WebClient, work: Callable
) -> None:
    """A button's work; when it fails, logged and the presser told, never silence."""
    try:
        work()
    except Exception:
        log.exception("%s button failed", what)
        lang = _lang(b.decode_value(action.get("value", "")))
        _logged(
            f"{what} apology",
            lambda: _tell_privately(respond, Asker.of_action(body, client), what, m.APOLOGY[lang]),
        )


def register(app: App, deps: Deps) -> None:
    def vote_up(body: dict, action: dict, respond: Respond, client: WebClient) -> None:
        work = lambda: vote(body, action, respond, client, deps, 1)  # noqa: E731
        _apologizing("👍", body, action, respond, client, work)

    def vote_down(body: dict, action: dict, respond: Respond, client: WebClient) -> None:
        work = lambda: vote(body, action, respond, client, deps, -1)  # noqa: E731
        _apologizing("👎", body, action, respond, client, work)

    def correct(body: dict, action: dict, respond: Respond, client: WebClient) -> None:
        work = lambda: open_suggest(body, action, respond, client, deps, "correct")  # noqa: E731
        _apologizing("纠正", body, action, respond, client, work)

    def teach(body: dict, action: dict, respond: Respond, client: WebClient) -> None:
        work = lambda: open_suggest(body, action, respond, client, deps, "teach")  # noqa: E731
        _apologizing("教我这个词", body, action, respond, client, work)

    def approve_button(body: dict, action: dict, client: WebClient) -> None:
        _logged("approve", lambda: approve_pressed(body, action, client, deps))

    def edit_button(body: dict, action: dict, client: WebClient) -> None:
        _logged("edit", lambda: edit_pressed(body, action, client, deps))

    def reject_button(body: dict, action: dict, client: WebClient) -> None:
        _logged("reject", lambda: reject_pressed(body, action, client, deps))

    def feedback_ack(ack: Ack, body: dict, view: dict) -> None:
        feedback_submitted(ack, body, view, deps)

    def feedback_saved(body: dict, view: dict) -> None:
        _logged("👎 feedback", lambda: record_feedback(body, view, deps))

    def suggest_ack(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        suggestion_submitted(ack, body, view, client, deps)

    def suggestion_saved(body: dict, view: dict, client: WebClient) -> None:
        _logged("suggestion", lambda: save_suggestion(body, view, client, deps))

    def rejected(body: dict, view: dict, client: WebClient) -> None:
        _logged("reject", lambda: reject(body, view, client, deps))

    app.action(b.VOTE_UP_ACTION)(ack=ack_only, lazy=[vote_up])
    app.action(b.VOTE_DOWN_ACTION)(ack=ack_only, lazy=[vote_down])
    app.action(b.CORRECT_ACTION)(ack=ack_only, lazy=[correct])
    app.action(b.TEACH_ACTION)(ack=ack_only, lazy=[teach])
    app.action(tb.APPROVE_ACTION)(ack=ack_only, lazy=[approve_button])
    app.action(tb.EDIT_ACTION)(ack=ack_only, lazy=[edit_button])
    app.action(tb.REJECT_ACTION)(ack=ack_only, lazy=[reject_button])
    app.view(tb.FEEDBACK_VIEW)(ack=feedback_ack, lazy=[feedback_saved])
    app.view(tb.SUGGEST_VIEW)(ack=suggest_ack, lazy=[suggestion_saved])
    app.view(tb.REJECT_VIEW)(ack=ack_only, lazy=[rejected])
