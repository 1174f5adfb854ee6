"""Seeds + curated glossary → the knowledge file (deterministic: same inputs, same bytes).

The knowledge file holds every answerable entry (glossary terms and article sections cut
into chat-sized pieces) with the search tokens precomputed, plus the small jieba
vocabulary the search loads instead of jieba's full dictionary. The parts: articles.py reads
the seeds, chunking.py cuts them into entries, glossary.py reads the terms and links them to
sections, digest_material.py adds keywords, summaries and figure sentences.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path

import jieba

from knowledge.articles import ARTICLE_SUFFIXES, ArticleError, read_article
from knowledge.chunking import MAX_CHARS as MAX_CHARS  # re-exported for tests/fuzz
from knowledge.chunking import section_entries
from knowledge.definitions import assign_defined_names
from knowledge.digest_material import add_digest_material
from knowledge.glossary import (
    GlossaryError,
    load_glossary,
    resolve_links,
    resolve_phrasings,
    term_entry,
)
from knowledge.glossary import read_glossary as read_glossary  # re-exported for tests/fuzz
from knowledge.paths import default_paths, jieba_cache_dir
from knowledge.synonyms import load_lexicon, synonym_table
from knowledge.text import Segmenter, compact, fold, has_han

FORMAT_VERSION = 1


class BuildError(ValueError):
    """The inputs cannot make a knowledge file; the message names the file and entry."""


# --- vocabulary and tokens ------------------------------------------------------------------


def full_tokenizer(glossary_words: Iterable[str]) -> jieba.Tokenizer:
    """jieba with its full dictionary (cached per user) and the glossary's names kept whole."""
    jieba.setLogLevel(logging.WARNING)
    full = jieba.Tokenizer()
    full.tmp_dir = str(jieba_cache_dir())
    full.initialize()
    for word in glossary_words:
        full.add_word(word)
    return full


def build_vocabulary(
    full: jieba.Tokenizer, texts: Iterable[str], glossary_words: Iterable[str]
) -> tuple[list[list], int]:
    """The words jieba's full dictionary cuts the knowledge into, with their frequencies."""
    seen: dict[str, int] = {}
    for text in texts:
        for word in full.cut_for_search(fold(text), HMM=True):
            word = word.strip()
            if word and full.FREQ.get(word):
                seen[word] = full.FREQ[word]
    for word in glossary_words:
        seen[word] = full.FREQ[word]
    return [[w, seen[w]] for w in sorted(seen)], full.total


def _index_text(entry: dict) -> str:
    """What the index reads for an entry: names, headings and everyday phrasings count twice."""
    if entry["kind"] == "term":
        names = " ".join([*entry["aliases"], *entry["phrasings"], entry["gloss"]])
        return f"{names} {names} {entry['text']}"
    headings = " ".join(
        [*entry["source"]["heading_path"], *entry.get("aliases", ()), *entry["phrasings"]]
    )
    return f"{headings} {headings} {entry['text']} {' '.join(entry['figures'])}"


# --- the whole build ------------------------------------------------------------------------


def find_articles(seeds_dir: Path) -> list[Path]:
    if not seeds_dir.is_dir():
        raise BuildError(f"{seeds_dir}: the seeds folder does not exist")
    files = sorted(p for p in seeds_dir.iterdir() if p.suffix.lower() in ARTICLE_SUFFIXES)
    if not files:
        raise BuildError(f"{seeds_dir}: no articles (.txt or .md) to build from")
    return files


