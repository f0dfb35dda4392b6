"""Typed dependencies: the app's state, a database session per request, the logged-in user, roles, CSRF."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from typing import Annotated, Callable, Iterator

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..store import Store
from ..store.accounts import session_user
from ..store.labeling import sync_queue
from ..store.schema import UserRecord
from .models import ModelService
from .security import same_token, token_id
from .settings import WebSettings

SESSION_COOKIE = "unscathed_session"


@dataclass
class AppState:
    """Everything a request may need, made once by ``create_app``."""

    settings: WebSettings
    store: Store
    reader: Engine  # for the login check of every request; see ``open_web_store``
    models: ModelService
    templates: Jinja2Templates
    rng: random.Random = field(default_factory=random.Random)
    _synced_at: float = 0.0
    _sync_lock: threading.Lock = field(default_factory=threading.Lock)

    def sync_queue(self, session: Session, every_s: float = 2.0) -> None:
        """Enter new snippets into the label queue, at most every ``every_s`` seconds (it scans all snippets)."""
        with self._sync_lock:
            if time.monotonic() - self._synced_at < every_s:
                return
            self._synced_at = time.monotonic()
        sync_queue(session, self.settings.queue_policy)


class NotLoggedIn(Exception):
    """Raised by ``current_user``; pages redirect to the login form, the JSON API answers 401."""


@dataclass(frozen=True)
class CurrentUser:
    user: UserRecord
    csrf_token: str

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def role(self) -> str:
        return self.user.role


def app_state(request: Request) -> AppState:
    return request.app.state.unscathed


State = Annotated[AppState, Depends(app_state)]


def db_session(state: State) -> Iterator[Session]:
    with state.store.session() as session:
        yield session


DB = Annotated[Session, Depends(db_session)]


def read_session(state: State) -> Iterator[Session]:
    """For pages that only read: on SQLite this session never takes (or waits for) the write lock."""
    with Session(state.reader) as session:
        yield session


ReadDB = Annotated[Session, Depends(read_session)]


def current_user(request: Request, state: State) -> CurrentUser:
    token = request.cookies.get(SESSION_COOKIE)
    with Session(state.reader) as session:
        found = session_user(session, token_id(token)) if token else None
    if found is None:
        raise NotLoggedIn()
    return CurrentUser(*found)


def require(*roles: str, csrf: bool = False) -> Callable:
    """A dependency: the logged-in user, who must have one of ``roles`` (admins pass every check), and, for
    mutations, a CSRF token matching their session (form field ``csrf_token`` or header ``X-CSRF-Token``)."""

    async def check(request: Request, who: Annotated[CurrentUser, Depends(current_user)]) -> CurrentUser:
        if who.role != "admin" and who.role not in roles:
            raise HTTPException(403, f"this page is for {' or '.join(roles)} accounts")
        if csrf:
            given = request.headers.get("x-csrf-token")
            if given is None and request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
                given = (await request.form()).get("csrf_token")
            if not same_token(given if isinstance(given, str) else None, who.csrf_token):
                raise HTTPException(403, "missing or wrong CSRF token; reload the page and try again")
        return who

    return check


AnyUser = Annotated[CurrentUser, Depends(require("labeler", "rater", "redteamer"))]
Labeler = Annotated[CurrentUser, Depends(require("labeler"))]
LabelerPost = Annotated[CurrentUser, Depends(require("labeler", csrf=True))]
Rater = Annotated[CurrentUser, Depends(require("rater"))]
RaterPost = Annotated[CurrentUser, Depends(require("rater", csrf=True))]
RedTeamer = Annotated[CurrentUser, Depends(require("redteamer"))]
RedTeamerPost = Annotated[CurrentUser, Depends(require("redteamer", csrf=True))]
Admin = Annotated[CurrentUser, Depends(require())]
AdminPost = Annotated[CurrentUser, Depends(require(csrf=True))]


def page(state: AppState, request: Request, name: str, who: CurrentUser | None, status_code: int = 200, **context) -> object:
    """Render a template with the user and their CSRF token (every form carries it)."""
    return state.templates.TemplateResponse(request, name, {"who": who, "csrf_token": who.csrf_token if who else "", **context}, status_code=status_code)
