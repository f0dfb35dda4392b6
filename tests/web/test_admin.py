"""Admin: accounts, import (validated, all or nothing, size cap), export for training, the dashboard."""

import json

import pytest
from web_helpers import add_user, app, login, make_app, template_db, tiny_models, user_client  # noqa: F401 (fixtures)

from unscathed.labeled_data import load_labeled_jsonl


@pytest.fixture
def admin(user_client):
    return user_client("root", "admin")


def _user(app, name, role):
    add_user(app, name, role)
    return login(app, name)


def _upload(client, token, name, data):
    return client.post("/admin/import", files={"file": (name, data)}, data={"csrf_token": token})


def _count(app):
    with app.state.unscathed.store.session() as session:
        from unscathed.store.schema import SnippetRecord

        return session.query(SnippetRecord).count()


def test_admin_creates_accounts_that_can_log_in(app, admin):
    client, token = admin
    assert client.post("/admin/users", data={"username": "ann", "password": "long enough pw", "role": "labeler", "csrf_token": token}, follow_redirects=False).status_code == 303
    assert "<td>ann</td><td>labeler</td>" in client.get("/admin/users").text
    login(app, "ann", "long enough pw")
    taken = client.post("/admin/users", data={"username": "ann", "password": "long enough pw", "role": "labeler", "csrf_token": token})
    assert taken.status_code == 422 and "taken" in taken.text
    bad_role = client.post("/admin/users", data={"username": "bob", "password": "long enough pw", "role": "god", "csrf_token": token})
    assert bad_role.status_code == 422 and "unknown role" in bad_role.text
    short = client.post("/admin/users", data={"username": "bob", "password": "short", "role": "rater", "csrf_token": token})
    assert short.status_code == 422 and "8 characters" in short.text


def test_jsonl_and_csv_imports(app, admin):
    client, token = admin
    jsonl = b'{"prompt": "p1", "completion": "c1", "label": 1, "labeler": "x", "genre": "war"}\n\n{"prompt": "p2", "completion": "c2"}\n'
    ok = _upload(client, token, "a.jsonl", jsonl)
    assert ok.status_code == 200 and "imported 2 snippets" in ok.text and "1 queued" in ok.text
    csv_data = b'prompt,completion,label,gold\n"He said, ""run""",she ran,0,true\np4,c4,,\n'
    assert "imported 2 snippets" in _upload(client, token, "b.csv", csv_data).text
    labeled = {r["prompt"]: r["label"] for r in app.state.unscathed.store.labeled_snippets()}
    assert labeled == {"p1": 1, 'He said, "run"': 0}
    [p1] = [r for r in app.state.unscathed.store.snippets_by_source("imported") if r["prompt"] == "p1"]
    assert p1["provenance"]["genre"] == "war" and p1["provenance"]["line"] == 1


@pytest.mark.parametrize("name, data, message", [
    ("bad.jsonl", b'{"prompt": "p", "completion": "c"}\n{"prompt": "p", "completion": \n', "bad.jsonl:2: not valid JSON"),
    ("bad.jsonl", b'{"prompt": "p", "completion": "c"}\n["a list"]\n', "bad.jsonl:2: expected a JSON object"),
    ("bad.jsonl", b'{"prompt": "p", "completion": "c"}\n{"prompt": "p", "completion": "c", "label": 2}\n', "bad.jsonl:2: label must be 0, 1 or empty"),
    ("bad.jsonl", b'{"prompt": "p", "completion": "c"}\n{"prompt": "", "completion": "c"}\n', "bad.jsonl:2: field &#39;prompt&#39; must be non-empty text"),
    ("bad.jsonl", b'{"prompt": "p", "completion": "c", "gold": true}\n', "bad.jsonl:1: a gold snippet needs its known label"),
    ("bad.csv", b"prompt,completion,label\np,c,1\np,c,yes\n", "bad.csv:3: label must be 0, 1 or empty"),
    ("bad.csv", b"prompt,completion\np,c,extra\n", "bad.csv:2: more cells than the header"),
    ("bad.csv", b"prompt,label\np,1\n", "bad.csv:2: field &#39;completion&#39; must be non-empty text"),
    ("bad.txt", b"hello\n", "upload a .jsonl or .csv file"),
    ("bad.jsonl", b"\xff\xfe\x00", "not UTF-8 text"),
    ("bad.jsonl", b'{"prompt": "p", "completion": "c", "selection_probability": 0}\n', "bad.jsonl:1: selection_probability must be a number in (0, 1]"),
    ("bad.csv", b"prompt,completion,selection_probability\np,c,0.5\np,c,often\n", "bad.csv:3: selection_probability must be a number in (0, 1]"),
])
def test_a_malformed_upload_is_refused_with_its_line_and_nothing_is_imported(app, admin, name, data, message):
    client, token = admin
    response = _upload(client, token, name, data)
    assert response.status_code == 422 and message in response.text and "nothing was imported" in response.text
    assert _count(app) == 0


