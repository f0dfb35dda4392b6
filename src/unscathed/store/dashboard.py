"""Read-only queries behind the admin dashboard. Summaries (kappa, medians) are computed by the caller."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .rows import now
from .schema import (
    CandidateRecord,
    ComparisonRecord,
    GenerationRequest,
    GoldAnswerRecord,
    LabelAssignmentRecord,
    LabelRecord,
    QueueItemRecord,
    RedTeamAttemptRecord,
    UserRecord,
)


def queue_sizes(session: Session) -> dict[str, int]:
    """Labels still wanted (and on how many snippets), comparisons waiting, red-team submissions unverified."""
    labels_wanted, snippets_waiting = session.execute(select(func.coalesce(func.sum(QueueItemRecord.remaining), 0), func.count()).where(QueueItemRecord.remaining > 0)).one()
    comparisons = session.scalar(select(func.coalesce(func.sum(ComparisonRecord.remaining), 0)).where(ComparisonRecord.remaining > 0))
    submitted = [a.snippet_id for a in session.scalars(select(RedTeamAttemptRecord).where(RedTeamAttemptRecord.snippet_id.is_not(None)))]
    decided = decided_labels(session, submitted)
    return {"labels_wanted": int(labels_wanted), "snippets_waiting": int(snippets_waiting), "comparisons_waiting": int(comparisons or 0), "redteam_unverified": sum(1 for s in submitted if s not in decided)}


def labels_per_hour(session: Session) -> dict[str, float]:
    """Labels given in the last hour, and the hourly mean over the last 24 hours."""
    t = now()
    last_hour = session.scalar(select(func.count()).select_from(LabelRecord).where(LabelRecord.created_at > t - timedelta(hours=1)))
    last_day = session.scalar(select(func.count()).select_from(LabelRecord).where(LabelRecord.created_at > t - timedelta(hours=24)))
    return {"last_hour": float(last_hour or 0), "mean_last_24h": (last_day or 0) / 24}


def decided_labels(session: Session, snippet_ids: list[int] | None = None) -> dict[int, int]:
    """The decided label of each snippet: its most recent answer that is not 'unsure'."""
    query = select(LabelRecord.snippet_id, LabelRecord.label).where(LabelRecord.label.is_not(None)).order_by(LabelRecord.created_at, LabelRecord.id)
    if snippet_ids is not None:
        query = query.where(LabelRecord.snippet_id.in_(snippet_ids))
    return {snippet_id: label for snippet_id, label in session.execute(query)}


def gold_answers(session: Session) -> list[dict[str, Any]]:
    """Every answered gold assignment: labeler, their answer (None = unsure) and the known answer."""
    query = select(UserRecord.username, LabelAssignmentRecord.answer, GoldAnswerRecord.label).join(UserRecord, UserRecord.id == LabelAssignmentRecord.user_id).join(GoldAnswerRecord, GoldAnswerRecord.snippet_id == LabelAssignmentRecord.snippet_id).where(LabelAssignmentRecord.gold.is_(True), LabelAssignmentRecord.answered_at.is_not(None))
    return [{"labeler": name, "answer": answer, "truth": truth} for name, answer, truth in session.execute(query)]


def multiply_labeled(session: Session) -> dict[int, dict[str, int]]:
    """For each snippet with decided labels from two or more labelers: {labeler: label} (their latest)."""
    several = select(LabelRecord.snippet_id).where(LabelRecord.label.is_not(None)).group_by(LabelRecord.snippet_id).having(func.count(func.distinct(LabelRecord.labeler)) > 1)
    rows: dict[int, dict[str, int]] = {}
    query = select(LabelRecord.snippet_id, LabelRecord.labeler, LabelRecord.label).where(LabelRecord.label.is_not(None), LabelRecord.snippet_id.in_(several)).order_by(LabelRecord.created_at, LabelRecord.id)
    for snippet_id, labeler, label in session.execute(query):
        rows.setdefault(snippet_id, {})[labeler] = label
    return rows


def redteam_submissions(session: Session) -> list[dict[str, Any]]:
    """Every submitted attempt with its red-teamer, classifier version, time and verified label (None: not yet)."""
    query = select(RedTeamAttemptRecord, UserRecord.username).join(UserRecord, UserRecord.id == RedTeamAttemptRecord.user_id).where(RedTeamAttemptRecord.submitted_at.is_not(None))
    attempts = session.execute(query).all()
    decided = decided_labels(session, [a.snippet_id for a, _ in attempts])
    return [{"redteamer": name, "classifier_version": a.classifier_version, "seconds": a.seconds_to_submit, "accepted": a.p_injury is not None and a.p_injury < a.threshold, "label": decided.get(a.snippet_id)} for a, name in attempts]


def acceptance(session: Session, classifier_version: str, last: int = 2000) -> dict[str, float]:
    """Share of the last ``last`` recorded candidates scored by this classifier that fell below their threshold."""
    query = select(CandidateRecord.p_injury < CandidateRecord.threshold).join(GenerationRequest, GenerationRequest.id == CandidateRecord.request_id).where(GenerationRequest.classifier_version == classifier_version).order_by(CandidateRecord.id.desc()).limit(last)
    below = [bool(b) for b in session.scalars(query)]
    return {"candidates": len(below), "accept_rate": (sum(below) / len(below)) if below else float("nan")}
