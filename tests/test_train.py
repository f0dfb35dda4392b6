import torch

from unscathed.config import TrainConfig
from unscathed.labeled_data import LabeledSnippet
from unscathed.models.classifier import HFClassifier
from unscathed.train import fit, load_base, train_classifier


def toy_rows(n=96):
    hurt = ["he bled", "she was hurt", "the sword cut him", "he fell and bled"]
    fine = ["she smiled", "they ran home", "the sky was blue", "he was happy"]
    return [LabeledSnippet(f"the knight {'sword ' * (i % 7)}ran", (hurt if i % 2 else fine)[i % 4], i % 2) for i in range(n)]


def test_fit_lowers_loss_and_changes_parameters(tiny_encoder_dir):
    config = TrainConfig(base_model=str(tiny_encoder_dir), epochs=6, batch_size=8, learning_rate=3e-3, warmup_fraction=0.0)
    classifier = load_base(config)
    before = [p.detach().clone() for p in classifier.model.parameters()]
    losses = fit(classifier, toy_rows(), config, progress=False)
    assert all(torch.isfinite(torch.tensor(losses)))
    assert losses[-1] < losses[0] * 0.7
    assert any(not torch.equal(a, b) for a, b in zip(before, classifier.model.parameters()))


def test_train_classifier_writes_loadable_directory_with_metadata(tiny_encoder_dir, tmp_path):
    config = TrainConfig(base_model=str(tiny_encoder_dir), epochs=2, batch_size=8, learning_rate=3e-3, target_recall=0.9, validation_fraction=0.3)
    out = tmp_path / "clf"
    trained = train_classifier(toy_rows(), out, config, progress=False)
    loaded = HFClassifier.load(out)
    meta = loaded.metadata
    assert meta.threshold == trained.threshold and 0 < meta.threshold <= 1
    assert meta.validation_metrics["validation"]["recall"] >= 0.9
    assert len(meta.training_data_sha256) == 64 and meta.version
    assert not (tmp_path / "clf.partial").exists()
