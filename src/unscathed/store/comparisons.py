"""Data access for blind pairwise comparisons: the rows that feed ``stats.quality_efficient``.

One comparison row per sampled prompt of the efficient design: y0 ~ p always; when the classifier accepted y0
the prompt scores 1/2 and no person is asked (``remaining`` = 0); otherwise y1 ~ q is drawn and raters judge.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from .rows import add_once, answer_once, found, owned, take_slot
from .schema import ComparisonJudgmentRecord, ComparisonRecord

PREFERENCES = {"filtered": 1.0, "unfiltered": 0.0, "tie": 0.5}
CHOICES = ("first", "second", "tie")


def add_comparison(session: Session, prompt: str, unfiltered: str, unfiltered_accepted: bool, filtered: str | None, provenance: dict[str, Any], judgments_wanted: int = 1) -> ComparisonRecord:
    """Store one sampled prompt. Raters are asked only when y0 was rejected and a filtered y1 exists."""
    needs_people = not unfiltered_accepted and filtered is not None
    record = ComparisonRecord(prompt=prompt, unfiltered_completion=unfiltered, unfiltered_accepted=unfiltered_accepted, filtered_completion=filtered, provenance=provenance, remaining=judgments_wanted if needs_people else 0)
    session.add(record)
    session.commit()
    return record


def open_judgment(session: Session, user_id: int) -> ComparisonJudgmentRecord | None:
    return session.scalar(select(ComparisonJudgmentRecord).where(ComparisonJudgmentRecord.user_id == user_id, ComparisonJudgmentRecord.answered_at.is_(None)).order_by(ComparisonJudgmentRecord.id).limit(1))


def next_judgment(session: Session, user_id: int, rng: random.Random) -> ComparisonJudgmentRecord | None:
    """The rater's open judgment, else a new one with the two completions in random order; None when done."""
    current = open_judgment(session, user_id)
    if current is not None:
        return current
    seen = exists().where(ComparisonJudgmentRecord.comparison_id == ComparisonRecord.id, ComparisonJudgmentRecord.user_id == user_id)
    for comparison_id in session.scalars(select(ComparisonRecord.id).where(ComparisonRecord.remaining > 0, ~seen).order_by(ComparisonRecord.id).limit(8)):
        if take_slot(session, ComparisonRecord, ComparisonRecord.id, comparison_id):
            judgment = ComparisonJudgmentRecord(comparison_id=comparison_id, user_id=user_id, filtered_first=rng.random() < 0.5)
            return add_once(session, judgment, lambda: open_judgment(session, user_id))
    session.commit()
    return None


def comparison(session: Session, comparison_id: int) -> ComparisonRecord:
    return found(session, ComparisonRecord, comparison_id, "comparison")


def comparison_judgment(session: Session, judgment_id: int, user_id: int) -> ComparisonJudgmentRecord:
    """A judgment of ``user_id``; ``NotFound`` if absent, ``NotYours`` if it is someone else's."""
    return owned(session, ComparisonJudgmentRecord, judgment_id, user_id, "comparison")


def answer_judgment(session: Session, judgment_id: int, user_id: int, choice: str, seconds_spent: float | None) -> ComparisonJudgmentRecord:
    """Record a rater's choice: ``first``, ``second`` (as they saw them) or ``tie``."""
    judgment = comparison_judgment(session, judgment_id, user_id)
    if choice not in CHOICES:
        raise ValueError(f"choice must be first, second or tie, got {choice!r}")
    picked = "tie" if choice == "tie" else ("filtered" if (choice == "first") == judgment.filtered_first else "unfiltered")
    preference = PREFERENCES[picked]
    if answer_once(session, judgment, {"preference": preference, "seconds_spent": seconds_spent}, lambda j: j.preference == preference, "comparison judgment"):
        session.commit()
        session.refresh(judgment)
    return judgment


def quality_inputs(session: Session) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(unfiltered_accepted, preference, failed_closed) over the prompts that are complete, for
    ``stats.quality_efficient``, and the number of prompts still waiting for a judgment. A prompt's preference is
    the mean of its judgments; a prompt whose y0 was rejected and where nothing passed the filter is a loss
    (failed_closed), as in ``unscathed evaluate reliability``."""
    accepted, preference, failed_closed, waiting = [], [], [], 0
    judged: dict[int, list[float]] = {}
    for comparison_id, value in session.execute(select(ComparisonJudgmentRecord.comparison_id, ComparisonJudgmentRecord.preference).where(ComparisonJudgmentRecord.preference.is_not(None))):
        judged.setdefault(comparison_id, []).append(value)
    for record in session.scalars(select(ComparisonRecord).order_by(ComparisonRecord.id)):
        if record.unfiltered_accepted or record.filtered_completion is None or record.id in judged:
            accepted.append(bool(record.unfiltered_accepted))
            failed_closed.append(not record.unfiltered_accepted and record.filtered_completion is None)
            preference.append(float(np.mean(judged[record.id])) if record.id in judged and not record.unfiltered_accepted else np.nan)
        else:
            waiting += 1
    return np.array(accepted, bool), np.array(preference, float), np.array(failed_closed, bool), waiting
