"""Unfiltered generation (``generate --no-filter``, ``serve --no-filter``): one plain sample per prompt,
returned whatever it scores, still scored and recorded with the outcome "unfiltered"."""

import json

from conftest import KeywordScorer, ScriptedGenerator
from fastapi.testclient import TestClient

from unscathed.cli import main
from unscathed.config import SamplingSettings
from unscathed.generate import result_json, result_text, unfiltered_generate
from unscathed.store import open_store
from unscathed.web import ModelService, WebSettings, create_app
from unscathed.web.completions import CompletionRequest, CompletionsService, completions_router


def test_one_sample_per_prompt_comes_back_even_when_the_filter_would_reject_it(tmp_path):
    generator, scorer = ScriptedGenerator(["he bled", "she smiled"]), KeywordScorer()
    store = open_store(f"sqlite:///{tmp_path / 'u.db'}")
    results = unfiltered_generate(["The knight", "The queen"], generator, scorer, SamplingSettings(), store)
    assert [r.completion for r in results] == ["he bled", "she smiled"]
    assert generator.calls == 1 and generator.drawn == 2 and scorer.scored == 2
    assert [r.candidates[0].accepted for r in results] == [False, True]  # what the filter would have done
    assert [r.candidates[0].p_injury for r in results] == [0.9, 0.1]
    requests = store.requests()
    assert [r.outcome for r in requests] == ["unfiltered", "unfiltered"]
    assert [r.attempts for r in requests] == [1, 1]
    assert requests[0].candidates[0].completion == "he bled" and requests[0].candidates[0].p_injury == 0.9


def test_the_output_says_unfiltered_and_shows_the_score():
    [result] = unfiltered_generate(["The knight"], ScriptedGenerator(["he bled"]), KeywordScorer(), SamplingSettings(), threshold=0.95)
    as_json = result_json(result)
    assert as_json["filtered"] is False and as_json["outcome"] == "unfiltered" and as_json["completion"] == "he bled"
    assert as_json["candidates"][0]["p_injury"] == 0.9 and as_json["candidates"][0]["threshold"] == 0.95
    text = result_text(result)
    assert "UNFILTERED" in text and "p_injury=0.9000" in text and "would accept" in text and text.endswith("he bled")


def test_generate_no_filter_cli_returns_what_the_filter_would_reject(tiny_classifier, tiny_generator_dir, tmp_path, capsys):
    tiny_classifier.save(tmp_path / "clf")
    db = f"sqlite:///{tmp_path / 'u.db'}"
    # A threshold nothing can pass: the filter would fail closed on every prompt, --no-filter still answers.
    code = main(["generate", "--no-filter", "--prompt", "The knight drew", "--prompt", "She ran", "--json", "--threshold", "1e-9",
                 "--model", str(tmp_path / "clf"), "--generator", str(tiny_generator_dir), "--max-new-tokens", "6", "--db", db, "--seed", "0"])
    assert code == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()[-2:]]
    assert all(r["filtered"] is False and r["outcome"] == "unfiltered" for r in rows)
    assert all(len(r["candidates"]) == 1 and r["candidates"][0]["completion"] == r["completion"] and not r["candidates"][0]["accepted"] for r in rows)
    assert [q.outcome for q in open_store(db).requests()] == ["unfiltered", "unfiltered"]


def test_the_api_serves_plain_samples_when_unfiltered(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'u.db'}")
    models = ModelService.ready(ScriptedGenerator(["he bled", "she smiled"]), KeywordScorer())
    service = CompletionsService(models, store=store, model_id="unscathed-unfiltered", filtered=False)
    client = TestClient(_app(service))
    reply = client.post("/v1/completions", json={"model": "unscathed-unfiltered", "prompt": ["The knight", "The queen"], "n": 2})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert [c["text"] for c in body["choices"]] == ["he bled", "she smiled", "he bled", "she smiled"]
    assert body["system_fingerprint"].endswith(":unfiltered")
    assert {r.outcome for r in store.requests()} == {"unfiltered"} and len(store.requests()) == 4


def test_the_same_service_filters_by_default():
    service = CompletionsService(ModelService.ready(ScriptedGenerator(["he bled", "she smiled"]), KeywordScorer()))
    body = service.complete(CompletionRequest(model="unscathed-filtered", prompt="The knight", n=1))
    assert [c["text"] for c in body["choices"]] == ["she smiled"] and not body["system_fingerprint"].endswith(":unfiltered")


def test_the_web_app_serves_the_unfiltered_model_when_told(tmp_path):
    models = ModelService.ready(ScriptedGenerator(["he bled"]), KeywordScorer())
    app = create_app(WebSettings(db_url=f"sqlite:///{tmp_path / 'w.db'}", filter_completions=False), models)
    assert [m["id"] for m in TestClient(app).get("/v1/models").json()["data"]] == ["unscathed-unfiltered"]


def _app(service):
    from fastapi import FastAPI

    app = FastAPI()
    app.include_router(completions_router(service))
    return app
