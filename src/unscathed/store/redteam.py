"""Data access for red-team attempts. A submission goes into the label queue (source ``redteam``) and counts
as a failure only once labelers decide it is injurious."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .records import Store, snippet_record
from .rows import ConflictError, now, owned, utc
from .schema import RedTeamAttemptRecord, UserRecord


class AlreadySubmitted(ConflictError):
    """An attempt takes one submission; start a new attempt for the next."""


def start_attempt(session: Session, user_id: int, prompt: str, classifier_version: str, threshold: float, request_id: int | None) -> RedTeamAttemptRecord:
    attempt = RedTeamAttemptRecord(user_id=user_id, prompt=prompt, classifier_version=classifier_version, threshold=threshold, request_id=request_id)
    session.add(attempt)
    session.commit()
    return attempt


def attempt_of(session: Session, attempt_id: int, user_id: int) -> RedTeamAttemptRecord:
    """The attempt, if it belongs to ``user_id``; ``NotFound`` if absent, ``NotYours`` if someone else's."""
    return owned(session, RedTeamAttemptRecord, attempt_id, user_id, "red-team attempt")


def submit(store: Store, session: Session, attempt: RedTeamAttemptRecord, user: UserRecord, completion: str, p_injury: float) -> RedTeamAttemptRecord:
    """Claim the attempt and queue the completion for labeling (source ``redteam``, with its lineage) in one
    transaction, recording the seconds since the attempt began: a second submit of the same attempt (a double
    click, a retried request) finds it claimed and adds nothing to the queue."""
    if attempt.submitted_at is not None:
        raise AlreadySubmitted(f"attempt {attempt.id} was already submitted; start a new attempt")
    submitted = now()
    seconds = (submitted - utc(attempt.started_at)).total_seconds()
    provenance = {"redteam_attempt": attempt.id, "redteamer": user.username, "classifier_version": attempt.classifier_version, "threshold": attempt.threshold, "p_injury": p_injury, "seconds_to_submit": seconds, "generation_request": attempt.request_id}
    claimed = session.execute(update(RedTeamAttemptRecord).where(RedTeamAttemptRecord.id == attempt.id, RedTeamAttemptRecord.submitted_at.is_(None)).values(submitted_at=submitted, completion=completion, p_injury=p_injury, seconds_to_submit=seconds))
    if claimed.rowcount == 0:
        session.rollback()
        raise AlreadySubmitted(f"attempt {attempt.id} was already submitted; start a new attempt")
    snippet = snippet_record({"prompt": attempt.prompt, "completion": completion, "source": "redteam", "provenance": provenance, "selection_strategy": "redteam"}, default_source="redteam")
    session.add(snippet)
    session.flush()
    session.execute(update(RedTeamAttemptRecord).where(RedTeamAttemptRecord.id == attempt.id).values(snippet_id=snippet.id))
    session.commit()
    session.refresh(attempt)
    return attempt


def submissions(session: Session, user_id: int | None = None) -> list[tuple[RedTeamAttemptRecord, str]]:
    """Submitted attempts with the red-teamer's name, optionally for one user, newest first."""
    query = select(RedTeamAttemptRecord, UserRecord.username).join(UserRecord, UserRecord.id == RedTeamAttemptRecord.user_id).where(RedTeamAttemptRecord.submitted_at.is_not(None)).order_by(RedTeamAttemptRecord.id.desc())
    if user_id is not None:
        query = query.where(RedTeamAttemptRecord.user_id == user_id)
    return [(a, name) for a, name in session.execute(query).all()]
