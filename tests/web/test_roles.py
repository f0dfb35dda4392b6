"""Roles on every route, CSRF on every mutation, a labeler's work is theirs alone."""

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from web_helpers import app, queue, template_db, tiny_models, user_client  # noqa: F401 (fixtures)

ADMIN_ONLY = ["/admin", "/admin/users", "/admin/import", "/admin/export.jsonl"]


def test_every_route_needs_a_login(app):
    client = TestClient(app)
    for path in ["/label", "/compare", "/redteam", "/guide", *ADMIN_ONLY]:
        assert client.get(path, follow_redirects=False).headers["location"] == "/login", path
    assert client.get("/api/label/next").status_code == 401
    assert client.post("/api/redteam/score", json={"prompt": "p", "completion": "c"}).status_code == 401


@pytest.mark.parametrize("role, forbidden", [
    ("labeler", ["/compare", "/redteam", *ADMIN_ONLY]),
    ("rater", ["/label", "/label/history", "/api/label/next", "/redteam", *ADMIN_ONLY]),
    ("redteamer", ["/label", "/compare", *ADMIN_ONLY]),
])
def test_a_role_gets_403_outside_its_pages(user_client, role, forbidden):
    client, token = user_client("someone", role)
    for path in forbidden:
        assert client.get(path).status_code == 403, path
    assert client.get("/guide").status_code == 200
    assert client.post("/admin/users", data={"username": "x", "password": "12345678", "role": "admin", "csrf_token": token}).status_code == 403


def test_admin_passes_every_role_check(user_client):
    client, _ = user_client("root", "admin")
    for path in ["/label", "/compare", "/redteam", "/guide", *ADMIN_ONLY]:
        assert client.get(path).status_code == 200, path


def test_a_labeler_cannot_answer_or_see_another_labelers_snippet(app, user_client):
    queue(app, [{"prompt": "p1", "completion": "c1"}, {"prompt": "p2", "completion": "c2"}])
    ann, ann_token = user_client("ann", "labeler")
    bob, bob_token = user_client("bob", "labeler")
    mine = ann.get("/api/label/next").json()["assignment_id"]
    refused = bob.post(f"/api/label/{mine}", json={"answer": "1"}, headers={"X-CSRF-Token": bob_token})
    assert refused.status_code == 403
    assert ann.post(f"/api/label/{mine}", json={"answer": "0"}, headers={"X-CSRF-Token": ann_token}).status_code == 200
    assert "p1" in ann.get("/label/history").text
    assert "p1" not in bob.get("/label/history").text


def test_mutations_without_the_sessions_csrf_token_are_refused(app, user_client):
    queue(app, [{"prompt": "p", "completion": "c"}])
    client, token = user_client("ann", "labeler")
    assignment = client.get("/api/label/next").json()["assignment_id"]
    assert client.post(f"/api/label/{assignment}", json={"answer": "1"}).status_code == 403
    assert client.post(f"/api/label/{assignment}", json={"answer": "1"}, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post(f"/label/{assignment}", data={"answer": "1"}).status_code == 403
    assert client.post(f"/label/{assignment}", data={"answer": "1", "csrf_token": "forged"}).status_code == 403
    # Nothing was recorded; with the token it goes through.
    assert app.state.unscathed.store.labeled_snippets() == []
    assert client.post(f"/label/{assignment}", data={"answer": "1", "csrf_token": token}, follow_redirects=False).status_code == 303
    assert [r["label"] for r in app.state.unscathed.store.labeled_snippets()] == [1]


def test_another_sessions_csrf_token_does_not_work(app, user_client):
    queue(app, [{"prompt": "p", "completion": "c"}])
    ann, _ = user_client("ann", "labeler")
    _, bob_token = user_client("bob", "labeler")
    assignment = ann.get("/api/label/next").json()["assignment_id"]
    assert ann.post(f"/api/label/{assignment}", json={"answer": "1"}, headers={"X-CSRF-Token": bob_token}).status_code == 403


def _api_routes(routes):
    """Every endpoint, also inside included routers (FastAPI keeps those as nested route objects)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif getattr(route, "original_router", None) is not None:
            yield from _api_routes(route.original_router.routes)


def test_no_route_answers_without_a_login(app):
    """Every route the app has, not only the ones listed above: a new route without a role check fails here."""
    client = TestClient(app)
    open_routes = {"/login"}
    checked = 0
    for route in _api_routes(app.routes):
        if route.path in open_routes or route.path.startswith("/v1/"):
            continue  # /v1 is the completions API, guarded by its own API key
        path = route.path.replace("{assignment_id}", "1").replace("{judgment_id}", "1").replace("{attempt_id}", "1").replace("{user_id}", "1")
        for method in route.methods:
            response = client.request(method, path, follow_redirects=False)
            assert response.status_code in (303, 401), (method, path, response.status_code)
            assert response.status_code == 401 or response.headers["location"] == "/login"
            checked += 1
    assert checked >= 15
