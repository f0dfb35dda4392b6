"""``create_app``: the FastAPI app for labelers, raters, red-teamers and admins."""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import event
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException

from ..store import Store
from ..store.db import make_engine, migrate
from ..store.rows import ConflictError, NotFound, NotYours
from .completions import CompletionsService, completions_router
from .deps import AppState, NotLoggedIn
from .models import ModelService
from .routes import admin, auth, compare, label, redteam
from .settings import WebSettings

HERE = Path(__file__).parent
# Every script is a file under /static (no inline script), so the policy can forbid inline script entirely.
SECURITY_HEADERS = {"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}


def sqlite_for_many_writers(engine: Engine) -> None:
    """WAL (readers never block the writer) and BEGIN IMMEDIATE: a transaction takes the write lock when it
    starts, so two requests never deadlock upgrading read locks; a busy database is waited for, up to 30 s.

    ``synchronous=NORMAL`` drops the fsync of every commit (it cost 4 ms a commit, and SQLite's one writer made
    it the bottleneck): a committed transaction survives a crash of the server process (the load test kills it
    with SIGKILL), but a power cut can lose the last commits before a checkpoint. PostgreSQL keeps every one."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # pysqlite's own BEGIN handling is replaced by the hook below
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")
        dbapi_connection.execute("PRAGMA busy_timeout=30000")

    # Writers of this process wait on a lock, roughly in turn, instead of in SQLite's busy handler, which
    # polls with sleeps of up to 100 ms and let the slowest 2% of requests wait over a second.
    write_lock = threading.Lock()

    def _release(info: dict) -> None:
        if info.pop("holds_write_lock", False):
            write_lock.release()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        write_lock.acquire()
        connection.info["holds_write_lock"] = True
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "commit")
    def _commit(connection) -> None:
        _release(connection.info)

    @event.listens_for(engine, "rollback")
    def _rollback(connection) -> None:
        _release(connection.info)

    @event.listens_for(engine.pool, "checkin")
    def _checkin(_dbapi_connection, record) -> None:
        _release(record.info)  # a connection given back mid-transaction must not keep the lock


def open_web_store(url: str) -> tuple[Store, Engine]:
    """The store, migrated, and an engine for the login check every request makes. On SQLite that reader is
    a plain engine (WAL lets it read beside the writer), so the check does not queue for the write lock."""
    migrate(url)
    engine = make_engine(url)
    if engine.dialect.name != "sqlite":
        return Store(engine), engine
    sqlite_for_many_writers(engine)
    return Store(engine), make_engine(url)


def default_models(settings: WebSettings) -> ModelService:
    """The configured (or default) generator and classifier, each loaded on first use."""
    from ..models.generator import HFGenerator
    from ..models.loading import load_classifier

    return ModelService(lambda: HFGenerator.from_pretrained(settings.generator) if settings.generator else HFGenerator.default(), lambda: load_classifier(settings.model))


def create_app(settings: WebSettings | None = None, models: ModelService | None = None) -> FastAPI:
    """The web app on the store at ``settings.db_url`` (migrated on start). ``models`` defaults to lazily
    loaded default models; tests pass tiny ones."""
    settings = settings or WebSettings()
    app = FastAPI(title="unscathed", docs_url=None, redoc_url=None, openapi_url=None)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    store, reader = open_web_store(settings.db_url)
    app.state.unscathed = AppState(settings=settings, store=store, reader=reader, models=models or default_models(settings), templates=templates)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (auth, label, compare, redteam, admin):
        app.include_router(module.router)
    app.include_router(completions_router(CompletionsService.for_app(app.state.unscathed.models, app.state.unscathed.store, settings.filter_completions)))
    _add_handlers(app)
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/v1/"))


def _error(request: Request, status: int, detail: str, headers: dict[str, str] | None = None):
    """JSON for the API, a page for people."""
    if _is_api(request):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    state: AppState = request.app.state.unscathed
    return state.templates.TemplateResponse(request, "message.html", {"who": None, "csrf_token": "", "title": f"Error {status}", "message": detail}, status_code=status, headers=headers)


def _add_handlers(app: FastAPI) -> None:
    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, _error: NotLoggedIn):
        if _is_api(request) or request.method != "GET":
            return JSONResponse({"detail": "log in first"}, status_code=401)
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        return _error(request, error.status_code, error.detail, error.headers)

    # The store's own refusals, so routes need no try/except to translate them.
    for error_type, status in ((NotFound, 404), (NotYours, 403), (ConflictError, 409)):
        app.add_exception_handler(error_type, lambda request, error, status=status: _error(request, status, str(error)))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in error.errors())
        return JSONResponse({"detail": problems}, status_code=422)
