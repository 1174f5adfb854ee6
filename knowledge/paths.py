"""Where the knowledge lives by default, and the per-user cache directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "aigc-knowledge-bot"
PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class KnowledgePaths:
    seeds: Path
    glossary: Path
    knowledge_file: Path


def default_paths() -> KnowledgePaths:
    """The project's own seeds/ and the glossary and knowledge file shipped in the package."""
    return KnowledgePaths(
        seeds=PACKAGE_DIR.parent / "seeds",
        glossary=PACKAGE_DIR / "glossary.toml",
        knowledge_file=PACKAGE_DIR / "aigc.json",
    )


def jieba_cache_dir() -> Path:
    """jieba's dictionary cache goes to the user's cache directory, created if missing."""
    path = Path(platformdirs.user_cache_dir(APP_NAME)) / "jieba"
    path.mkdir(parents=True, exist_ok=True)
    return path


def index_cache_dir() -> Path:
    """Where search indexes derived from knowledge files are cached."""
    return Path(platformdirs.user_cache_dir(APP_NAME)) / "index"
