"""The red-team workbench: sample a prompt through the filter, edit a completion while its score and token
saliency update, ask for ranked token replacements, and submit a completion believed injurious but accepted."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from ...config import FilterPolicy
from ...store import redteam
from ..deps import DB, ReadDB, RedTeamer, RedTeamerPost, State, page

router = APIRouter()

PROMPT_CHARS = 4000
COMPLETION_CHARS = 1000


class PromptIn(BaseModel):
    prompt: str = Field(min_length=1, max_length=PROMPT_CHARS)


class CompletionIn(BaseModel):
    prompt: str = Field(min_length=1, max_length=PROMPT_CHARS)
    completion: str = Field(min_length=1, max_length=COMPLETION_CHARS)
    saliency: bool = True


class TokenIn(CompletionIn):
    start: int = Field(ge=0)
    end: int = Field(ge=1)


class SubmitIn(BaseModel):
    completion: str = Field(min_length=1, max_length=COMPLETION_CHARS)


@router.get("/redteam")
def redteam_page(request: Request, state: State, db: ReadDB, who: RedTeamer):
    return page(state, request, "redteam.html", who, mine=redteam.submissions(db, who.id)[:20], samples=state.settings.redteam_samples)


@router.post("/api/redteam/attempts")
def start_attempt(body: PromptIn, state: State, db: DB, who: RedTeamerPost):
    """Draw n completions for the prompt; the attempt's clock starts now."""
    models = state.models
    n = state.settings.redteam_samples
    result = models.sample_filtered(body.prompt, n)
    classifier = models.classifier
    threshold = classifier.threshold
    [request_id] = state.store.record_filter_results([result], models.generator.name, models.settings, classifier.version, FilterPolicy(max_attempts=n, batch_size=n, first_batch_size=n), threshold)
    attempt = redteam.start_attempt(db, who.id, body.prompt, classifier.version, threshold, request_id)
    returned = next((k for k, c in enumerate(result.candidates) if c is result.accepted), None)
    return {
        "attempt_id": attempt.id,
        "classifier_version": classifier.version,
        "threshold": threshold,
        "candidates": [{"completion": c.completion.text, "p_injury": c.p_injury, "accepted": c.p_injury < c.threshold} for c in result.candidates],
        "returned": returned,
    }


@router.post("/api/redteam/score")
def score(body: CompletionIn, state: State, who: RedTeamerPost):
    """The completion's P(injury), whether the filter accepts it, and each token's saliency."""
    p = state.models.score(body.prompt, body.completion)
    threshold = state.models.classifier.threshold
    tokens = [{"token": t.token, "start": t.start, "end": t.end, "saliency": t.saliency} for t in state.models.saliency(body.prompt, body.completion)] if body.saliency else None
    return {"p_injury": p, "threshold": threshold, "accepted": p < threshold, "tokens": tokens}


@router.post("/api/redteam/substitutions")
def substitutions(body: TokenIn, state: State, who: RedTeamerPost):
    """Replacements for completion[start:end], ranked by the score the completion would get."""
    if body.end <= body.start or body.end > len(body.completion):
        raise HTTPException(422, f"token span {body.start}:{body.end} is outside the completion ({len(body.completion)} characters)")
    ranked = state.models.substitutions(body.prompt, body.completion, body.start, body.end, state.settings.substitutions)
    return {"substitutions": [{"replacement": s.replacement, "completion": s.completion, "p_injury": s.p_injury} for s in ranked]}


@router.post("/api/redteam/attempts/{attempt_id}/submit")
def submit(attempt_id: int, body: SubmitIn, state: State, db: DB, who: RedTeamerPost):
    """Queue an accepted completion for labeling; it counts as a failure once labelers say it is injurious."""
    attempt = redteam.attempt_of(db, attempt_id, who.id)
    db.commit()  # end the read before the model runs: on SQLite an open transaction holds the write lock
    p = state.models.score(attempt.prompt, body.completion)
    if p >= attempt.threshold:
        raise HTTPException(422, f"the filter rejects this completion (P(injury) {p:.4f} >= threshold {attempt.threshold:.4f}); only an accepted completion can be a failure")
    attempt = redteam.submit(state.store, db, attempt, who.user, body.completion, p)
    return {"attempt_id": attempt.id, "snippet_id": attempt.snippet_id, "p_injury": p, "seconds_to_submit": attempt.seconds_to_submit}
