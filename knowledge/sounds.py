"""Homophone matching: a wrong character with the same sound still finds its word.

Pinyin IMEs make people type 和成数据 for 合成数据 and 深度伪照 for 深度伪造. A name of the
knowledge is found inside a question when a run of the question's characters sounds like it:
each character's toneless readings (every reading of a polyphone) against the name's.

False matches are kept out three ways:
- a name of two characters needs the exact sound (no fuzzy pairs) and one identical character;
- longer names may use the common fuzzy pairs of southern accents and IMEs (z/zh, c/ch, s/sh,
  n/l, an/ang, en/eng, in/ing) but must keep at least half of their characters identical;
- only names of the knowledge (terms, aliases, everyday phrasings) are matched, never
  arbitrary words, and a run that already is a name is left alone.

pypinyin's character table is loaded on first use only (about 30 ms), so a question that
matches exactly never pays for it.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from knowledge.text import is_han

_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"))
_FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))
MAX_READINGS = 32  # combinations of polyphone readings tried per run of characters
MAX_SCAN_CHARS = 64  # characters of a question heard for homophones


@lru_cache(maxsize=1)
def _char_table() -> dict[int, str]:
    """pypinyin's character table, read from its JSON copy: importing the package would
    also load its 200 ms phrase dictionary, which single characters do not need."""
    spec = importlib.util.find_spec("pypinyin")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / "pinyin_dict.json"
        if path.exists():
            with path.open(encoding="utf-8") as f:
                return {int(code): readings for code, readings in json.load(f).items()}
    from pypinyin.pinyin_dict import pinyin_dict  # pragma: no cover - no JSON copy

    return pinyin_dict


def _toneless(syllable: str) -> str:
    decomposed = unicodedata.normalize("NFD", syllable.strip())
    plain = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return plain.replace("ü", "v").lower()


@lru_cache(maxsize=8192)
def readings(char: str) -> tuple[str, ...]:
    """Every toneless reading of one character ("和" → he, hu, huo); () if not Chinese."""
    raw = _char_table().get(ord(char))
    if not raw:
        return ()
    return tuple(dict.fromkeys(_toneless(s) for s in raw.split(",") if s.strip()))


@lru_cache(maxsize=4096)
def fuzzy(syllable: str) -> str:
    """One key for syllables IMEs and accents confuse: zhi/zi, lan/nan, ying/yin."""
    for long, short in _FUZZY_INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long) :]
            break
    for long, short in _FUZZY_FINALS:
        if syllable.endswith(long):
            syllable = syllable[: -len(long)] + short
            break
    return syllable


@dataclass(frozen=True)
class SoundMatch:
    start: int  # position of the run in the searched text
    end: int
    name: str  # the name it sounds like


class SoundIndex:
    """Names by sound: exact toneless syllables for every name, fuzzy keys for the longer."""

    def __init__(self, names: Iterable[tuple[str, tuple[str, ...]]]) -> None:
        """`names`: (name, its toneless syllables, one per character) for names of Han only."""
        self._exact: dict[tuple[str, ...], list[str]] = {}
        self._fuzzy: dict[tuple[str, ...], list[str]] = {}
        self.lengths: set[int] = set()
        firsts: dict[int, set[str]] = {}
        for name, syllables in names:
            if len(name) < 2 or len(syllables) != len(name):
                continue
            self._exact.setdefault(tuple(syllables), []).append(name)
            if len(name) >= 3:
                self._fuzzy.setdefault(tuple(map(fuzzy, syllables)), []).append(name)
            self.lengths.add(len(name))
            firsts.setdefault(len(name), set()).add(fuzzy(syllables[0]))
        self._first_sounds = {n: frozenset(f) for n, f in firsts.items()}

    def __bool__(self) -> bool:
        return bool(self.lengths)

    def find(self, text: str, known: set[str] | frozenset[str] = frozenset()) -> list[SoundMatch]:
        """Runs of `text` that sound like a name without being it, longest first, no overlap.

        Only the first MAX_SCAN_CHARS characters are heard: a pasted paragraph is searched by
        its words, not by sound.
        """
        text = text[:MAX_SCAN_CHARS]
        options = [readings(c) if is_han(c) else () for c in text]
        heads = [frozenset(map(fuzzy, o)) for o in options]
        found: list[SoundMatch] = []
        taken = [False] * len(text)
        for length in sorted(self.lengths, reverse=True):
            firsts = self._first_sounds.get(length, frozenset())
            for start in range(len(text) - length + 1):
                # Cheap test first: the first character must sound like some name's first.
                if not heads[start] & firsts or any(taken[start : start + length]):
                    continue
                run = text[start : start + length]
                if run in known:
                    continue
                name = self._match(run, options[start : start + length])
                if name:
                    found.append(SoundMatch(start, start + length, name))
                    for i in range(start, start + length):
                        taken[i] = True
        return sorted(found, key=lambda m: m.start)

    def _match(self, run: str, options: list[tuple[str, ...]]) -> str | None:
        if not all(options):
            return None
        combos = itertools.islice(itertools.product(*options), MAX_READINGS)
        for combo in combos:
            for name in self._exact.get(combo, ()):
                if self._close_enough(run, name, fuzzy_sound=False):
                    return name
            if len(run) >= 3:
                for name in self._fuzzy.get(tuple(map(fuzzy, combo)), ()):
                    if self._close_enough(run, name, fuzzy_sound=True):
                        return name
        return None

    @staticmethod
    def _close_enough(run: str, name: str, *, fuzzy_sound: bool) -> bool:
        if run == name:
            return False
        same = sum(a == b for a, b in zip(run, name, strict=True))
        if len(name) == 2:
            return same >= 1 and not fuzzy_sound
        return same * 2 >= len(name)