def build_knowledge(seeds_dir: Path, glossary_path: Path) -> dict:
    try:
        glossary = load_glossary(glossary_path)
        terms = glossary.terms
        articles = [read_article(path) for path in find_articles(seeds_dir)]
        sections = [entry for article in articles for entry in section_entries(article)]
        links = resolve_links(glossary_path, terms, sections)
        phrasings = resolve_phrasings(glossary_path, glossary, sections)
    except (ArticleError, GlossaryError) as exc:
        raise BuildError(str(exc)) from exc
    for entry in sections:
        entry["phrasings"] = phrasings.get(entry["id"], [])
    # Names an article defines (联邦学习（Federated Learning，FL）) name the defining section,
    # unless the glossary already has them.
    glossary_names = {compact(n) for t in terms for n in t.names}
    keywords = {a.file: a.keywords for a in articles}
    defined = assign_defined_names(sections, glossary_names, keywords)
    for entry in sections:
        entry["aliases"] = defined.get(entry["id"], [])
    entries = [
        term_entry(t, glossary_path.name, links[t.id], phrasings.get(f"term:{t.id}")) for t in terms
    ] + sections

    # Names and phrasings are kept whole by jieba, so a query naming one finds it as one word.
    glossary_words = sorted(
        {
            fold(n)
            for n in [
                *(n for t in terms for n in t.names),
                *(p for ps in phrasings.values() for p in ps),
                *(n for ns in defined.values() for n in ns),
            ]
            if has_han(n) and " " not in fold(n)
        }
    )
    # The lexicon's everyday words are cut whole in questions ("骗钱", not "骗" + "钱").
    lexicon = load_lexicon()
    everyday = sorted(w for w in lexicon if has_han(w) and " " not in w and w not in glossary_words)
    full = full_tokenizer([*glossary_words, *everyday])
    words, total = build_vocabulary(full, [_index_text(e) for e in entries], glossary_words)
    # Everyday words for the knowledge's words (骗钱 → 诈骗, startup → 创业企业), cut whole in
    # questions too.
    synonyms = synonym_table(
        lexicon, {w for w, _ in words}, lambda t: [p for p in full.lcut(t) if p.strip()]
    )
    known = {w for w, _ in words}
    words = sorted(
        [*words, *([w, full.FREQ[w]] for w in synonyms if w not in known and full.FREQ.get(w))]
    )
    segmenter = Segmenter(((w, f) for w, f in words), total)
    term_keys = [(t.id, [compact(n) for n in t.names]) for t in terms]
    for entry in entries:
        entry["tokens"] = " ".join(segmenter.index_tokens(_index_text(entry)))
        if entry["kind"] == "section":
            body = compact(entry["text"] + " ".join(entry["figures"]))
            entry["terms"] = [
                f"term:{tid}" for tid, keys in term_keys if any(k in body for k in keys)
            ]
    facts = add_digest_material(entries, full)
    return {
        "format": FORMAT_VERSION,
        "articles": [
            {
                "file": a.file,
                "title": a.title,
                "keywords": a.keywords,
                "url": a.source_url,
            }
            for a in articles
        ],
        "vocabulary": {"total": total, "words": words},
        "entries": entries,
        "facts": facts,
        "synonyms": synonyms,
    }


def dump_knowledge(knowledge: dict) -> str:
    return json.dumps(knowledge, ensure_ascii=False, indent=1) + "\n"


def build_command(argv: list[str] | None = None, prog: str = "python -m knowledge build") -> int:
    """`build`: write the knowledge file (or, with --check, say whether it is stale)."""
    import argparse
    import sys

    paths = default_paths()
    parser = argparse.ArgumentParser(prog=prog, description=build_command.__doc__)
    parser.add_argument("--seeds", type=Path, default=paths.seeds, help="folder of articles")
    parser.add_argument("--glossary", type=Path, default=paths.glossary, help="glossary TOML")
    parser.add_argument("--out", type=Path, default=paths.knowledge_file, help="knowledge file")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the knowledge file is not up to date"
    )
    args = parser.parse_args(argv)
    try:
        knowledge = build_knowledge(args.seeds, args.glossary)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    text = dump_knowledge(knowledge)
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(
                f"{args.out} is out of date with the seeds and the glossary. "
                f"Rebuild it with: python -m bot build",
                file=sys.stderr,
            )
            return 1
        print(f"{args.out} is up to date.")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    kinds = [e["kind"] for e in knowledge["entries"]]
    print(
        f"Built {args.out}: {kinds.count('term')} terms, {kinds.count('section')} sections "
        f"from {len(knowledge['articles'])} article(s)."
    )
    return 0
