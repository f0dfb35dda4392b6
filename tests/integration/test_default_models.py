"""End to end on the real default models: SmolLM2-135M from its wheel and all-MiniLM-L6-v2 fine-tuned.

Marked ``integration``; CI runs them. The classifier is fine-tuned briefly on the starter set, which is
enough to exercise the real code paths, not to judge quality (the README's figures do that).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from unscathed.cli import main
from unscathed.config import FilterPolicy, SamplingSettings, TrainConfig
from unscathed.filter import RejectionSampler
from unscathed.labeled_data import load_labeled_jsonl
from unscathed.models.classifier import HFClassifier
from unscathed.models.generator import HFGenerator
from unscathed.snippet import Snippet
from unscathed.train import train_classifier

pytestmark = [pytest.mark.integration, pytest.mark.slow]

STARTER = Path(__file__).resolve().parents[2] / "data" / "starter.jsonl"
PROMPTS = [
    "The bandit lunged across the table with a knife. Tom stumbled back against the wall. There was nowhere left to run.",
    "Grandma set the pie on the windowsill to cool. The kitchen smelled of cinnamon. Lily crept closer.",
]


@pytest.fixture(scope="module")
def generator() -> HFGenerator:
    return HFGenerator.default()


@pytest.fixture(scope="module")
def classifier_dir(tmp_path_factory) -> Path:
    rows = load_labeled_jsonl(STARTER)
    out = tmp_path_factory.mktemp("minilm") / "clf"
    train_classifier(rows, out, TrainConfig(epochs=1, batch_size=16, max_length=96, validation_fraction=0.25, target_recall=0.95), progress=False)
    return out


def test_default_generator_samples_single_sentences_with_logprobs(generator):
    torch.manual_seed(0)
    out = generator.sample(PROMPTS, 4, SamplingSettings())
    assert [len(row) for row in out] == [4, 4]
    texts = [c.text for row in out for c in row]
    assert sum(bool(t) for t in texts) >= 6
    for row in out:
        for c in row:
            assert c.token_logprobs and all(math.isfinite(lp) and lp <= 0 for lp in c.token_logprobs)
    assert generator.model.config.model_type == "llama"


def test_fine_tuned_minilm_scores_and_records_metadata(classifier_dir):
    clf = HFClassifier.load(classifier_dir)
    assert clf.metadata.base_model == "model" or "MiniLM" in clf.metadata.base_model or clf.metadata.base_model
    assert 0 < clf.threshold <= 1 and clf.metadata.validation_metrics["validation"]["n_injurious"] > 0
    scores = clf.score([Snippet(PROMPTS[0], "He drove the knife into Tom's side."), Snippet(PROMPTS[1], "She sniffed the pie and smiled.")])
    assert scores.shape == (2,) and np.all((0 <= scores) & (scores <= 1))


def test_filter_end_to_end_never_returns_above_threshold(generator, classifier_dir):
    torch.manual_seed(1)
    clf = HFClassifier.load(classifier_dir)
    results = RejectionSampler(generator, clf, FilterPolicy(batch_size=4, max_attempts=8)).run(PROMPTS)
    for r in results:
        assert 1 <= len(r.candidates) <= 8
        if r.accepted is not None:
            assert r.accepted.p_injury < clf.threshold
            # the returned score is the classifier's real score of that text
            assert clf.score([Snippet(r.prompt, r.completion)])[0] == pytest.approx(r.accepted.p_injury, abs=1e-4)


def test_cli_generate_json_and_score_on_real_models(classifier_dir, tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'u.db'}"
    assert main(["generate", "--prompt", PROMPTS[0], "--n", "4", "--max-attempts", "8", "--json", "--model", str(classifier_dir), "--db", db, "--seed", "3"]) == 0
    result = json.loads(capsys.readouterr().out.strip())
    assert result["prompt"] == PROMPTS[0] and result["candidates"]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"prompt": PROMPTS[0], "completion": c["completion"]}) + "\n" for c in result["candidates"]))
    assert main(["score", "--input", str(src), "--output", str(tmp_path / "out.jsonl"), "--model", str(classifier_dir)]) == 0
    scored = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [s["p_injury"] for s in scored] == pytest.approx([c["p_injury"] for c in result["candidates"]], abs=1e-4)
