"""Helpers and fixtures for the web tests: an app on a fresh SQLite store with tiny models, users, logged-in
clients. The fixtures are imported by the test modules (a conftest.py here would shadow the root one, which
other tests import as ``conftest``)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from conftest import free_port
from fastapi.testclient import TestClient

from unscathed.config import SamplingSettings
from unscathed.models.classifier import HFClassifier
from unscathed.models.generator import HFGenerator
from unscathed.store import open_store
from unscathed.store.accounts import create_user
from unscathed.web import ModelService, WebSettings, create_app
from unscathed.web.security import hash_password

PASSWORD = "correct horse battery"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_app(tmp_path: Path, models: ModelService, template_db: Path | None = None, **settings):
    """An app on a fresh SQLite file (a copy of ``template_db``, already migrated, when given: faster)."""
    db = tmp_path / "web.db"
    if template_db is not None:
        shutil.copy(template_db, db)
    defaults = {"db_url": f"sqlite:///{db}", "login_base_delay_s": 0.5, "gold_rate": 0.0, "redteam_samples": 2}
    return create_app(WebSettings(**{**defaults, **settings}), models)


def add_user(app, username: str, role: str, password: str = PASSWORD) -> int:
    with app.state.unscathed.store.session() as session:
        return create_user(session, username, hash_password(password), role).id


def login(app, username: str, password: str = PASSWORD) -> tuple[TestClient, str]:
    """A client logged in as ``username`` and its session's CSRF token."""
    client = TestClient(app)
    form = client.get("/login")
    token = CSRF_FIELD.search(form.text).group(1)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"])
    return client, CSRF_FIELD.search(page.text).group(1)


def queue(app, rows: list[dict]) -> list[int]:
    return app.state.unscathed.store.queue_for_labeling(rows)


# Fixtures


@pytest.fixture(scope="session")
def tiny_models(tiny_generator_dir, tiny_encoder_dir) -> ModelService:
    """A tiny generator and a tiny classifier whose threshold of 1.0 accepts every completion."""
    models = ModelService.ready(HFGenerator.from_pretrained(tiny_generator_dir), HFClassifier.load(tiny_encoder_dir, threshold=1.0))
    models.settings = SamplingSettings(max_new_tokens=8)  # random weights never end a sentence: keep draws short
    return models


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """One migrated SQLite file that each test's app copies."""
    path = tmp_path_factory.mktemp("template") / "web.db"
    open_store(f"sqlite:///{path}").engine.dispose()
    return path


@pytest.fixture
def app(tmp_path, tiny_models, template_db):
    return make_app(tmp_path, tiny_models, template_db)


@pytest.fixture
def user_client(app):
    """Make a user of a role, log them in, and return (client, csrf token)."""

    def make(username: str, role: str):
        add_user(app, username, role)
        return login(app, username)

    return make


class ServerProcess:
    """``unscathed serve`` as a real process on a free loopback port."""

    def __init__(self, db_url: str, *extra: str) -> None:
        self.db_url = db_url
        self.extra = extra
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout_s: float = 60.0) -> "ServerProcess":
        unscathed = Path(sys.executable).with_name("unscathed")
        self.log = tempfile.TemporaryFile()  # not a pipe: a full pipe would stall the server
        self.process = subprocess.Popen([str(unscathed), "serve", "--db", self.db_url, "--port", str(self.port), *self.extra], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.output()[-2000:]}")
            try:
                if httpx.get(self.url + "/login", timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not answer within {timeout_s} s")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing: what a crash looks like."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def pg_url_or_skip() -> str:
    """``$UNSCATHED_TEST_PG_URL`` with an empty schema, or skip saying how to run these tests."""
    url = os.environ.get("UNSCATHED_TEST_PG_URL")
    if not url:
        pytest.skip("PostgreSQL tests need $UNSCATHED_TEST_PG_URL, e.g. postgresql+psycopg://unscathed:unscathed@127.0.0.1:5432/unscathed_test (.ci/run starts one)")
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url
