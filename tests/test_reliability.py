import json

import numpy as np
import pytest
import torch

from unscathed.config import FilterPolicy, SamplingSettings
from unscathed.labeled_data import DataError
from unscathed.reliability import collect_samples, load_samples, reliability_report, save_samples

from conftest import KeywordScorer, ScriptedGenerator


def test_collect_records_unfiltered_draw_and_draws_until_acceptance(tmp_path):
    generator = ScriptedGenerator(["he hurt", "ok", "she bled", "fine", "it hurt", "he bled"])
    samples = collect_samples([{"prompt": "a", "prompt_id": "p1"}, {"prompt": "b", "weight": 2.0}], generator, KeywordScorer(), FilterPolicy(batch_size=1, max_attempts=3), SamplingSettings(), repeats=2)
    first = samples[0]
    assert first.prompt_id == "p1" and first.completion == "he hurt" and not first.accepted
    assert all(d in (0, 1, 2, 3) for s in samples for d in s.draws)
    assert samples[1].weight == 2.0
    save_samples(samples, tmp_path / "s.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()]
    assert rows[0]["label"] is None and rows[0]["threshold"] == 0.5


def test_report_needs_labels_on_accepted_draws(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps({"prompt_id": "1", "prompt": "p", "completion": "c", "p_injury": 0.1, "accepted": True, "draws": [1, 2], "filtered_completion": "c"}) + "\n")
    with pytest.raises(DataError, match="s.jsonl:1: .*needs a label"):
        load_samples(path)


def test_report_on_simulated_labeled_samples(tmp_path):
    rng = np.random.default_rng(0)
    rows = []
    for i in range(500):
        accepted = bool(rng.random() < 0.8)
        rows.append({"prompt_id": str(i), "prompt": "p", "completion": "c", "p_injury": 0.1, "accepted": accepted,
                     "draws": [int(rng.geometric(0.8)), 0 if i < 5 else int(rng.geometric(0.8))], "filtered_completion": "d",
                     "label": int(accepted and rng.random() < 0.02), "preference": None if accepted else float(rng.random() < 0.4)})
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = reliability_report(load_samples(path))
    assert report["prompts_where_nothing_passed"] == 5
    assert report["interval"][0] < report["failure_rate"] < report["interval"][1]
    assert 0 < report["quality"]["value"] < 1 and report["quality"]["comparisons"] == sum(not r["accepted"] and 0 not in r["draws"] for r in rows)
    assert report["quality"]["prompts"] == 495
