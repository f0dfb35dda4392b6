import json

import numpy as np
import pytest
import torch
from conftest import toy_rows

from unscathed.config import TrainConfig
from unscathed.models.classifier import HFClassifier
from unscathed.snippet import Snippet
from unscathed.train import load_base, train_classifier


def test_train_classifier_writes_loadable_directory_with_metadata(tiny_encoder_dir, tmp_path):
    config = TrainConfig(base_model=str(tiny_encoder_dir), epochs=2, batch_size=8, learning_rate=3e-3, target_recall=0.9, validation_fraction=0.3)
    out = tmp_path / "clf"
    trained = train_classifier(toy_rows(), out, config, progress=False)
    loaded = HFClassifier.load(out)
    meta = loaded.metadata
    assert meta.threshold == trained.threshold and 0 < meta.threshold <= 1
    assert meta.validation_metrics["validation"]["recall"] >= 0.9
    assert len(meta.validation_metrics["grad_norm_max"]) == 2
    assert all(hi >= mean > 0 for hi, mean in zip(meta.validation_metrics["grad_norm_max"], meta.validation_metrics["grad_norm_mean"]))
    assert len(meta.training_data_sha256) == 64 and meta.version
    assert not (tmp_path / "clf.partial").exists()


def test_dropout_setting_reaches_the_model(tiny_encoder_dir):
    classifier = load_base(TrainConfig(base_model=str(tiny_encoder_dir), dropout=0.3))
    assert classifier.model.config.hidden_dropout_prob == 0.3
    dropouts = [m.p for m in classifier.model.modules() if isinstance(m, torch.nn.Dropout)]
    assert dropouts and all(p == 0.3 for p in dropouts)


def test_generator_backbone_trains_as_a_sequence_classifier(tiny_generator_dir, tmp_path):
    # A decoder (Llama) backbone gets a classification head and a pad token, and scores like any classifier.
    config = TrainConfig(base_model=str(tiny_generator_dir), epochs=1, batch_size=8, learning_rate=1e-3, validation_fraction=0.3, target_recall=0.5)
    trained = train_classifier(toy_rows(48), tmp_path / "llama-clf", config, progress=False)
    assert type(trained.model).__name__ == "LlamaForSequenceClassification"
    scores = HFClassifier.load(tmp_path / "llama-clf").score([Snippet("p", "he bled"), Snippet("", "she smiled")])
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))


def test_unknown_choice_is_refused():
    with pytest.raises(ValueError, match="imbalance must be one of"):
        TrainConfig(imbalance="oversample")
    with pytest.raises(ValueError, match="unknown TrainConfig setting"):
        TrainConfig.from_dict({"learnig_rate": 1e-3})


def test_cli_train_reads_a_config_file_and_options_override_it(tiny_encoder_dir, tmp_path, capsys):
    from unscathed.cli import main

    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"prompt": r.prompt, "completion": r.completion, "label": r.label}) + "\n" for r in toy_rows(64)))
    config = tmp_path / "best.json"
    config.write_text(json.dumps({"base_model": str(tiny_encoder_dir), "epochs": 1, "batch_size": 8, "learning_rate": 0.002}))
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "m"), "--config", str(config), "--epochs", "2", "--target-recall", "0.8"]) == 0
    saved = json.loads((tmp_path / "m" / "unscathed.json").read_text())["train_config"]
    assert saved["epochs"] == 2 and saved["learning_rate"] == 0.002 and saved["target_recall"] == 0.8
    assert (tmp_path / "m.checkpoints").is_dir()
