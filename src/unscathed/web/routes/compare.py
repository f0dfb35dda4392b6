"""The comparison task: a prompt and two completions in random order, blind to which policy made them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from ...store import comparisons
from ...store.rows import now, utc
from ..deps import DB, Rater, RaterPost, State, page

router = APIRouter()


@router.get("/compare")
def compare_page(request: Request, state: State, db: DB, who: Rater):
    judgment = comparisons.next_judgment(db, who.id, state.rng)
    pair = None
    if judgment is not None:
        record = comparisons.comparison(db, judgment.comparison_id)
        texts = (record.filtered_completion, record.unfiltered_completion)
        pair = {"prompt": record.prompt, "first": texts[0] if judgment.filtered_first else texts[1], "second": texts[1] if judgment.filtered_first else texts[0]}
    return page(state, request, "compare.html", who, judgment=judgment, pair=pair)


@router.post("/compare/{judgment_id}")
def compare_submit(judgment_id: int, db: DB, who: RaterPost, choice: Annotated[str, Form()], seconds: Annotated[float | None, Form()] = None):
    if choice not in comparisons.CHOICES:
        raise HTTPException(422, f"choice must be one of {', '.join(comparisons.CHOICES)}, got {choice!r}")
    judgment = comparisons.comparison_judgment(db, judgment_id, who.id)
    elapsed = (now() - utc(judgment.issued_at)).total_seconds()
    spent = seconds if seconds is not None and 0 <= seconds <= elapsed + 1 else elapsed
    comparisons.answer_judgment(db, judgment_id, who.id, choice, spent)
    return RedirectResponse("/compare", status_code=303)
