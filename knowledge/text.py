"""Normalisation and tokenising shared by the build and the search.

Both sides must fold text the same way, so everything that turns text into
comparable keys or tokens lives here: NFKC (full-width forms), case folding,
Traditional→Simplified (OpenCC), jieba segmentation and pinyin keys.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import jieba

from knowledge.stopwords import STOPWORDS

MAX_QUERY_CHARS = 500

# Punctuation and symbols in any script, plus whitespace: removed from alias keys.
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_SPACES = re.compile(r"\s+")
_ENGLISH_WORD = re.compile(r"^[a-z]+$")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# A sentence ends after these marks; a run of them ("！？") stays with its sentence.
_SENTENCE_MARKS = "。！？!?；;"
_SENTENCE_END = re.compile(rf"(?<=[{_SENTENCE_MARKS}])(?![{_SENTENCE_MARKS}])")


@lru_cache(maxsize=2)
def _converter(config: str):
    # Imported lazily: OpenCC loads its dictionaries on first use.
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese, including Taiwan wording (資料→数据, 演算法→算法).

    Text that is already Simplified is returned unchanged: the Taiwan phrase tables would
    otherwise "correct" mainland wording (显著→显着).
    """
    simplified = _converter("t2s").convert(text)
    if simplified == text:
        return text
    return _converter("tw2sp").convert(text)


def drop_control_chars(text: str) -> str:
    """Remove control and format characters (zero-width, bidi marks), keep line breaks as spaces."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\n\r\t":
            out.append(" ")
        elif cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        else:
            out.append(ch)
    return "".join(out)


def fold(text: str) -> str:
    """Comparable form of any text: NFKC, lower case, Simplified Chinese, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    if _HAN.search(text):
        text = to_simplified(text)
    return _SPACES.sub(" ", text).strip()


def compact(text: str) -> str:
    """Key for exact and fuzzy name matching: folded, without spaces or punctuation."""
    return _NON_WORD.sub("", fold(text))


def has_han(text: str) -> bool:
    return bool(_HAN.search(text))


def is_han(text: str) -> bool:
    """Every character is Chinese (and there is at least one)."""
    return bool(text) and all(_HAN.match(c) for c in text)


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, each with its closing mark; joined they give `text` back
    (minus blank pieces). The one sentence splitter of the project."""
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def first_sentence(text: str, limit: int) -> str:
    """The opening sentence without its closing mark, cut to `limit` characters with "…"."""
    sentences = split_sentences(text)
    sentence = sentences[0].strip().rstrip(_SENTENCE_MARKS + "，,：:") if sentences else ""
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip("，,、") + "…"


def pinyin_key(text: str) -> str:
    """Toneless pinyin of the Chinese characters in `text`, other characters kept ("hechengshuju")."""
    from pypinyin import Style, lazy_pinyin  # build time only: pypinyin is slow to import

    return compact("".join(lazy_pinyin(fold(text), style=Style.NORMAL, errors="default")))


class Segmenter:
    """jieba over a known vocabulary.

    The build segments the articles with jieba's full dictionary and keeps only the words
    that occur (plus the glossary terms). Searching loads that small vocabulary instead of
    jieba's 350k-word dictionary: start-up drops from ~0.5 s to a few ms, and queries are cut
    exactly the way the knowledge was cut. Words outside the vocabulary cannot match anything
    in the index anyway.
    """

    def __init__(self, words: Iterable[tuple[str, int]], total: int) -> None:
        jieba.setLogLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        data = "\n".join(f"{w} {f}" for w, f in words).encode("utf-8")
        freq, _ = self._tokenizer.gen_pfdict(io.BytesIO(data))
        self._tokenizer.FREQ = freq
        # Keep the full dictionary's total so word probabilities, and so the cuts, are unchanged.
        self._tokenizer.total = max(total, 1)
        self._tokenizer.initialized = True

    def cut(self, folded_text: str) -> list[str]:
        return [w for w in self._tokenizer.cut(folded_text, HMM=True) if w.strip()]

    def pieces(self, word: str) -> list[str]:
        """Dictionary words inside one word, without guessing new words (no HMM)."""
        return [w for w in self._tokenizer.cut(word, HMM=False) if w.strip()]

    def tokens(self, text: str) -> list[str]:
        """Search tokens of `text`: folded, segmented, without stopwords and punctuation."""
        return content_tokens(self.cut(fold(text)))

    def index_tokens(self, text: str) -> list[str]:
        """Tokens to index: also the words inside long words ("生成对抗网络" → "对抗", "网络"),
        so a query naming part of a long name still finds it."""
        return content_tokens(self._tokenizer.cut_for_search(fold(text), HMM=True))


@lru_cache(maxsize=1)
def _english_stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def content_tokens(words: Iterable[str]) -> list[str]:
    """Words that carry meaning, English ones stemmed ("layers" and "layer" match)."""
    out = []
    for word in words:
        word = word.strip().lower()
        if not word or word in STOPWORDS or not _NON_WORD.sub("", word):
            continue
        if len(word) > 3 and _ENGLISH_WORD.match(word):
            word = _english_stemmer().stemWord(word)
        out.append(word)
    return out


def clean_query(raw: str) -> tuple[str, bool]:
    """User text → (text to search, whether it was cut to MAX_QUERY_CHARS)."""
    # Clean a generous head only: a 100 KB paste costs no more than a long question.
    head = raw[: MAX_QUERY_CHARS * 4]
    text = _SPACES.sub(" ", drop_control_chars(head)).strip()
    if len(raw) > len(head) and len(text) <= MAX_QUERY_CHARS:
        return text, True
    truncated = len(text) > MAX_QUERY_CHARS
    return text[:MAX_QUERY_CHARS], truncated
