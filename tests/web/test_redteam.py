"""The red-team workbench: sampling through the filter, live scores with saliency, replacements, submissions
that wait for labelers before they count as failures."""

from web_helpers import add_user, app, login, make_app, template_db, tiny_models, user_client  # noqa: F401 (fixtures)

from unscathed.models.classifier import HFClassifier
from unscathed.web import ModelService


def _api(client, token, path, body):
    return client.post(path, json=body, headers={"X-CSRF-Token": token})


def test_a_prompt_is_sampled_through_the_filter_and_recorded(app, user_client):
    client, token = user_client("rex", "redteamer")
    data = _api(client, token, "/api/redteam/attempts", {"prompt": "The knight raised his sword."}).json()
    assert len(data["candidates"]) == 2 and data["returned"] == 0  # threshold 1.0 accepts the first draw
    assert all(0 <= c["p_injury"] <= 1 for c in data["candidates"])
    [request] = app.state.unscathed.store.requests()
    assert request.prompt == "The knight raised his sword." and request.outcome == "accepted" and len(request.candidates) == 2


def test_the_score_updates_with_saliency_and_replacements_are_ranked(app, user_client):
    client, token = user_client("rex", "redteamer")
    body = {"prompt": "The knight raised his sword.", "completion": "he hit the dragon"}
    scored = _api(client, token, "/api/redteam/score", body).json()
    assert 0 <= scored["p_injury"] <= 1 and scored["accepted"] is True and scored["threshold"] == 1.0
    tokens = scored["tokens"]
    assert tokens and all(body["completion"][t["start"]:t["end"]] == t["token"] for t in tokens)
    hit = next(t for t in tokens if t["token"] == "hit")
    ranked = _api(client, token, "/api/redteam/substitutions", {**body, "start": hit["start"], "end": hit["end"]}).json()["substitutions"]
    assert ranked and [s["p_injury"] for s in ranked] == sorted(s["p_injury"] for s in ranked)
    assert all(s["completion"].startswith("he ") and s["completion"].endswith(" the dragon") for s in ranked)
    assert _api(client, token, "/api/redteam/substitutions", {**body, "start": 5, "end": 99}).status_code == 422
    assert _api(client, token, "/api/redteam/score", {"prompt": "p", "completion": ""}).status_code == 422


def test_a_submission_is_queued_for_labeling_and_counts_once_verified(app, user_client):
    rex, rex_token = user_client("rex", "redteamer")
    attempt = _api(rex, rex_token, "/api/redteam/attempts", {"prompt": "The knight raised his sword."}).json()["attempt_id"]
    done = _api(rex, rex_token, f"/api/redteam/attempts/{attempt}/submit", {"completion": "he cut the dragon"}).json()
    assert done["seconds_to_submit"] >= 0
    [row] = app.state.unscathed.store.snippets_by_source("redteam")
    assert row["completion"] == "he cut the dragon" and row["label"] is None and row["provenance"]["redteamer"] == "rex"
    assert _api(rex, rex_token, f"/api/redteam/attempts/{attempt}/submit", {"completion": "again"}).status_code == 409
    admin, _ = user_client("root", "admin")
    page = admin.get("/admin").text
    assert "1 red-team submissions not yet verified" in page and "labels wanted on 1 snippets" in page
    # A labeler confirms it: now it is a verified failure of this classifier version.
    ann, ann_token = user_client("ann", "labeler")
    assignment = ann.get("/api/label/next").json()
    assert assignment["completion"] == "he cut the dragon"
    _api(ann, ann_token, f"/api/label/{assignment['assignment_id']}", {"answer": "1"})
    page = admin.get("/admin").text
    assert "0 red-team submissions not yet verified" in page and "<td>rex</td><td>1</td><td>1</td><td>0</td><td>0</td>" in page


def test_a_rejected_completion_cannot_be_submitted(tmp_path, tiny_models, template_db, tiny_encoder_dir):
    strict = ModelService.ready(tiny_models.generator, HFClassifier.load(tiny_encoder_dir, threshold=1e-6))
    strict.settings = tiny_models.settings
    app = make_app(tmp_path, strict, template_db)
    add_user(app, "rex", "redteamer")
    client, token = login(app, "rex")
    data = _api(client, token, "/api/redteam/attempts", {"prompt": "p"}).json()
    assert data["returned"] is None  # nothing passes: the filter fails closed
    refused = _api(client, token, f"/api/redteam/attempts/{data['attempt_id']}/submit", {"completion": "he cut the dragon"})
    assert refused.status_code == 422 and "rejects" in refused.json()["detail"]
    assert app.state.unscathed.store.snippets_by_source("redteam") == []


def test_another_red_teamers_attempt_is_off_limits(app, user_client):
    rex, rex_token = user_client("rex", "redteamer")
    attempt = _api(rex, rex_token, "/api/redteam/attempts", {"prompt": "p"}).json()["attempt_id"]
    eve, eve_token = user_client("eve", "redteamer")
    assert _api(eve, eve_token, f"/api/redteam/attempts/{attempt}/submit", {"completion": "x"}).status_code == 403
    assert _api(eve, eve_token, "/api/redteam/attempts/999/submit", {"completion": "x"}).status_code == 404


def test_two_racing_submits_of_one_attempt_queue_one_snippet(app, user_client):
    """Both requests read the attempt as unsubmitted; the second must fail without leaving an orphan in the queue."""
    import pytest

    from unscathed.store.accounts import user_by_name
    from unscathed.store.redteam import AlreadySubmitted, attempt_of, submit

    rex, rex_token = user_client("rex", "redteamer")
    attempt_id = _api(rex, rex_token, "/api/redteam/attempts", {"prompt": "The knight raised his sword."}).json()["attempt_id"]
    store = app.state.unscathed.store
    with store.session() as session:
        user = user_by_name(session, "rex")
        stale = attempt_of(session, attempt_id, user.id)
        session.expunge(stale)  # what the second request read before the first one committed
    with store.session() as session:
        submit(store, session, attempt_of(session, attempt_id, user.id), user, "he cut the dragon", 0.1)
    with store.session() as session:
        with pytest.raises(AlreadySubmitted):
            submit(store, session, stale, user, "he cut the dragon", 0.1)
    assert [r["completion"] for r in store.snippets_by_source("redteam")] == ["he cut the dragon"]
