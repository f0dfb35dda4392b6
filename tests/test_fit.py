import pytest
import torch
from conftest import toy_rows

from unscathed.config import TrainConfig
from unscathed.fit import fit
from unscathed.train import load_base


def _config(tiny_encoder_dir, **kw):
    settings = dict(base_model=str(tiny_encoder_dir), epochs=6, batch_size=8, learning_rate=5e-3, warmup_fraction=0.0)
    return TrainConfig(**{**settings, **kw})


@pytest.mark.parametrize("imbalance, schedule", [("none", "linear"), ("weighted", "cosine"), ("resample", "constant"), ("focal", "linear")])
def test_fit_lowers_loss_and_changes_parameters(tiny_encoder_dir, imbalance, schedule):
    config = _config(tiny_encoder_dir, imbalance=imbalance, lr_schedule=schedule, epochs=8)
    classifier = load_base(config)
    before = [p.detach().clone() for p in classifier.model.parameters()]
    # Unbalanced data: 1 injurious in 4, so the imbalance settings have something to do.
    rows = [r for i, r in enumerate(toy_rows(128)) if r.label == 0 or i % 4 == 1]
    log = fit(classifier, rows, config, progress=False)
    assert all(torch.isfinite(torch.tensor(log.losses)))
    assert log.losses[-1] < log.losses[0] * 0.7
    assert any(not torch.equal(a, b) for a, b in zip(before, classifier.model.parameters()))
    assert len(log.grad_norm_mean) == 8 and all(m <= x for m, x in zip(log.grad_norm_mean, log.grad_norm_max))


def test_gradient_clipping_bounds_the_update_but_logs_the_true_norm(tiny_encoder_dir):
    config = _config(tiny_encoder_dir, epochs=1, max_grad_norm=1e-6, learning_rate=1e-3, lr_schedule="constant")
    classifier = load_base(config)
    before = [p.detach().clone() for p in classifier.model.parameters()]
    log = fit(classifier, toy_rows(32), config, progress=False)
    assert log.grad_norm_max[0] > 1e-3  # the norm measured before clipping
    change = max((a - b).abs().max().item() for a, b in zip(before, classifier.model.parameters()))
    assert change < 5e-3  # Adam normalises, but the steps stay at the learning-rate scale


def _killed_after(epoch):
    def callback(done, _log):
        if done == epoch:
            raise KeyboardInterrupt("simulated kill")

    return callback


def test_a_killed_run_resumes_and_ends_with_the_same_weights(tiny_encoder_dir, tmp_path):
    config = _config(tiny_encoder_dir, epochs=4, dropout=0.1)  # dropout: the torch random state must resume too
    uninterrupted = load_base(config)
    reference = fit(uninterrupted, toy_rows(), config, progress=False)

    interrupted = load_base(config)
    with pytest.raises(KeyboardInterrupt):
        fit(interrupted, toy_rows(), config, progress=False, checkpoint_dir=tmp_path / "ck", on_epoch_end=_killed_after(2))
    resumed = load_base(config)  # a new process would start from fresh weights and read the checkpoint
    log = fit(resumed, toy_rows(), config, progress=False, checkpoint_dir=tmp_path / "ck", resume=True)
    assert log.losses == pytest.approx(reference.losses, rel=1e-6)
    for a, b in zip(uninterrupted.model.state_dict().values(), resumed.model.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)
    assert [p.name for p in (tmp_path / "ck").iterdir()] == ["epoch-004"]


def test_early_stopping_keeps_the_best_epoch(tiny_encoder_dir):
    # A learning rate this high makes validation loss worse after a while; training must stop and roll back.
    config = _config(tiny_encoder_dir, epochs=12, learning_rate=3e-2, early_stopping_patience=2, lr_schedule="constant")
    rows = toy_rows(96)
    classifier = load_base(config)
    log = fit(classifier, rows[:64], config, progress=False, validation=rows[64:])
    assert len(log.losses) == len(log.validation_losses)
    best = min(log.validation_losses)
    assert log.validation_losses[log.best_epoch - 1] == best
    if len(log.losses) < 12:
        assert len(log.losses) - log.best_epoch == 2


def test_early_stopping_without_validation_is_refused(tiny_encoder_dir):
    config = _config(tiny_encoder_dir, early_stopping_patience=1)
    with pytest.raises(ValueError, match="early stopping needs validation"):
        fit(load_base(config), toy_rows(16), config, progress=False)
