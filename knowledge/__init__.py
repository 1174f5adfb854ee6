"""The AIGC knowledge engine: articles and a glossary in, answers out. Knows nothing of Slack."""

from knowledge.model import Article, Entry, Fact, Hit, SearchResult, Source
from knowledge.search import Knowledge, KnowledgeFileError

__all__ = [
    "Article",
    "Entry",
    "Fact",
    "Hit",
    "Knowledge",
    "KnowledgeFileError",
    "SearchResult",
    "Source",
]
