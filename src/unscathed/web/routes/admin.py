"""Admin pages: dashboard, accounts, import and export of labeled data, making comparisons."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ...config import FilterPolicy
from ...filter import RejectionSampler
from ...store import accounts, comparisons, labeling
from ..dashboard import summary
from ..deps import DB, Admin, AdminPost, ReadDB, State, page
from ..security import hash_password
from ..uploads import UploadError, parse_upload

router = APIRouter(prefix="/admin")


@router.get("")
def dashboard_page(request: Request, state: State, db: DB, read: ReadDB, who: Admin):
    state.sync_queue(db, every_s=0.0)  # count snippets queued since a labeler last asked for one
    return page(state, request, "dashboard.html", who, s=summary(read, state.models))


@router.get("/users")
def users_page(request: Request, state: State, db: DB, who: Admin):
    return _users(request, state, db, who)


def _users(request: Request, state: State, db: DB, who, error: str | None = None, status_code: int = 200):
    """The users page; an error and its status come only from a failed form, never from the URL."""
    return page(state, request, "users.html", who, status_code=status_code, users=accounts.users(db), roles=accounts.ROLES, error=error)


@router.post("/users")
def create_user(request: Request, state: State, db: DB, who: AdminPost, username: Annotated[str, Form()], password: Annotated[str, Form()], role: Annotated[str, Form()]):
    try:
        accounts.create_user(db, username, hash_password(password), role)
    except ValueError as error:  # AccountError, or a password too short
        return _users(request, state, db, who, error=str(error), status_code=422)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/active")
def set_active(user_id: int, db: DB, who: AdminPost, active: Annotated[bool, Form()]):
    if user_id == who.id and not active:
        raise HTTPException(422, "you cannot deactivate your own account")
    try:
        accounts.set_active(db, user_id, active)
    except accounts.AccountError as error:
        raise HTTPException(404, str(error)) from None
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/import")
def import_page(request: Request, state: State, who: Admin):
    return page(state, request, "import.html", who, max_bytes=state.settings.max_upload_bytes)


def refuse_big_uploads(request: Request, state: State) -> None:
    """Before the form is parsed (and spooled to disk): refuse a body announced as far over the limit."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > state.settings.max_upload_bytes + 64_000:  # room for the form's other parts
        raise HTTPException(413, f"the upload is larger than the {state.settings.max_upload_bytes:,}-byte limit; nothing was imported")


@router.post("/import", dependencies=[Depends(refuse_big_uploads)])
async def import_file(request: Request, state: State, who: AdminPost, file: UploadFile):
    """All or nothing: the whole file is validated before one transaction inserts it."""
    limit = state.settings.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        return page(state, request, "import.html", who, status_code=413, max_bytes=limit, error=f"{file.filename}: larger than the {limit:,}-byte limit; nothing was imported")
    try:
        rows = await run_in_threadpool(parse_upload, file.filename or "upload", data)
    except UploadError as error:
        return page(state, request, "import.html", who, status_code=422, max_bytes=limit, error=f"{error}; nothing was imported")
    count = await run_in_threadpool(_import, state, rows)
    labeled = sum(1 for r in rows if r["label"] is not None)
    return page(state, request, "import.html", who, max_bytes=limit, message=f"imported {count} snippets from {file.filename}: {labeled} labeled ({sum(r['gold'] for r in rows)} gold), {count - labeled} queued for labeling")


def _import(state: State, rows: list[dict]) -> int:
    with state.store.session() as db:
        return labeling.import_snippets(db, rows)


@router.get("/export.jsonl")
def export(state: State, who: Admin):
    """Every snippet with a decided label, in the format ``unscathed train --data FILE`` reads: the consensus
    label and its rule, and every label with who gave it and when."""
    keys = ("prompt", "completion", "label", "consensus_rule", "labels", "split", "snippet_id", "source", "selection_strategy", "selection_probability")
    lines = (json.dumps({k: r[k] for k in keys}) for r in state.store.labeled_snippets())
    return Response("".join(line + "\n" for line in lines), media_type="application/jsonl", headers={"Content-Disposition": 'attachment; filename="labels.jsonl"'})


@router.post("/comparisons")
def make_comparisons(request: Request, state: State, db: DB, who: AdminPost, prompts: Annotated[str, Form()]):
    """For each prompt (one a line), the efficient design: draw y0; only if the filter rejects it, draw y1
    through the filter and queue the pair for raters."""
    lines = [p.strip() for p in prompts.splitlines() if p.strip()]
    if not lines or len(lines) > 200:
        raise HTTPException(422, "give 1 to 200 prompts, one a line")
    models = state.models
    for prompt in lines:
        unfiltered, p0 = models.sample_unfiltered(prompt)
        accepted = p0 < models.classifier.threshold
        filtered = None
        if not accepted:
            with models.lock:
                filtered = RejectionSampler(models.generator, models.classifier, FilterPolicy(), models.settings).run([prompt])[0].completion
        provenance = {"generator": models.generator.name, "classifier_version": models.classifier.version, "threshold": models.classifier.threshold, "p_injury_unfiltered": p0, "filtered_outcome": "not needed" if accepted else ("accepted" if filtered is not None else "exhausted")}
        comparisons.add_comparison(db, prompt, unfiltered, accepted, filtered, provenance)
    return RedirectResponse("/admin", status_code=303)
