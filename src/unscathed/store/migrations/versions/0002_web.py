"""Web app: users, sessions, login attempts, gold answers, the label queue and assignments, comparisons,
red-team attempts.

Revision ID: 0002_web
Revises: 0001_initial
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_web"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True)


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _user() -> sa.Column:
    return sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False)


def _snippet(primary_key: bool = False) -> sa.Column:
    return sa.Column("snippet_id", sa.Integer, sa.ForeignKey("snippets.id"), nullable=False, primary_key=primary_key)


def upgrade() -> None:
    op.create_table(
        "users", _id(), _when("created_at"),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        _user(), _when("created_at"), _when("expires_at"),
        sa.Column("csrf_token", sa.String(64), nullable=False),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])
    op.create_table(
        "login_attempts", _id(), _when("created_at"),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("client", sa.String(100), nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False),
    )
    op.create_index("ix_login_attempts_created_at", "login_attempts", ["created_at"])
    op.create_index("ix_login_attempts_username", "login_attempts", ["username"])
    op.create_table("gold_answers", _snippet(primary_key=True), sa.Column("label", sa.Integer, nullable=False))
    op.create_table(
        "label_queue", _snippet(primary_key=True),
        sa.Column("labels_wanted", sa.Integer, nullable=False),
        sa.Column("remaining", sa.Integer, nullable=False),
    )
    op.create_index("ix_label_queue_remaining", "label_queue", ["remaining"])
    op.create_table(
        "label_assignments", _id(), _snippet(), _user(), _when("issued_at"), _when("answered_at", nullable=True),
        sa.Column("gold", sa.Boolean, nullable=False),
        sa.Column("expired", sa.Boolean, nullable=False),
        sa.Column("answer", sa.Integer, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("seconds_spent", sa.Float, nullable=True),
        sa.Column("label_id", sa.Integer, sa.ForeignKey("labels.id"), nullable=True, unique=True),
        sa.UniqueConstraint("snippet_id", "user_id", name="uq_label_assignments_snippet_user"),
    )
    op.create_index("ix_label_assignments_snippet_id", "label_assignments", ["snippet_id"])
    op.create_index("ix_label_assignments_user_id", "label_assignments", ["user_id"])
    op.create_table(
        "comparisons", _id(), _when("created_at"),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("unfiltered_completion", sa.Text, nullable=False),
        sa.Column("unfiltered_accepted", sa.Boolean, nullable=False),
        sa.Column("filtered_completion", sa.Text, nullable=True),
        sa.Column("provenance", sa.JSON, nullable=False),
        sa.Column("remaining", sa.Integer, nullable=False),
    )
    op.create_index("ix_comparisons_remaining", "comparisons", ["remaining"])
    op.create_table(
        "comparison_judgments", _id(),
        sa.Column("comparison_id", sa.Integer, sa.ForeignKey("comparisons.id"), nullable=False),
        _user(), _when("issued_at"), _when("answered_at", nullable=True),
        sa.Column("filtered_first", sa.Boolean, nullable=False),
        sa.Column("preference", sa.Float, nullable=True),
        sa.Column("seconds_spent", sa.Float, nullable=True),
        sa.UniqueConstraint("comparison_id", "user_id", name="uq_comparison_judgments_comparison_user"),
    )
    op.create_index("ix_comparison_judgments_comparison_id", "comparison_judgments", ["comparison_id"])
    op.create_index("ix_comparison_judgments_user_id", "comparison_judgments", ["user_id"])
    op.create_table(
        "redteam_attempts", _id(), _user(), _when("started_at"),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("classifier_version", sa.String(64), nullable=False),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("generation_requests.id"), nullable=True),
        _when("submitted_at", nullable=True),
        sa.Column("completion", sa.Text, nullable=True),
        sa.Column("p_injury", sa.Float, nullable=True),
        sa.Column("seconds_to_submit", sa.Float, nullable=True),
        sa.Column("snippet_id", sa.Integer, sa.ForeignKey("snippets.id"), nullable=True),
    )
    op.create_index("ix_redteam_attempts_user_id", "redteam_attempts", ["user_id"])


def downgrade() -> None:
    for table in ("redteam_attempts", "comparison_judgments", "comparisons", "label_assignments", "label_queue", "gold_answers", "login_attempts", "web_sessions", "users"):
        op.drop_table(table)