def test_an_oversized_upload_is_refused_and_nothing_is_imported(tmp_path, tiny_models, template_db):
    app = make_app(tmp_path, tiny_models, template_db, max_upload_bytes=1000)
    client, token = _user(app, "root", "admin")
    line = json.dumps({"prompt": "p" * 50, "completion": "c"}).encode() + b"\n"
    response = _upload(client, token, "big.jsonl", line * 30)
    assert response.status_code == 413 and "1,000-byte limit" in response.text and "nothing was imported" in response.text
    assert _count(app) == 0
    # Far over the limit: refused from its Content-Length, before the form is even parsed.
    huge = _upload(client, token, "huge.jsonl", line * 2000)
    assert huge.status_code == 413 and "nothing was imported" in huge.text
    assert _count(app) == 0
    assert _upload(client, token, "small.jsonl", line * 5).status_code == 200


def test_export_is_what_train_reads(app, admin, tmp_path):
    client, token = admin
    _upload(client, token, "a.jsonl", b'{"prompt": "p1", "completion": "c1", "label": 1, "split": "train"}\n{"prompt": "p2", "completion": "c2", "label": 0}\n{"prompt": "p3", "completion": "c3"}\n')
    exported = client.get("/admin/export.jsonl")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    path = tmp_path / "labels.jsonl"
    path.write_bytes(exported.content)
    assert [(r.prompt, r.label, r.split) for r in load_labeled_jsonl(path)] == [("p1", 1, "train"), ("p2", 0, None)]


def test_inclusion_probabilities_survive_import_and_export(app, admin):
    """Estimates weight labels by 1 / inclusion probability: an import that reset them to 1 would bias them."""
    client, token = admin
    _upload(client, token, "a.jsonl", b'{"prompt": "p1", "completion": "c1", "label": 1, "selection_strategy": "enriched>active:near", "selection_probability": 0.125}\n{"prompt": "p2", "completion": "c2", "label": 0}\n')
    rows = [json.loads(line) for line in client.get("/admin/export.jsonl").text.splitlines()]
    assert [(r["selection_strategy"], r["selection_probability"]) for r in rows] == [("enriched>active:near", 0.125), ("all", 1.0)]


def test_dashboard_shows_queues_rates_agreement_and_the_classifier(tmp_path, tiny_models, template_db):
    app = make_app(tmp_path, tiny_models, template_db, double_label_share=1.0)  # every snippet labeled twice
    (client, token), (ann, ann_token), (bob, bob_token) = [_user(app, name, role) for name, role in (("root", "admin"), ("ann", "labeler"), ("bob", "labeler"))]
    _upload(client, token, "a.jsonl", b"".join(json.dumps({"prompt": f"p{k}", "completion": "c"}).encode() + b"\n" for k in range(3)))
    for who, tok, answers in ((ann, ann_token, ["1", "0", "1"]), (bob, bob_token, ["1", "0", "0"])):
        for answer in answers:
            assignment = who.get("/api/label/next").json()["assignment_id"]
            who.post(f"/api/label/{assignment}", json={"answer": answer}, headers={"X-CSRF-Token": tok})
    page = client.get("/admin").text
    # ann and bob agree on 2 of 3; kappa = (2/3 - 4/9) / (1 - 4/9) = 0.4
    assert "Cohen's kappa 0.40 over 3 snippets" in page
    assert "6 labels in the last hour" in page and "threshold 1.0000" in page
    assert "1 labels wanted on 1 snippets" in page  # their disagreement on p2 waits for a third reader


def test_the_users_page_takes_no_error_or_status_from_the_url(app, admin):
    client, _ = admin
    page = client.get("/admin/users", params={"error": "<b>forged</b> message", "status_code": 500})
    assert page.status_code == 200 and "forged" not in page.text
