"""Generate a synthetic knowledge file of N entries for benchmarks.

Entries are made from the real knowledge file's vocabulary and sentences, so token
statistics look like real Chinese articles; the real entries are kept so the dev queries
still have their answers somewhere in the pile.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from knowledge.build import dump_knowledge
from knowledge.paths import default_paths


def synthetic_knowledge(size: int, seed: int = 7) -> dict:
    base = json.loads(default_paths().knowledge_file.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    words = [w for w, _ in base["vocabulary"]["words"] if len(w) > 1]
    sentences = [
        s
        for e in base["entries"]
        if e["kind"] == "section"
        for s in e["text"].replace("\n", "").split("。")
        if len(s) > 10
    ]
    entries = list(base["entries"])
    for n in range(size - len(entries)):
        title_words = rng.sample(words, 3)
        body = "。".join(rng.sample(sentences, 2)) + "。" + "".join(rng.sample(words, 12)) + "。"
        tokens = title_words * 2 + rng.sample(words, 40)
        entries.append(
            {
                "id": f"synthetic.md#{n:08d}",
                "kind": "section",
                "title": "".join(title_words),
                "text": body,
                "source": {
                    "file": "synthetic.md",
                    "article": "合成基准文章",
                    "heading_path": ["".join(title_words)],
                    "lines": [n + 1, n + 1],
                    "url": None,
                },
                "aliases": [],
                "keywords": [],
                "figures": [],
                "figure_only": False,
                "tokens": " ".join(tokens),
                "terms": [],
            }
        )
    return {**base, "entries": entries}


def write_synthetic(size: int, out: Path) -> Path:
    out.write_text(dump_knowledge(synthetic_knowledge(size)), encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("size", type=int)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    print(write_synthetic(args.size, args.out))


if __name__ == "__main__":
    main()
