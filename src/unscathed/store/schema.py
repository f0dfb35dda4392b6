"""Table models. Change them only together with a new migration in ``migrations/versions``."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
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

    snippet: Mapped[SnippetRecord] = relationship(back_populates="labels")
