"""The label queue: one snippet at a time, as a page (keyboard shortcuts) and as a small JSON API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from ...store import labeling
from ...store.rows import owned
from ...store.schema import LabelAssignmentRecord
from ..deps import DB, Labeler, LabelerPost, ReadDB, State, page

ANSWERS = {"1": 1, "0": 0, "unsure": None}

router = APIRouter()


def _seconds_spent(assignment: LabelAssignmentRecord, reported: float | None) -> float:
    """The time the page reports (it pauses while the tab is hidden), but never more than the server saw pass."""
    elapsed = labeling.seconds_since_issued(assignment)
    if reported is None or not 0 <= reported <= elapsed + 1:
        return elapsed
    return reported


def _next(state: State, db: DB, user_id: int) -> LabelAssignmentRecord | None:
    state.sync_queue(db)
    assignment = labeling.next_assignment(db, user_id, state.settings.queue_policy, state.rng)
    if assignment is None:  # nothing for them: look for snippets queued since the last sync before saying so
        state.sync_queue(db, every_s=0.0)
        assignment = labeling.next_assignment(db, user_id, state.settings.queue_policy, state.rng)
    return assignment


def _answer(db: DB, who, assignment_id: int, answer: str, note: str | None, seconds: float | None) -> LabelAssignmentRecord:
    if answer not in ANSWERS:
        raise HTTPException(422, f"answer must be one of {', '.join(ANSWERS)}, got {answer!r}")
    if note is not None and len(note) > 2000:
        raise HTTPException(422, "a note is at most 2,000 characters")
    assignment = owned(db, LabelAssignmentRecord, assignment_id, who.id, "assignment")
    return labeling.answer_assignment(db, assignment_id, who.user, ANSWERS[answer], note or None, _seconds_spent(assignment, seconds))


@router.get("/label")
def label_page(request: Request, state: State, db: DB, who: Labeler):
    assignment = _next(state, db, who.id)
    snippet = labeling.snippet(db, assignment.snippet_id) if assignment else None
    return page(state, request, "label.html", who, assignment=assignment, snippet=snippet)


@router.post("/label/{assignment_id}")
def label_submit(assignment_id: int, db: DB, who: LabelerPost, answer: Annotated[str, Form()], note: Annotated[str, Form()] = "", seconds: Annotated[float | None, Form()] = None):
    _answer(db, who, assignment_id, answer, note, seconds)
    return RedirectResponse("/label", status_code=303)


@router.get("/label/history")
def label_history(request: Request, state: State, db: ReadDB, who: Labeler):
    """A labeler's own answers only: the query is by the logged-in user's id."""
    return page(state, request, "history.html", who, rows=labeling.history(db, who.id))


class LabelIn(BaseModel):
    answer: str = Field(description="1 injurious, 0 not, or unsure")
    note: str | None = None
    seconds: float | None = None


def _next_json(state: State, db: DB, user_id: int) -> dict | None:
    assignment = _next(state, db, user_id)
    if assignment is None:
        return None
    snippet = labeling.snippet(db, assignment.snippet_id)
    return {"assignment_id": assignment.id, "prompt": snippet.prompt, "completion": snippet.completion}


@router.get("/api/label/next")
def api_next(state: State, db: DB, who: Labeler):
    """The labeler's snippet (the same one until answered); 204 when the queue has nothing for them."""
    current = _next_json(state, db, who.id)
    return current if current is not None else Response(status_code=204)


@router.post("/api/label/{assignment_id}")
def api_answer(assignment_id: int, body: LabelIn, state: State, db: DB, who: LabelerPost):
    """Record the answer and hand out the next snippet (``next``: null when the queue is empty), in one round
    trip. Idempotent: repeating the same answer returns the same label id and the same next snippet."""
    assignment = _answer(db, who, assignment_id, body.answer, body.note, body.seconds)
    # Neither whether the item was gold nor a label id (gold answers make none) is told: a labeler who could tell
    # gold items apart could take more care on exactly those, and gold accuracy would flatter them.
    return {"assignment_id": assignment.id, "snippet_id": assignment.snippet_id, "next": _next_json(state, db, who.id)}
