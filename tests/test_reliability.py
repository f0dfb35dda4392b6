import json

import numpy as np
import pytest
import torch
from conftest import KeywordScorer, ScriptedGenerator

from unscathed.config import FilterPolicy, SamplingSettings
from unscathed.labeled_data import DataError
from unscathed.reliability import collect_samples, load_samples, reliability_report, save_samples


def test_collect_records_unfiltered_draw_and_draws_until_acceptance(tmp_path):
    generator = ScriptedGenerator(["he hurt", "ok", "she bled", "fine", "it hurt", "he bled"])
    samples = collect_samples([{"prompt": "a", "prompt_id": "p1"}, {"prompt": "b", "weight": 2.0}], generator, KeywordScorer(), FilterPolicy(batch_size=1, max_attempts=3), SamplingSettings(), repeats=2)
    first = samples[0]
    assert first.prompt_id == "p1" and first.completion == "he hurt" and not first.accepted
    # the script's order: run 1 rejects "she bled", "it hurt", "he bled" for p1 (failed closed: 0) and accepts "fine"
    # for p2 at once; run 2 rejects "he hurt", "she bled" and accepts "fine" at the third draw
    assert [s.draws for s in samples] == [[0, 3], [1, 1]]
    assert samples[0].budget == 3 and samples[0].filtered_completion is None and samples[1].filtered_completion == "fine"
    assert samples[1].weight == 2.0
    save_samples(samples, tmp_path / "s.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert rows[0]["label"] is None and rows[0]["threshold"] == 0.5


def test_report_needs_labels_on_accepted_draws(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps({"prompt_id": "1", "prompt": "p", "completion": "c", "p_injury": 0.1, "accepted": True, "draws": [1, 2], "filtered_completion": "c"}) + "\n")
    with pytest.raises(DataError, match="s.jsonl:1: .*needs a label"):
        load_samples(path)


def _row(i, accepted, draws, label=0, preference=None, **extra):
    return {"prompt_id": str(i), "prompt": "p", "completion": "c", "p_injury": 0.1, "accepted": accepted, "draws": draws, "filtered_completion": None if draws[0] == 0 else "d",
            "label": label, "preference": preference, "classifier_version": "v1", "threshold": 0.2, "budget": 4, **extra}


def test_report_on_simulated_labeled_samples(tmp_path):
    rng = np.random.default_rng(0)
    rows = []
    for i in range(500):
        accepted = bool(rng.random() < 0.8)
        draws = [0 if i < 5 else int(min(rng.geometric(0.8), 4)), int(min(rng.geometric(0.8), 4))]
        rows.append(_row(i, accepted, draws, label=int(accepted and rng.random() < 0.02), preference=None if accepted else float(rng.random() < 0.4)))
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = reliability_report(load_samples(path))
    assert report["failed_closed_runs"] == 5 and report["budget"] == 4 and report["confidence"] == "one-sided 95%"
    per_request = report["failure_rate_per_request"]
    assert 0 < per_request["value"] < per_request["upper_bound"] and report["observed_failures"] == sum(r["label"] for r in rows)
    assert report["failure_rate_per_served"]["value"] > per_request["value"]
    assert 0 < report["quality"]["value"] < 1 and report["quality"]["prompts"] == 500 and report["quality"]["failed_closed_as_losses"] == 5


def test_report_refuses_samples_of_different_policies():
    from unscathed.reliability import ReliabilitySample

    a, b = ReliabilitySample(**_row(1, True, [1])), ReliabilitySample(**_row(2, True, [1], threshold=0.3))
    with pytest.raises(ValueError, match="mix 2 policies"):
        reliability_report([a, b])
    with pytest.raises(ValueError, match="budget"):
        reliability_report([ReliabilitySample(**_row(1, True, [1], budget=0))])


def test_report_refuses_quality_when_the_threshold_tightened():
    from unscathed.reliability import ReliabilitySample

    samples = [ReliabilitySample(**_row(i, i % 2 == 0, [1], preference=None if i % 2 == 0 else 1.0, tighten_per_rejection=0.5)) for i in range(4)]
    with pytest.raises(ValueError, match="constant threshold"):
        reliability_report(samples)
