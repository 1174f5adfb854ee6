"""Text the Slack and terminal renderers share."""

from __future__ import annotations

from datetime import date

from bot import messages as m
from bot import wording as w
from knowledge.text import MAX_QUERY_CHARS


def test_other_names_leave_out_what_the_title_already_says(knowledge) -> None:
    maas = knowledge.get("term:maas")
    assert w.other_names(maas) == "Model-as-a-Service · MaaS"
    transformer = knowledge.get("term:transformer")
    assert transformer.title not in w.other_names(transformer).split(" · ")


def test_a_definition_is_the_gloss_in_english_and_the_first_sentence_in_chinese(
    knowledge,
) -> None:
    term = knowledge.get("term:synthetic-data")
    assert w.definition(term, "en") == term.gloss
    zh = w.definition(term, "zh")
    assert term.text.startswith(zh.rstrip("…")) and zh.endswith(("。", "…"))


def test_first_sentence_keeps_its_mark_and_clips() -> None:
    assert w.first_sentence("第一句。第二句。") == "第一句。"
    assert w.first_sentence("First one. Second.") == "First one."
    assert w.first_sentence("长" * 300, 10) == "长" * 9 + "…"


def test_slack_errors_a_person_can_fix_get_advice_others_an_apology() -> None:
    assert w.has_advice("not_in_channel")
    assert w.slack_error_advice("not_in_channel", "zh") == m.NOT_IN_CHANNEL["zh"]
    assert w.slack_error_advice("ratelimited", "en") == m.RATE_LIMITED["en"]
    assert not w.has_advice("fatal_error")
    assert w.slack_error_advice("fatal_error", "zh") == m.APOLOGY["zh"]


def test_dates_and_the_truncation_notice() -> None:
    assert "2026" in w.digest_date(date(2026, 12, 1))
    assert str(MAX_QUERY_CHARS) in w.truncation_notice("en")
