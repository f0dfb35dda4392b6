"""Table models. Change them only together with a new migration in ``migrations/versions``."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class GenerationRequest(Base):
    """One prompt sent through the filter: the policy in force and how it ended."""

    __tablename__ = "generation_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    prompt: Mapped[str] = mapped_column(Text)
    generator: Mapped[str] = mapped_column(String(200))
    sampling_settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    classifier_version: Mapped[str] = mapped_column(String(64))
    threshold: Mapped[float] = mapped_column(Float)
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(20))  # "accepted" or "exhausted"
    attempts: Mapped[int] = mapped_column(Integer)

    candidates: Mapped[list["CandidateRecord"]] = relationship(back_populates="request", order_by="CandidateRecord.position")


class CandidateRecord(Base):
    """A completion drawn for a request, with its score and the threshold it was judged against."""

    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("generation_requests.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    completion: Mapped[str] = mapped_column(Text)
    token_logprobs: Mapped[list[float] | None] = mapped_column(JSON, nullable=True)
    finish_reason: Mapped[str] = mapped_column(String(20))
    p_injury: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    accepted: Mapped[bool] = mapped_column(Boolean)

    request: Mapped[GenerationRequest] = relationship(back_populates="candidates")


class SnippetRecord(Base):
    """A snippet to be labeled, with how it was made and how it was chosen."""

    __tablename__ = "snippets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    prompt: Mapped[str] = mapped_column(Text)
    completion: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(40))  # e.g. "generated", "written", "attack"
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    selection_strategy: Mapped[str] = mapped_column(String(60), default="all")
    selection_probability: Mapped[float] = mapped_column(Float, default=1.0)
    split: Mapped[str | None] = mapped_column(String(20), nullable=True)

    labels: Mapped[list["LabelRecord"]] = relationship(back_populates="snippet")


class LabelRecord(Base):
    """One labeler's answer for one snippet: 1 injurious, 0 not, None unsure."""

    __tablename__ = "labels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    snippet_id: Mapped[int] = mapped_column(ForeignKey("snippets.id"), index=True)
    labeler: Mapped[str] = mapped_column(String(100))
    label: Mapped[int | None] = mapped_column(Integer, nullable=True)
    category: Mapped[str | None] = mapped_column(String(60), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    seconds_spent: Mapped[float | None] = mapped_column(Float, nullable=True)
    # A best-guess label flagged as a real toss-up (migration 0003); unsure positives are counted and reported.
    unsure: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    snippet: Mapped[SnippetRecord] = relationship(back_populates="labels")


# Web app tables (migration 0002_web): accounts, the label queue, comparisons, red-team attempts.


class UserRecord(Base):
    """A person who works in the web app, with one role: admin, labeler, rater or redteamer."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class WebSessionRecord(Base):
    """A logged-in browser: the id is the SHA-256 of the cookie's token, so a stolen table opens nothing."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    csrf_token: Mapped[str] = mapped_column(String(64))


class LoginAttemptRecord(Base):
    """Every login attempt, so repeated failures for a name can be slowed down."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    client: Mapped[str] = mapped_column(String(100))
    succeeded: Mapped[bool] = mapped_column(Boolean)


class GoldAnswerRecord(Base):
    """A snippet with a known answer, mixed into the queue to measure each labeler's accuracy."""

    __tablename__ = "gold_answers"

    snippet_id: Mapped[int] = mapped_column(ForeignKey("snippets.id"), primary_key=True)
    label: Mapped[int] = mapped_column(Integer)


class QueueItemRecord(Base):
    """How many more labels a snippet is waiting for (two for the share labeled twice for agreement)."""

    __tablename__ = "label_queue"

    snippet_id: Mapped[int] = mapped_column(ForeignKey("snippets.id"), primary_key=True)
    labels_wanted: Mapped[int] = mapped_column(Integer)
    remaining: Mapped[int] = mapped_column(Integer, index=True)


class LabelAssignmentRecord(Base):
    """A snippet handed to one labeler, and their answer. Gold answers stay here, out of the training labels."""

    __tablename__ = "label_assignments"
    __table_args__ = (UniqueConstraint("snippet_id", "user_id", name="uq_label_assignments_snippet_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snippet_id: Mapped[int] = mapped_column(ForeignKey("snippets.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    gold: Mapped[bool] = mapped_column(Boolean, default=False)
    expired: Mapped[bool] = mapped_column(Boolean, default=False)
    answer: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1, 0, or None for unsure
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    seconds_spent: Mapped[float | None] = mapped_column(Float, nullable=True)
    label_id: Mapped[int | None] = mapped_column(ForeignKey("labels.id"), nullable=True, unique=True)


class ComparisonRecord(Base):
    """One sampled prompt of the efficient quality design: y0 ~ p, and y1 ~ q when y0 was rejected."""

    __tablename__ = "comparisons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    prompt: Mapped[str] = mapped_column(Text)
    unfiltered_completion: Mapped[str] = mapped_column(Text)
    unfiltered_accepted: Mapped[bool] = mapped_column(Boolean)
    filtered_completion: Mapped[str | None] = mapped_column(Text, nullable=True)  # None: not needed, or nothing passed
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    remaining: Mapped[int] = mapped_column(Integer, index=True)  # human judgments still wanted


class ComparisonJudgmentRecord(Base):
    """A rater's blind choice; ``filtered_first`` remembers the random order they saw."""

    __tablename__ = "comparison_judgments"
    __table_args__ = (UniqueConstraint("comparison_id", "user_id", name="uq_comparison_judgments_comparison_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comparison_id: Mapped[int] = mapped_column(ForeignKey("comparisons.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    filtered_first: Mapped[bool] = mapped_column(Boolean)
    preference: Mapped[float | None] = mapped_column(Float, nullable=True)  # 1 filtered better, 0 unfiltered, 0.5 tie
    seconds_spent: Mapped[float | None] = mapped_column(Float, nullable=True)


class RedTeamAttemptRecord(Base):
    """A red-teamer's attempt on one prompt; a submission is queued for labeling before it counts as a failure."""

    __tablename__ = "redteam_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    prompt: Mapped[str] = mapped_column(Text)
    classifier_version: Mapped[str] = mapped_column(String(64))
    threshold: Mapped[float] = mapped_column(Float)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("generation_requests.id"), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    completion: Mapped[str | None] = mapped_column(Text, nullable=True)
    p_injury: Mapped[float | None] = mapped_column(Float, nullable=True)
    seconds_to_submit: Mapped[float | None] = mapped_column(Float, nullable=True)
    snippet_id: Mapped[int | None] = mapped_column(ForeignKey("snippets.id"), nullable=True)
