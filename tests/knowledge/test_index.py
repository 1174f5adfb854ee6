"""The per-user cache of the search index: used when fresh, rebuilt when damaged or stale."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

from knowledge import Knowledge
from knowledge.index import KnowledgeIndex, load_index
from knowledge.paths import default_paths

RAW = default_paths().knowledge_file.read_bytes()


def test_index_is_cached_and_reused(tmp_path: Path) -> None:
    first = load_index(RAW, tmp_path)
    cached = list(tmp_path.glob("index-*.pickle"))
    assert len(cached) == 1
    second = load_index(RAW, tmp_path)
    assert second.entry_ids == first.entry_ids
    assert Knowledge(second).search("什么是MaaS").answer is not None


def test_damaged_cache_is_rebuilt(tmp_path: Path) -> None:
    load_index(RAW, tmp_path)
    (cache,) = tmp_path.glob("index-*.pickle")
    cache.write_bytes(b"not a pickle")
    index = load_index(RAW, tmp_path)
    assert isinstance(index, KnowledgeIndex)
    assert isinstance(pickle.loads(cache.read_bytes()), KnowledgeIndex)


def test_changed_knowledge_file_never_meets_a_stale_index(tmp_path: Path) -> None:
    load_index(RAW, tmp_path)
    data = json.loads(RAW)
    data["entries"][0]["title"] = "改过的标题"
    index = load_index(json.dumps(data).encode(), tmp_path)
    assert Knowledge(index).entries[0].title == "改过的标题"


def test_unwritable_cache_still_loads(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    index = load_index(RAW, blocker / "cache")  # cannot create a folder under a file
    assert index.entry_ids


def test_cache_can_be_turned_off() -> None:
    assert Knowledge.load(cache=False).search("合成数据").answer is not None
