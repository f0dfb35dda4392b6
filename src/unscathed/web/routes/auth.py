"""Log in and out. Repeated failures for one name are slowed down; the login form has its own CSRF token
(a double-submit cookie), since there is no session yet."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from ...store import accounts
from ...store.rows import now
from ..deps import DB, SESSION_COOKIE, AnyUser, CurrentUser, State, current_user, page, require
from ..security import login_delay, new_token, same_token, token_id, verify_password

LOGIN_CSRF_COOKIE = "unscathed_login_csrf"
HOME = {"admin": "/admin", "labeler": "/label", "rater": "/compare", "redteamer": "/redteam"}

router = APIRouter()


def _login_form(state: State, request: Request, error: str | None = None, status_code: int = 200, headers: dict[str, str] | None = None):
    token = new_token()
    response = page(state, request, "login.html", None, status_code=status_code, login_csrf=token, error=error)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=state.settings.secure_cookies)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


@router.get("/login")
def login_page(request: Request, state: State):
    return _login_form(state, request)


def _wait_seconds(state: State, db: DB, username: str) -> float:
    """Seconds before this name may try again (0 when it may try now)."""
    s = state.settings
    failures, last = accounts.recent_failures(db, username, now() - timedelta(minutes=s.login_window_minutes))
    delay = login_delay(failures, s.login_free_failures, s.login_base_delay_s, s.login_max_delay_s)
    if last is None or delay == 0:
        return 0.0
    return max(0.0, (last + timedelta(seconds=delay) - now()).total_seconds())


@router.post("/login")
def login(request: Request, state: State, db: DB, username: Annotated[str, Form()], password: Annotated[str, Form()], csrf_token: Annotated[str, Form()] = ""):
    if not same_token(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        return _login_form(state, request, "The login form expired; please try again.", status_code=403)
    wait = _wait_seconds(state, db, username)
    if wait > 0:
        seconds = math.ceil(wait)
        return _login_form(state, request, f"Too many failed logins for this name: try again in {seconds} s.", status_code=429, headers={"Retry-After": str(seconds)})
    user = accounts.user_by_name(db, username)
    ok = verify_password(user.password_hash if user else None, password) and user is not None and user.active
    accounts.record_login_attempt(db, username, request.client.host if request.client else "", ok)
    if not ok:
        return _login_form(state, request, "Wrong username or password.", status_code=401)
    token = new_token()
    accounts.create_session(db, token_id(token), user.id, new_token(), timedelta(hours=state.settings.session_hours))
    response = RedirectResponse(HOME[user.role], status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=state.settings.secure_cookies, max_age=int(state.settings.session_hours * 3600))
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, db: DB, who: Annotated[CurrentUser, Depends(require("labeler", "rater", "redteamer", csrf=True))]):
    accounts.delete_session(db, token_id(request.cookies[SESSION_COOKIE]))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(who: Annotated[CurrentUser, Depends(current_user)]):
    return RedirectResponse(HOME[who.role], status_code=303)


@router.get("/guide")
def guide(request: Request, state: State, who: AnyUser):
    """The labeling guide, rendered from Markdown with raw HTML disabled."""
    from markdown_it import MarkdownIt

    path = Path(state.settings.guide_path)
    if not path.is_file():
        raise HTTPException(500, f"the labeling guide is not at {path}; run the server from a checkout of the repository")
    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(path.read_text(encoding="utf-8"))
    return page(state, request, "guide.html", who, guide_html=html)
