"""The hand-written question sets are well-formed and still point at the right knowledge.

chat.jsonl        realistic Slack questions about the seed article, each with the entry
                  (``target``, an id in knowledge/aigc.json) that answers it; optional
                  ``also_targets`` name other entries that answer it just as well.
offtopic.jsonl    questions the knowledge does not cover; the bot must refuse them.
second_article.jsonl
                  questions about tests/fixtures/articles/<article>, a second web-copied
                  article with no glossary entries; ``heading`` names the section that
                  answers (the last element of its heading path).

Every ``expect_any`` phrase must occur, after the scorer's folding (NFKC, lower-case, no
whitespace), in the title or text of the target entry or one of ``also_targets``; at least
one must occur in the target itself. Every article section and every glossary term is the
target of some chat question. Each kind is split evenly between the tuning half and the
held-back half (the split was fixed by a seeded shuffle before any tuning).

Run with pytest, or directly: ``python tests/eval/test_sets_are_valid.py``.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

EVAL_DIR = Path(__file__).resolve().parent
ROOT = EVAL_DIR.parents[1]
KNOWLEDGE_FILE = ROOT / "knowledge" / "aigc.json"
FIXTURE_DIR = ROOT / "tests" / "fixtures" / "articles"

CHAT_KINDS = {
    "conversational",
    "paraphrase",
    "typo",
    "english",
    "broad",
    "detail",
    "figures",
    "definition",
}
OFFTOPIC_KINDS = {"offtopic-ai", "offtopic-other"}
SECOND_KINDS = CHAT_KINDS | {"use", "risk"}
SPLITS = {"tune", "held"}
MIN_PHRASE, MAX_PHRASE = 2, 15  # folded characters


def fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()


def load(name: str) -> list[dict]:
    rows = []
    path = EVAL_DIR / name
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:  # pragma: no cover - reported as a failure
            raise AssertionError(f"{name}:{number}: not JSON ({exc})") from exc
        assert isinstance(row, dict), f"{name}:{number}: not an object"
        row["_where"] = f"{name}:{number}"
        rows.append(row)
    return rows


def entries() -> dict[str, dict]:
    data = json.loads(KNOWLEDGE_FILE.read_text(encoding="utf-8"))
    return {e["id"]: e for e in data["entries"]}


def entry_hay(entry: dict) -> str:
    return fold(entry["title"]) + "\n" + fold(entry["text"])


def check_common(row: dict, kinds: set[str]) -> None:
    where = row["_where"]
    assert isinstance(row.get("query"), str) and row["query"].strip(), f"{where}: no query"
    assert row.get("kind") in kinds, f"{where}: kind {row.get('kind')!r} not in {sorted(kinds)}"
    assert row.get("split") in SPLITS, f"{where}: split {row.get('split')!r}"
    assert "\n" not in row["query"], f"{where}: newline in query (the scorer sends one per line)"
    if row["kind"].startswith("offtopic"):
        assert row.get("expect") == "no_answer", f"{where}: off-topic case must expect no_answer"
        assert "expect_any" not in row, f"{where}: off-topic case with expect_any"
    else:
        phrases = row.get("expect_any")
        assert isinstance(phrases, list) and phrases, f"{where}: expect_any missing or empty"
        for phrase in phrases:
            assert isinstance(phrase, str), f"{where}: phrase {phrase!r} not a string"
            assert MIN_PHRASE <= len(fold(phrase)) <= MAX_PHRASE, (
                f"{where}: phrase {phrase!r} is {len(fold(phrase))} folded chars"
            )
        assert "expect" not in row, f"{where}: answerable case with expect"


def check_balanced(rows: list[dict], name: str) -> None:
    counts = Counter((r["kind"], r["split"]) for r in rows)
    for kind in {r["kind"] for r in rows}:
        tune, held = counts[(kind, "tune")], counts[(kind, "held")]
        assert abs(tune - held) <= 1, f"{name}: kind {kind} split {tune} tune / {held} held"


def check_unique(rows: list[dict], name: str) -> None:
    dupes = [q for q, n in Counter(fold(r["query"]) for r in rows).items() if n > 1]
    assert not dupes, f"{name}: duplicate queries {dupes}"


# ───────────────────────────── chat.jsonl ─────────────────────────────


def test_chat_cases_are_well_formed() -> None:
    rows = load("chat.jsonl")
    assert len(rows) >= 220, f"chat.jsonl has {len(rows)} cases, want at least 220"
    for row in rows:
        check_common(row, CHAT_KINDS)
    assert {r["kind"] for r in rows} == CHAT_KINDS, "chat.jsonl misses a kind"
    check_balanced(rows, "chat.jsonl")
    check_unique(rows, "chat.jsonl")


def test_chat_phrases_occur_in_their_targets() -> None:
    known = entries()
    problems = []
    for row in load("chat.jsonl"):
        where, target = row["_where"], row.get("target")
        also = row.get("also_targets", [])
        for entry_id in [target, *also]:
            if entry_id not in known:
                problems.append(f"{where}: unknown entry {entry_id!r}")
        if target not in known or any(a not in known for a in also):
            continue
        hays = [entry_hay(known[target])] + [entry_hay(known[a]) for a in also]
        phrases = row["expect_any"]
        if not any(fold(p) in hays[0] for p in phrases):
            problems.append(f"{where}: no phrase of {phrases} in target {target}")
        for phrase in phrases:
            if not any(fold(phrase) in hay for hay in hays):
                problems.append(f"{where}: {phrase!r} not in {target} or also_targets")
    assert not problems, "\n".join(problems)


def test_chat_covers_every_section_and_term() -> None:
    known = entries()
    targeted = {row["target"] for row in load("chat.jsonl")}
    missing = sorted(
        i for i, e in known.items() if e["kind"] in {"term", "section"} and i not in targeted
    )
    assert not missing, f"no chat.jsonl question targets: {missing}"


# ───────────────────────────── offtopic.jsonl ─────────────────────────────


def test_offtopic_cases_are_well_formed() -> None:
    rows = load("offtopic.jsonl")
    for row in rows:
        check_common(row, OFFTOPIC_KINDS)
    kinds = Counter(r["kind"] for r in rows)
    assert kinds["offtopic-ai"] >= 45, kinds
    assert kinds["offtopic-other"] >= 20, kinds
    check_balanced(rows, "offtopic.jsonl")
    check_unique(rows, "offtopic.jsonl")
    chat = {fold(r["query"]) for r in load("chat.jsonl")}
    both = [r["query"] for r in rows if fold(r["query"]) in chat]
    assert not both, f"in both chat.jsonl and offtopic.jsonl: {both}"


# ───────────────────────────── second article ─────────────────────────────


def _second_article_sections(name: str) -> dict[str, str]:
    sys.path.insert(0, str(ROOT))
    from knowledge.articles import read_article

    article = read_article(FIXTURE_DIR / name)
    sections: dict[str, str] = {}
    for section in article.sections:
        text = "\n".join(p.text for p in section.body)
        sections[section.heading_path[-1]] = (
            fold(" ".join(section.heading_path)) + "\n" + fold(text)
        )
    return sections


def test_second_article_fixture_has_the_expected_shape() -> None:
    files = sorted(FIXTURE_DIR.glob("*.txt"))
    assert files, f"no article in {FIXTURE_DIR}"
    for path in files:
        raw = path.read_text(encoding="utf-8")
        assert 2500 <= len(raw) <= 4500, f"{path.name}: {len(raw)} characters"
        sections = _second_article_sections(path.name)
        headings = list(sections)
        assert any(re.match(r"^一、什么是", h) for h in headings), headings
        assert any(re.match(r"^二、.+的应用$", h) for h in headings), headings
        assert any(re.match(r"^三、.+的风险$", h) for h in headings), headings
        assert any(re.match(r"^四、.*挑战与对策$", h) for h in headings), headings
        body = "\n".join(sections.values())
        assert len(re.findall(r"（[A-Za-z][A-Za-z -]+，[A-Z][A-Za-z-]+）", raw)) >= 2, path.name
        assert "简称" in body and ("又称" in body or "也叫" in body), path.name
        assert re.search(r"^图\d+[:：]", raw, re.M), f"{path.name}: no figure caption"


def test_second_article_cases_are_well_formed_and_grounded() -> None:
    rows = load("second_article.jsonl")
    answerable = [r for r in rows if not r["kind"].startswith("offtopic")]
    refused = [r for r in rows if r["kind"].startswith("offtopic")]
    assert len(answerable) >= 40, len(answerable)
    assert len(refused) >= 8, len(refused)
    check_balanced(rows, "second_article.jsonl")
    check_unique(rows, "second_article.jsonl")
    cache: dict[str, dict[str, str]] = {}
    problems = []
    for row in rows:
        check_common(row, SECOND_KINDS | OFFTOPIC_KINDS)
        name = row.get("article")
        assert name and (FIXTURE_DIR / name).is_file(), f"{row['_where']}: article {name!r}"
        if row["kind"].startswith("offtopic"):
            continue
        sections = cache.setdefault(name, _second_article_sections(name))
        heading, also = row.get("heading"), row.get("also_headings", [])
        unknown = [h for h in [heading, *also] if h not in sections]
        if unknown:
            problems.append(f"{row['_where']}: unknown heading(s) {unknown}")
            continue
        hays = [sections[heading]] + [sections[h] for h in also]
        if not any(fold(p) in hays[0] for p in row["expect_any"]):
            problems.append(f"{row['_where']}: no phrase in section {heading!r}")
        for phrase in row["expect_any"]:
            if not any(fold(phrase) in hay for hay in hays):
                problems.append(f"{row['_where']}: {phrase!r} not in {heading!r} or also_headings")
    assert not problems, "\n".join(problems)


if __name__ == "__main__":
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_") and callable(f)]
    failed = 0
    for name, func in tests:
        try:
            func()
        except AssertionError as exc:
            failed += 1
            print(f"FAIL {name}: {exc}")
        else:
            print(f"ok   {name}")
    sys.exit(1 if failed else 0)
