"""Login, sessions, CSRF on the login form, throttling of repeated failures, the users CLI."""

import io
import time

from fastapi.testclient import TestClient
from web_helpers import CSRF_FIELD, PASSWORD, add_user, app, login, template_db, tiny_models  # noqa: F401 (fixtures)

from unscathed.cli import main
from unscathed.store import open_store
from unscathed.store.accounts import set_active, user_by_name


def _try(client: TestClient, username: str, password: str):
    token = CSRF_FIELD.search(client.get("/login").text).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=False)


def test_login_sets_a_session_and_logout_ends_it(app):
    add_user(app, "ann", "labeler")
    client = TestClient(app)
    assert client.get("/label", follow_redirects=False).headers["location"] == "/login"
    assert _try(client, "ann", "wrong password").status_code == 401
    ok = _try(client, "ann", PASSWORD)
    assert ok.status_code == 303 and ok.headers["location"] == "/label"
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    token = CSRF_FIELD.search(client.get("/label").text).group(1)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/label", follow_redirects=False).status_code == 303


def test_password_is_stored_hashed(app):
    add_user(app, "ann", "labeler")
    with app.state.unscathed.store.session() as session:
        stored = user_by_name(session, "ann").password_hash
    assert PASSWORD not in stored and stored.startswith("$argon2")


def test_login_form_without_its_csrf_token_is_refused(app):
    add_user(app, "ann", "labeler")
    client = TestClient(app)
    client.get("/login")
    response = client.post("/login", data={"username": "ann", "password": PASSWORD, "csrf_token": "forged"}, follow_redirects=False)
    assert response.status_code == 403


def test_repeated_failed_logins_are_slowed_down(app):
    add_user(app, "ann", "labeler")
    client = TestClient(app)
    for _ in range(3):  # login_free_failures
        assert _try(client, "ann", "wrong password").status_code == 401
    # After the free failures each next try must wait (base 0.5 s, doubling), the right password included.
    blocked = _try(client, "ann", PASSWORD)
    assert blocked.status_code == 429 and "try again in" in blocked.text and int(blocked.headers["retry-after"]) >= 1
    time.sleep(0.6)
    assert _try(client, "ann", "wrong password").status_code == 401
    assert _try(client, "ann", PASSWORD).status_code == 429  # now 1 s after the fourth failure
    # Another name is not affected.
    add_user(app, "bob", "labeler")
    assert _try(client, "bob", PASSWORD).status_code == 303
    time.sleep(1.1)
    assert _try(client, "ann", PASSWORD).status_code == 303


def test_a_deactivated_user_loses_their_session(app):
    uid = add_user(app, "ann", "labeler")
    client, _ = login(app, "ann")
    with app.state.unscathed.store.session() as session:
        set_active(session, uid, False)
    assert client.get("/label", follow_redirects=False).headers["location"] == "/login"
    assert _try(TestClient(app), "ann", PASSWORD).status_code == 401


def test_users_create_cli_reads_the_password_from_stdin(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["users", "create", "--username", "root", "--role", "admin", "--password-stdin", "--db", url]) == 0
    with open_store(url).session() as session:
        assert user_by_name(session, "root").role == "admin"
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "create", "--username", "other", "--role", "admin", "--password-stdin", "--db", url]) == 2


def test_set_password_cli_replaces_the_password_and_ends_sessions(app, monkeypatch):
    add_user(app, "ann", "labeler")
    client, _ = login(app, "ann")
    url = app.state.unscathed.settings.db_url
    monkeypatch.setattr("sys.stdin", io.StringIO("a brand new password\n"))
    assert main(["users", "set-password", "--username", "ann", "--password-stdin", "--db", url]) == 0
    assert client.get("/label", follow_redirects=False).headers["location"] == "/login"
    assert _try(TestClient(app), "ann", PASSWORD).status_code == 401
    login(app, "ann", "a brand new password")
    monkeypatch.setattr("sys.stdin", io.StringIO("a brand new password\n"))
    assert main(["users", "set-password", "--username", "nobody", "--password-stdin", "--db", url]) == 2
