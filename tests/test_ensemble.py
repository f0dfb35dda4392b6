import json

import numpy as np
import pytest
from conftest import toy_rows

from unscathed.config import TrainConfig
from unscathed.models.ensemble import EnsembleClassifier
from unscathed.models.loading import load_classifier
from unscathed.snippet import Snippet
from unscathed.train import member_data, train_classifier


@pytest.fixture(scope="module")
def ensemble_dir(tiny_encoder_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("ens") / "ensemble"
    config = TrainConfig(base_model=str(tiny_encoder_dir), epochs=2, batch_size=8, learning_rate=3e-3, validation_fraction=0.3, target_recall=0.9, ensemble_size=3, ensemble_by="subset")
    train_classifier(toy_rows(), out, config, progress=False)
    return out


def test_ensemble_is_a_classifier_whose_score_combines_its_members(ensemble_dir):
    ensemble = load_classifier(str(ensemble_dir))
    assert isinstance(ensemble, EnsembleClassifier) and len(ensemble.members) == 3
    snippets = [Snippet(r.prompt, r.completion) for r in toy_rows(12)]
    members = ensemble.member_scores(snippets)
    assert members.shape == (3, 12)
    np.testing.assert_allclose(ensemble.score(snippets), members.mean(axis=0))
    assert not np.allclose(members[0], members[1])  # different bootstrap subsets, different members
    np.testing.assert_allclose(ensemble.disagreement(snippets), members.std(axis=0))
    maxed = EnsembleClassifier.load(ensemble_dir)
    maxed.metadata.reduce = "max"
    assert np.all(maxed.score(snippets) >= ensemble.score(snippets) - 1e-9)


def test_ensemble_directory_records_threshold_version_and_members(ensemble_dir):
    meta = json.loads((ensemble_dir / "ensemble.json").read_text())
    assert meta["members"] == ["member-0", "member-1", "member-2"] and len(meta["version"]) == 12
    assert meta["validation_metrics"]["validation"]["recall"] >= 0.9
    assert 0 < meta["threshold"] <= 1
    assert load_classifier(str(ensemble_dir), threshold=0.25).threshold == 0.25


def test_calibrate_writes_the_threshold_into_an_ensemble(ensemble_dir, tmp_path, capsys):
    from unscathed.cli import main

    data = tmp_path / "val.jsonl"
    data.write_text("".join(json.dumps({"prompt": r.prompt, "completion": r.completion, "label": r.label, "split": "validation"}) + "\n" for r in toy_rows(40)))
    assert main(["calibrate", "--model", str(ensemble_dir), "--data", str(data), "--max-benign-rejection", "0.5"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert json.loads((ensemble_dir / "ensemble.json").read_text())["threshold"] == out["threshold"]


def test_members_by_seed_share_data_and_by_subset_bootstrap():
    rows = toy_rows(50)
    assert member_data(rows, TrainConfig(ensemble_by="seed"), 1) is rows
    boot = member_data(rows, TrainConfig(ensemble_by="subset"), 1)
    assert len(boot) == 50 and len({id(r) for r in boot}) < 50
