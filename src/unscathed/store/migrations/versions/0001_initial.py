"""Initial schema: filter requests and their candidates, snippets and their labels.

Revision ID: 0001_initial
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "generation_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("generator", sa.String(200), nullable=False),
        sa.Column("sampling_settings", sa.JSON, nullable=False),
        sa.Column("classifier_version", sa.String(64), nullable=False),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("policy", sa.JSON, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
    )
    op.create_table(
        "candidates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("generation_requests.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("completion", sa.Text, nullable=False),
        sa.Column("token_logprobs", sa.JSON, nullable=True),
        sa.Column("finish_reason", sa.String(20), nullable=False),
        sa.Column("p_injury", sa.Float, nullable=False),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("accepted", sa.Boolean, nullable=False),
    )
    op.create_index("ix_candidates_request_id", "candidates", ["request_id"])
    op.create_table(
        "snippets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("completion", sa.Text, nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("provenance", sa.JSON, nullable=False),
        sa.Column("selection_strategy", sa.String(60), nullable=False),
        sa.Column("selection_probability", sa.Float, nullable=False),
        sa.Column("split", sa.String(20), nullable=True),
    )
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("snippet_id", sa.Integer, sa.ForeignKey("snippets.id"), nullable=False),
        sa.Column("labeler", sa.String(100), nullable=False),
        sa.Column("label", sa.Integer, nullable=True),
        sa.Column("category", sa.String(60), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("seconds_spent", sa.Float, nullable=True),
    )
    op.create_index("ix_labels_snippet_id", "labels", ["snippet_id"])


def downgrade() -> None:
    op.drop_table("labels")
    op.drop_table("snippets")
    op.drop_index("ix_candidates_request_id", "candidates")
    op.drop_table("candidates")
    op.drop_table("generation_requests")
