"""One query cleaner for every way a question comes in (slash command, mention, DM, shortcut,
the command line): what people type around a question is removed before search.

- Slack markup: user and channel mentions, broadcasts (`<!channel>`), user groups, links
  (a link's label is kept, its address is not a question);
- plain `@name` / `@channel` words and `#channel` words typed as text;
- emoji: Slack's `:shortcodes:` and Unicode pictographs;
- repeated punctuation (`？？？`, `!!!`);
- polite wrappers and colloquial filler, listed as data in `query_words.toml`.

The raw text is kept for display by the caller; this only decides what is searched.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from knowledge.text import fold

WORDS_FILE = Path(__file__).with_name("query_words.toml")

# <@U123|ann>, <#C123|general>, <!here>, <!subteam^S1|@team>, <https://x.y|label>, <mailto:..>
_MARKUP = re.compile(r"<([@#!])?([^<>|]*)(?:\|([^<>]*))?>")
# "@channel", "@here", "@everyone" anywhere; "@name " (a typed mention) before a space.
_BROADCAST_WORD = re.compile(r"[@＠](channel|here|everyone|all)\b", re.I)
_AT_NAME = re.compile(r"(^|\s)[@＠][^\s@＠]{1,40}(?=\s|$)")
_HASH_CHANNEL = re.compile(r"(^|\s)#[a-z0-9][a-z0-9_\-]{0,79}(?=\s|$)", re.I)
_SHORTCODE = re.compile(r":[a-z0-9_+\-]{1,60}:", re.I)
# Pictographs, dingbats, symbols, flags, skin tones, joiners and variation selectors.
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U00002b00-\U00002bff\U0001f1e6-\U0001f1ff"
    "\U0000fe0e\U0000fe0f\U0000200d\U000020e3\U00002300-\U000023ff]"
)
_REPEATED_PUNCT = re.compile(r"([?？!！。.,，~～…、])\1+")
_SPACES = re.compile(r"\s+")
_EDGE = re.compile(r"^[\s\W_]+|[\s\W_]+$", re.UNICODE)


NUMBER_CUE = "#number"  # in an intent's answer words: the entry states a figure
YEAR_CUE = "#year"  # ...the entry dates something (a four-digit year)
CUES = (NUMBER_CUE, YEAR_CUE)


@dataclass(frozen=True)
class Intent:
    """What a question asks of its topic: phrases that show it, words of an entry that meets it."""

    name: str
    ask: tuple[str, ...]  # folded, longest first
    answer: tuple[str, ...]


@dataclass(frozen=True)
class QueryWords:
    """The filler lists, folded and longest first (so "请问一下" goes before "请问")."""

    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    anywhere: tuple[str, ...]
    intents: tuple[Intent, ...] = ()
    generic_nouns: frozenset[str] = frozenset()

    @classmethod
    def from_toml(cls, path: Path = WORDS_FILE) -> QueryWords:
        with path.open("rb") as f:
            data = tomllib.load(f)

        def ordered(words: list[str]) -> tuple[str, ...]:
            folded = {fold(w) for w in words if fold(w)}
            return tuple(sorted(folded, key=lambda w: (-len(w), w)))

        return cls(
            prefixes=ordered(data["polite"]["prefixes"]),
            suffixes=ordered(data["polite"]["suffixes"]),
            anywhere=ordered(data["chat"]["anywhere"]),
            intents=tuple(
                Intent(
                    name,
                    ordered(table["ask"]),
                    tuple(w if w in CUES else fold(w) for w in table["answer"]),
                )
                for name, table in data.get("intents", {}).items()
            ),
            generic_nouns=frozenset(fold(w) for w in data.get("generic", {}).get("nouns", ())),
        )

    def all_phrases(self) -> tuple[str, ...]:
        return self.prefixes + self.suffixes + self.anywhere


def phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern:
    """One regex for a list of folded phrases; Latin ones only as whole words."""
    parts = []
    # "ty" must not eat the end of "safety", nor "risk" the middle of "brisk".
    for p in phrases:
        body = re.escape(p)
        parts.append(rf"(?<![a-z0-9]){body}(?![a-z0-9])" if _is_latin(p) else body)
    return re.compile("|".join(parts) or r"(?!x)x")


@lru_cache(maxsize=1)
def query_words() -> QueryWords:
    return QueryWords.from_toml()


def strip_markup(text: str) -> str:
    """Slack markup and typed mentions out, link labels kept, emoji and repeats collapsed."""

    def replace(match: re.Match) -> str:
        sigil, _, label = match.groups()
        if sigil:
            return " "
        return f" {label or ''} "

    text = _MARKUP.sub(replace, text)
    text = _BROADCAST_WORD.sub(" ", text)
    text = _AT_NAME.sub(r"\1 ", text)
    text = _HASH_CHANNEL.sub(r"\1 ", text)
    text = _SHORTCODE.sub(" ", text)
    text = _EMOJI.sub(" ", text)
    text = _REPEATED_PUNCT.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


def _is_latin(phrase: str) -> bool:
    return phrase.isascii()


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    words = query_words()
    prefix = re.compile(rf"^(?:{phrase_pattern(words.prefixes).pattern})[\s\W_]*")
    suffix = re.compile(rf"[\s\W_]*(?:{phrase_pattern(words.suffixes).pattern})$")
    return prefix, suffix, phrase_pattern(words.anywhere)


def remove_filler(folded: str) -> str:
    """Polite wrappers at the edges and chat filler anywhere, as long as something is left."""
    prefix, suffix, anywhere = _patterns()
    text = _EDGE.sub("", folded)
    changed = True
    while changed and text:
        changed = False
        for pattern in (prefix, suffix, anywhere):
            stripped = _EDGE.sub("", _SPACES.sub(" ", pattern.sub(" ", text)))
            if stripped != text and stripped:
                text, changed = stripped, True
    return text


def clean_question(text: str) -> str:
    """The part of a question worth searching: markup, emoji and filler removed, folded."""
    return remove_filler(fold(strip_markup(text)))
