"""Data access for the label queue: which snippet a labeler gets next, their answers, gold answers, imports.

Every snippet without a label enters the queue wanting one label, or two for a fixed share chosen by a hash
of its id (so agreement can be measured). Gold snippets (known answers) are mixed in at random; answers to them
are kept on the assignment, never as training labels, so a labeler's mistake cannot overwrite the known answer.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Iterable

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .rows import ConflictError, add_once, answer_once, found, now, owned, take_slot, utc
from .schema import GoldAnswerRecord, LabelAssignmentRecord, LabelRecord, QueueItemRecord, SnippetRecord, UserRecord


@dataclass(frozen=True)
class QueuePolicy:
    double_label_share: float = 0.2
    gold_rate: float = 0.1
    assignment_timeout: timedelta = timedelta(minutes=30)


def wants_two_labels(snippet_id: int, share: float) -> bool:
    """A fixed, reproducible share of snippets is labeled twice."""
    digest = hashlib.sha256(f"double-label:{snippet_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def sync_queue(session: Session, policy: QueuePolicy) -> int:
    """Enter new unlabeled snippets into the queue and hand back stale assignments. Returns snippets entered."""
    labeled = exists().where(LabelRecord.snippet_id == SnippetRecord.id)
    gold = exists().where(GoldAnswerRecord.snippet_id == SnippetRecord.id)
    new = session.execute(select(SnippetRecord.id, labeled | gold).outerjoin(QueueItemRecord, QueueItemRecord.snippet_id == SnippetRecord.id).where(QueueItemRecord.snippet_id.is_(None))).all()
    for snippet_id, done in new:
        wanted = 0 if done else (2 if wants_two_labels(snippet_id, policy.double_label_share) else 1)
        session.add(QueueItemRecord(snippet_id=snippet_id, labels_wanted=wanted, remaining=wanted))
    stale = list(session.scalars(select(LabelAssignmentRecord).where(LabelAssignmentRecord.answered_at.is_(None), LabelAssignmentRecord.expired.is_(False), LabelAssignmentRecord.issued_at < now() - policy.assignment_timeout)))
    for assignment in stale:
        assignment.expired = True
        if not assignment.gold:
            _give_back(session, assignment.snippet_id)
    try:
        session.commit()
    except IntegrityError:  # another request entered the same snippets first
        session.rollback()
        return 0
    return len(new)


def is_tied(session: Session, snippet_id: int) -> bool:
    """True when the snippet's decided labels are split evenly between 0 and 1 (a conflict to adjudicate).

    The snippet's queue row is locked first (PostgreSQL; SQLite's single writer serialises anyway), so two
    readers answering the same snippet at once are counted one after the other and exactly one of them sees
    the tie."""
    session.execute(select(QueueItemRecord.snippet_id).where(QueueItemRecord.snippet_id == snippet_id).with_for_update())
    counts = dict(session.execute(select(LabelRecord.label, func.count()).where(LabelRecord.snippet_id == snippet_id, LabelRecord.label.is_not(None)).group_by(LabelRecord.label)).all())
    return counts.get(0, 0) == counts.get(1, 0) > 0


def _give_back(session: Session, snippet_id: int) -> None:
    session.execute(update(QueueItemRecord).where(QueueItemRecord.snippet_id == snippet_id).values(remaining=QueueItemRecord.remaining + 1))


def open_assignment(session: Session, user_id: int) -> LabelAssignmentRecord | None:
    return session.scalar(select(LabelAssignmentRecord).where(LabelAssignmentRecord.user_id == user_id, LabelAssignmentRecord.answered_at.is_(None), LabelAssignmentRecord.expired.is_(False)).order_by(LabelAssignmentRecord.id).limit(1))


def next_assignment(session: Session, user_id: int, policy: QueuePolicy, rng: random.Random) -> LabelAssignmentRecord | None:
    """The labeler's open assignment, else a new one (gold with probability ``gold_rate``); None when the
    queue holds nothing for them."""
    current = open_assignment(session, user_id)
    if current is not None:
        return current
    seen = exists().where(LabelAssignmentRecord.snippet_id == QueueItemRecord.snippet_id, LabelAssignmentRecord.user_id == user_id)
    candidates = list(session.scalars(select(QueueItemRecord.snippet_id).where(QueueItemRecord.remaining > 0, ~seen).order_by(QueueItemRecord.snippet_id).limit(8)))
    if not candidates:
        return None
    if rng.random() < policy.gold_rate:
        gold_seen = exists().where(LabelAssignmentRecord.snippet_id == GoldAnswerRecord.snippet_id, LabelAssignmentRecord.user_id == user_id)
        gold_id = session.scalar(select(GoldAnswerRecord.snippet_id).where(~gold_seen).order_by(func.random()).limit(1))
        if gold_id is not None:
            return _assign(session, user_id, gold_id, gold=True)
    for snippet_id in candidates:
        if take_slot(session, QueueItemRecord, QueueItemRecord.snippet_id, snippet_id):
            return _assign(session, user_id, snippet_id, gold=False)
    session.commit()
    return None


def _assign(session: Session, user_id: int, snippet_id: int, gold: bool) -> LabelAssignmentRecord | None:
    # The same labeler asking twice at once gets the assignment the other request made.
    return add_once(session, LabelAssignmentRecord(snippet_id=snippet_id, user_id=user_id, gold=gold, expired=False), lambda: open_assignment(session, user_id))


def snippet(session: Session, snippet_id: int) -> SnippetRecord:
    return found(session, SnippetRecord, snippet_id, "snippet")


def answer_assignment(session: Session, assignment_id: int, user: UserRecord, answer: int | None, note: str | None, seconds_spent: float | None) -> LabelAssignmentRecord:
    """Record a labeler's answer, once. Repeating the same answer is a no-op (a retried request); a
    different one raises ``ConflictError``; someone else's assignment raises ``NotYours``."""
    assignment = owned(session, LabelAssignmentRecord, assignment_id, user.id, "assignment")
    if assignment.expired and assignment.answered_at is None:
        # Its slot went back to the queue when it expired: answering now would add a label nobody asked for.
        raise ConflictError(f"assignment {assignment_id} expired and was handed to someone else; ask for the next item")
    if not answer_once(session, assignment, {"answer": answer, "note": note, "seconds_spent": seconds_spent}, lambda a: a.answer == answer, "assignment"):
        return assignment
    if not assignment.gold:
        label = LabelRecord(snippet_id=assignment.snippet_id, labeler=user.username, label=answer, note=note, seconds_spent=seconds_spent)
        session.add(label)
        session.flush()
        session.execute(update(LabelAssignmentRecord).where(LabelAssignmentRecord.id == assignment_id).values(label_id=label.id))
        if answer is None:  # unsure decides nothing: someone else should look
            _give_back(session, assignment.snippet_id)
        elif is_tied(session, assignment.snippet_id):  # readers disagree: one more (a reader who has not seen it) settles it
            _give_back(session, assignment.snippet_id)
    session.commit()
    session.refresh(assignment)
    return assignment


