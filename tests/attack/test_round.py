"""A whole round on tiny models: attack and queue with lineage, label by hand, retrain, report."""

from __future__ import annotations

import json

import pytest

from unscathed.attack.config import AttackConfig
from unscathed.attack.round import attack_phase, is_held_out, read_attack_log, retrain_phase
from unscathed.attack.time_to_failure import outcome, runs_from_log
from unscathed.cli import main
from unscathed.config import TrainConfig
from unscathed.models.classifier import HFClassifier
from unscathed.snippet import Snippet
from unscathed.store import open_store

from .conftest import PROMPT, TRIGGER, planted_sentences


@pytest.fixture
def seed_file(tmp_path):
    rows = [{"prompt": PROMPT, "completion": t, "label": y, "split": ("train", "validation", "test")[i % 3]} for i, (t, y) in enumerate(planted_sentences(90, seed=3))]
    path = tmp_path / "seed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def _originals() -> list[Snippet]:
    return [Snippet(PROMPT, t, {"id": f"o{i}"}) for i, (t, y) in enumerate(planted_sentences(12, seed=5)) if y][:4]


def test_round_queues_unlabeled_candidates_then_retrains(planted_classifier, tiny_encoder_dir, seed_file, tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    round_dir = tmp_path / "rounds" / "round-1"
    summary = attack_phase(planted_classifier, _originals(), ["hotflip"], AttackConfig(max_edits=2, max_queries=60, max_successes=2), store, round_dir, 1, progress=lambda m: None)
    assert summary["hotflip"]["runs"] == 4 and summary["hotflip"]["success_rate"] > 0
    queued = store.snippets_by_source("attack:hotflip")
    assert queued and all(r["label"] is None for r in queued)  # never labeled automatically
    lineage = queued[0]["provenance"]
    assert lineage["recipe"] == "hotflip" and lineage["round"] == 1 and lineage["edits"] and lineage["original"]["id"].startswith("o")
    assert lineage["p_injury"] < lineage["threshold"] and lineage["classifier_version"] == planted_classifier.version

    # The verifier: a candidate that still has the trigger word is injurious, one without it is not (this
    # planted task's ground truth); the labels go through the same CLI a person would use.
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps({"snippet_id": r["snippet_id"], "label": int(TRIGGER in r["completion"].split())}) + "\n" for r in queued))
    assert main(["round", "label", "--labels", str(labels), "--labeler", "test-verifier", "--db", f"sqlite:///{tmp_path / 'store.db'}"]) == 0
    assert all(r["label"] is not None for r in store.snippets_by_source("attack:"))

    config = TrainConfig(base_model=str(tiny_encoder_dir), epochs=1, batch_size=16, max_length=64)
    record = retrain_phase(store, round_dir, planted_classifier, config, held_out_fraction=0.5, seed_data=seed_file, seed_train_examples=12)
    assert record["seed_train"] == 12  # capped; every adversarial training row is kept
    assert record["classifier_before"] == planted_classifier.version != record["classifier_after"]
    assert record["adversarial_train"]["n"] + record["adversarial_test"]["n"] == len(queued)
    assert {"auc", "recall"} <= set(record["after"]["seed_test"])
    assert HFClassifier.load(round_dir / "classifier").version == record["classifier_after"]
    assert json.loads((tmp_path / "rounds" / "rounds.jsonl").read_text().splitlines()[-1])["round"] == "round-1"

    log = read_attack_log([round_dir])
    grouped = runs_from_log(log, {r["snippet_id"]: r["label"] for r in store.snippets_by_source("attack:")})
    assert {o[0] for o in map(outcome, grouped[(planted_classifier.version, "hotflip")])} <= {"failure", "censored"}


def test_held_out_split_keeps_an_original_together():
    row = lambda c: {"provenance": {"original": {"prompt": "p", "completion": "o"}}, "completion": c}
    assert len({is_held_out(row(c), 0.5) for c in ["a", "b", "c", "d"]}) == 1


def test_label_file_with_a_bad_label_is_refused(tmp_path, capsys):
    labels = tmp_path / "labels.jsonl"
    labels.write_text('{"snippet_id": 1, "label": 2}\n')
    assert main(["round", "label", "--labels", str(labels), "--labeler", "x", "--db", f"sqlite:///{tmp_path / 's.db'}"]) == 2
    assert "label must be 0, 1 or null" in capsys.readouterr().err


def test_attack_cli_writes_one_line_per_run(planted_classifier_dir, tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_text("".join(json.dumps({"prompt": s.prompt, "completion": s.completion}) + "\n" for s in _originals()[:2]))
    out = tmp_path / "out.jsonl"
    assert main(["attack", "--recipe", "deepwordbug", "--input", str(data), "--model", str(planted_classifier_dir), "--no-generator", "--output", str(out), "--max-queries", "40"]) == 0
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(lines) == 2 and all(line["recipe"] == "deepwordbug" and line["queries"] <= 40 for line in lines)
