"""Team knowledge: votes on answers, suggested terms, each workspace's approved overlay and the
version row every process polls (issue 12).

- `answer_votes`: one 👍/👎 per (team, entry, user hash), changeable, with the 👎 modal's text.
- `suggestions`: proposed terms (JSON) with who proposed and who decided (Slack user ids).
- `team_terms`: approved terms answering as `key`; live while `retired_at` is NULL.
- `knowledge_version`: per workspace, a number bumped with every overlay change.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "answer_votes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("entry_id", sa.String(length=200), nullable=False),
        sa.Column("user_hash", sa.String(length=64), nullable=False),
        sa.Column("vote", sa.SmallInteger(), nullable=False),
        sa.Column("wanted", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "team_id",
            "entry_id",
            "user_hash",
            name=op.f("uq_answer_votes_team_id_entry_id_user_hash"),
        ),
    )
    op.create_index(
        op.f("ix_answer_votes_team_id_updated_at"), "answer_votes", ["team_id", "updated_at"]
    )
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("submitter", sa.String(length=32), nullable=False),
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reviewer", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_suggestions_team_id_status_created_at"),
        "suggestions",
        ["team_id", "status", "created_at"],
    )
    op.create_table(
        "team_terms",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("suggestion_id", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.String(length=32), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.Column("retired_by", sa.String(length=32), nullable=True),
        sa.Column("retired_reason", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_team_terms_team_id_retired_at"), "team_terms", ["team_id", "retired_at"]
    )
    op.create_table(
        "knowledge_version",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id"),
    )


def downgrade() -> None:
    op.drop_table("knowledge_version")
    op.drop_index(op.f("ix_team_terms_team_id_retired_at"), table_name="team_terms")
    op.drop_table("team_terms")
    op.drop_index(op.f("ix_suggestions_team_id_status_created_at"), table_name="suggestions")
    op.drop_table("suggestions")
    op.drop_index(op.f("ix_answer_votes_team_id_updated_at"), table_name="answer_votes")
    op.drop_table("answer_votes")
