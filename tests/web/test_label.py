"""The label queue: escaping, answers recorded with time spent, idempotence, double labels, gold, training feed."""

import time

from web_helpers import add_user, app, login, make_app, queue, template_db, tiny_models, user_client  # noqa: F401 (fixtures)

from unscathed.labeled_data import load_labeled
from unscathed.store.schema import LabelAssignmentRecord


def _post(client, token, assignment_id, answer, **extra):
    return client.post(f"/api/label/{assignment_id}", json={"answer": answer, **extra}, headers={"X-CSRF-Token": token})


def test_snippet_html_is_shown_escaped(app, user_client):
    queue(app, [{"prompt": "<script>alert('p')</script>", "completion": "<img src=x onerror=alert(1)>"}])
    client, _ = user_client("ann", "labeler")
    page = client.get("/label").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;p&#39;)&lt;/script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "script-src" not in page  # no inline policy tricks: the header forbids inline script
    assert client.get("/label").headers["content-security-policy"].startswith("default-src 'self'")


def test_one_snippet_at_a_time_with_keyboard_hints_and_the_guide_one_click_away(app, user_client):
    queue(app, [{"prompt": "p1", "completion": "c1"}, {"prompt": "p2", "completion": "c2"}])
    client, _ = user_client("ann", "labeler")
    first = client.get("/label").text
    assert first.count('class="completion"') == 1 and "<kbd>1</kbd>" in first and 'href="/guide"' in first
    assert client.get("/label").text == first  # reloading shows the same snippet
    guide = client.get("/guide").text
    assert "Labeling guide" in guide and "<table>" in guide