def history(session: Session, user_id: int, limit: int = 50) -> list[tuple[LabelAssignmentRecord, SnippetRecord]]:
    """A labeler's own answered assignments, newest first."""
    query = select(LabelAssignmentRecord, SnippetRecord).join(SnippetRecord, SnippetRecord.id == LabelAssignmentRecord.snippet_id).where(LabelAssignmentRecord.user_id == user_id, LabelAssignmentRecord.answered_at.is_not(None)).order_by(LabelAssignmentRecord.id.desc()).limit(limit)
    return [(a, s) for a, s in session.execute(query).all()]


def import_snippets(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    """Insert validated rows in one transaction: snippets, their labels when given, gold answers when marked."""
    count = 0
    for row in rows:
        record = SnippetRecord(prompt=row["prompt"], completion=row["completion"], source=row.get("source") or "imported", provenance=row.get("provenance") or {}, selection_strategy=row.get("selection_strategy") or "all", selection_probability=row.get("selection_probability", 1.0), split=row.get("split"))
        if row.get("label") is not None:
            record.labels = [LabelRecord(labeler=row.get("labeler") or "imported", label=row["label"], category=row.get("category"), note=row.get("note"))]
        session.add(record)
        if row.get("gold"):
            session.flush()
            session.add(GoldAnswerRecord(snippet_id=record.id, label=row["label"]))
        count += 1
    session.commit()
    return count


def seconds_since_issued(assignment: LabelAssignmentRecord) -> float:
    """Seconds since the assignment was handed out."""
    return (now() - utc(assignment.issued_at)).total_seconds()
