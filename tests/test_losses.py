import random

import pytest
import torch
import torch.nn.functional as F

from unscathed.losses import balanced_resample, class_weights, focal_loss


def test_class_weights_are_inverse_frequency():
    weights = class_weights([0, 0, 0, 1])
    assert weights.tolist() == pytest.approx([4 / 6, 4 / 2])
    with pytest.raises(ValueError, match="both labels"):
        class_weights([0, 0])


def test_focal_loss_with_gamma_zero_is_cross_entropy_and_down_weights_easy_examples():
    logits = torch.tensor([[2.0, -2.0], [0.1, 0.0], [-1.0, 1.0]])
    labels = torch.tensor([0, 1, 1])
    assert focal_loss(logits, labels, 0.0).item() == pytest.approx(F.cross_entropy(logits, labels).item())
    easy = torch.tensor([[4.0, -4.0]]), torch.tensor([0])
    hard = torch.tensor([[0.2, 0.0]]), torch.tensor([1])
    ratio_easy = focal_loss(*easy, 2.0) / F.cross_entropy(*easy)
    ratio_hard = focal_loss(*hard, 2.0) / F.cross_entropy(*hard)
    assert ratio_easy < 1e-3 < ratio_hard


def test_balanced_resample_equalises_the_classes():
    rows = list(range(100))
    labels = [1 if r < 10 else 0 for r in rows]
    out = balanced_resample(rows, labels, random.Random(0))
    assert sum(r < 10 for r in out) == 90 and sum(r >= 10 for r in out) == 90
    assert set(r for r in out if r < 10) <= set(range(10))
