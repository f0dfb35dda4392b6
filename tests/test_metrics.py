import numpy as np
import pytest

from unscathed.metrics import auc, choose_threshold, rates_at


def test_auc_matches_pairwise_definition_on_random_data():
    rng = np.random.default_rng(0)
    scores = rng.random(200).round(2)  # rounding creates ties
    labels = rng.integers(0, 2, 200)
    pos, neg = scores[labels == 1], scores[labels == 0]
    pairwise = ((pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])).mean()
    assert auc(scores, labels) == pytest.approx(pairwise)


@pytest.mark.parametrize("target", [0.9, 0.95, 0.99, 1.0])
def test_chosen_threshold_meets_recall_and_is_the_highest_that_does(target):
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 500)
    scores = np.clip(rng.normal(0.3 + 0.4 * labels, 0.2), 0, 1)
    t = choose_threshold(scores, labels, target)
    assert rates_at(scores, labels, t)["recall"] >= target
    higher = np.nextafter(t, 2.0)
    assert rates_at(scores, labels, higher)["recall"] < target


def test_threshold_needs_injurious_examples():
    with pytest.raises(ValueError, match="no injurious"):
        choose_threshold(np.array([0.1, 0.2]), np.array([0, 0]), 0.99)