def test_a_form_answer_is_a_training_label_with_time_spent(app, user_client, tmp_path):
    [snippet_id] = queue(app, [{"prompt": "p", "completion": "c"}])
    client, token = user_client("ann", "labeler")
    assignment = client.get("/api/label/next").json()["assignment_id"]
    done = client.post(f"/label/{assignment}", data={"answer": "1", "note": "a cut", "seconds": "0.25", "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    with app.state.unscathed.store.session() as session:
        record = session.get(LabelAssignmentRecord, assignment)
        assert (record.answer, record.note, record.seconds_spent) == (1, "a cut", 0.25)
    # The store feeds `unscathed train --data URL` directly.
    rows = load_labeled(app.state.unscathed.settings.db_url)
    assert [(r.prompt, r.completion, r.label) for r in rows] == [("p", "c", 1)]
    assert "Nothing left to label" in client.get("/label").text


def test_reported_time_cannot_exceed_what_the_server_saw(app, user_client):
    queue(app, [{"prompt": "p", "completion": "c"}])
    client, token = user_client("ann", "labeler")
    assignment = client.get("/api/label/next").json()["assignment_id"]
    _post(client, token, assignment, "0", seconds=3600)
    with app.state.unscathed.store.session() as session:
        assert session.get(LabelAssignmentRecord, assignment).seconds_spent < 60


def test_a_retried_answer_is_not_duplicated_and_a_changed_one_is_refused(app, user_client):
    queue(app, [{"prompt": "p", "completion": "c"}])
    client, token = user_client("ann", "labeler")
    assignment = client.get("/api/label/next").json()["assignment_id"]
    first = _post(client, token, assignment, "1").json()
    assert _post(client, token, assignment, "1").json() == first
    assert _post(client, token, assignment, "0").status_code == 409
    assert _post(client, token, assignment, "maybe").status_code == 422
    assert len(app.state.unscathed.store.labeled_snippets()) == 1


def test_a_share_of_snippets_is_labeled_twice(tmp_path, tiny_models, template_db):
    app = make_app(tmp_path, tiny_models, template_db, double_label_share=1.0)
    queue(app, [{"prompt": "p", "completion": "c"}])
    for name in ("ann", "bob", "cat"):
        add_user(app, name, "labeler")
    got = {}
    for name in ("ann", "bob", "cat"):
        client, token = login(app, name)
        response = client.get("/api/label/next")
        got[name] = response.status_code
        if response.status_code == 200:
            _post(client, token, response.json()["assignment_id"], "1")
    assert got == {"ann": 200, "bob": 200, "cat": 204}


def test_unsure_sends_the_snippet_to_someone_else(app, user_client):
    queue(app, [{"prompt": "p", "completion": "c"}])
    ann, ann_token = user_client("ann", "labeler")
    _post(ann, ann_token, ann.get("/api/label/next").json()["assignment_id"], "unsure")
    bob, _ = user_client("bob", "labeler")
    assert bob.get("/api/label/next").status_code == 200


def test_gold_snippets_are_mixed_in_and_their_answers_stay_out_of_training(tmp_path, tiny_models, template_db):
    app = make_app(tmp_path, tiny_models, template_db, gold_rate=1.0)
    add_user(app, "root", "admin")
    admin, admin_token = login(app, "root")
    upload = b'{"prompt": "gp", "completion": "gc", "label": 1, "gold": true}\n{"prompt": "p", "completion": "c"}\n'
    assert admin.post("/admin/import", files={"file": ("g.jsonl", upload)}, data={"csrf_token": admin_token}).status_code == 200
    add_user(app, "ann", "labeler")
    client, token = login(app, "ann")
    gold = client.get("/api/label/next").json()
    assert gold["prompt"] == "gp"
    answered = _post(client, token, gold["assignment_id"], "0").json()  # a wrong answer
    assert "gold" not in answered and "label_id" not in answered  # nothing tells the labeler it was a gold item
    with app.state.unscathed.store.session() as session:
        assert session.get(LabelAssignmentRecord, gold["assignment_id"]).gold
    regular = client.get("/api/label/next").json()
    assert regular["prompt"] == "p"  # each gold snippet once per labeler
    # The known answer, not the labeler's mistake, is what training sees.
    assert [(r["prompt"], r["label"]) for r in app.state.unscathed.store.labeled_snippets()] == [("gp", 1)]
    dashboard = admin.get("/admin").text
    assert "<td>ann</td><td>1</td><td>0</td><td>0.00</td>" in dashboard


def test_an_abandoned_snippet_goes_back_to_the_queue(tmp_path, tiny_models, template_db):
    app = make_app(tmp_path, tiny_models, template_db, assignment_minutes=0.001)  # 60 ms
    queue(app, [{"prompt": "p", "completion": "c"}])
    add_user(app, "ann", "labeler")
    add_user(app, "bob", "labeler")
    ann, ann_token = login(app, "ann")
    bob, bob_token = login(app, "bob")
    abandoned = ann.get("/api/label/next").json()["assignment_id"]
    time.sleep(0.1)
    taken_over = bob.get("/api/label/next").json()["assignment_id"]
    assert taken_over != abandoned
    _post(bob, bob_token, taken_over, "1")
    # The expired assignment's slot went to bob: a late answer would add a label nobody asked for.
    late = _post(ann, ann_token, abandoned, "1")
    assert late.status_code == 409 and "expired" in late.text
    assert [len(r["labels"]) for r in app.state.unscathed.store.labeled_snippets()] == [1]


def test_a_disagreement_goes_to_a_third_reader_and_export_keeps_every_label(tmp_path, tiny_models, template_db):
    app = make_app(tmp_path, tiny_models, template_db, double_label_share=1.0)
    queue(app, [{"prompt": "The blade sank into Tom's shoulder and", "completion": "he screamed."}])
    for name in ("ann", "bob", "cat", "dan"):
        add_user(app, name, "labeler")
    clients = {name: login(app, name) for name in ("ann", "bob", "cat", "dan")}
    for name, answer in (("ann", "1"), ("bob", "0")):
        client, token = clients[name]
        _post(client, token, client.get("/api/label/next").json()["assignment_id"], answer)
    # Until a third reader settles it, the snippet counts as injurious (in doubt, 1), never as the latest answer.
    [waiting] = app.state.unscathed.store.labeled_snippets()
    assert waiting["label"] == 1 and waiting["consensus_rule"].startswith("in doubt, 1")
    cat, cat_token = clients["cat"]
    third = cat.get("/api/label/next")
    assert third.status_code == 200
    _post(cat, cat_token, third.json()["assignment_id"], "0")
    assert clients["dan"][0].get("/api/label/next").status_code == 204  # settled: nobody else is asked
    [settled] = app.state.unscathed.store.labeled_snippets()
    assert (settled["label"], settled["consensus_rule"]) == (0, "third reader")
    assert [(lab["labeler"], lab["label"]) for lab in settled["labels"]] == [("ann", 1), ("bob", 0), ("cat", 0)]
