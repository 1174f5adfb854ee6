"""Storage: subscriptions, digest posts, the query log, processed events and the team knowledge
(votes, suggestions, approved terms, their versions), plus slack_sdk's installation and
OAuth-state tables, all on one DATABASE_URL. See docs/STORAGE.md.

Import from here, not from the modules inside: `bot.store.store` and friends are private."""

from bot.store.engine import StoreError, default_database_path, make_engine
from bot.store.migrate import current_revision, head_revision, migrate
from bot.store.models import (
    CONVERSATION_TYPES,
    AnswerVote,
    Base,
    DigestPost,
    KnowledgeReport,
    KnowledgeVersion,
    ProcessedEvent,
    QueryLog,
    Subscription,
    SuggestionRow,
    TeamTermRow,
)
from bot.store.store import (
    MIN_TOPIC_ASKERS,
    EntryStat,
    OwnQuestion,
    QueryRecord,
    Store,
    Suggestion,
    SuggestionDecided,
    TopicStat,
    VoteCount,
    hash_user,
    installation_store,
    oauth_state_store,
)
from bot.store.tokens import TokenCipher, reencrypt_tokens

__all__ = [
    "CONVERSATION_TYPES",
    "MIN_TOPIC_ASKERS",
    "AnswerVote",
    "Base",
    "DigestPost",
    "EntryStat",
    "KnowledgeReport",
    "KnowledgeVersion",
    "OwnQuestion",
    "ProcessedEvent",
    "QueryLog",
    "QueryRecord",
    "Store",
    "StoreError",
    "Subscription",
    "Suggestion",
    "SuggestionDecided",
    "SuggestionRow",
    "TeamTermRow",
    "TokenCipher",
    "TopicStat",
    "VoteCount",
    "current_revision",
    "default_database_path",
    "hash_user",
    "head_revision",
    "installation_store",
    "make_engine",
    "migrate",
    "oauth_state_store",
    "reencrypt_tokens",
]
