import numpy as np
import pytest

from unscathed.select import ensemble_disagreement, inclusion_probabilities, many_rejections, near_threshold, union_probability


def test_inclusion_probabilities_sum_to_expected_and_respect_cap_and_floor():
    pi = inclusion_probabilities(np.array([100.0, 1, 1, 1, 0]), expected=2, floor=0.05)
    assert pi[0] == 1.0 and pi[4] == pytest.approx(0.05)
    assert pi.sum() == pytest.approx(2.0)  # the floor counts toward the target


def test_the_floor_does_not_inflate_the_number_picked_from_a_large_pool():
    priority = np.r_[np.ones(50), np.zeros(100_000)]
    pi = inclusion_probabilities(priority, expected=100, floor=0.01)
    assert 99.9 <= pi.sum() <= 100  # scaling first and flooring after gave 1,050
    assert pi[:50].min() == 1.0 and pi[50:].max() == pytest.approx(100 / (2 * 100_050))


def test_union_probability_of_independent_draws():
    assert union_probability(0.5, 0.5) == pytest.approx(0.75)
    assert union_probability(np.array([0.1, 0.0]), np.array([0.0, 0.2]), 0.5).tolist() == pytest.approx([0.55, 0.6])


def test_near_threshold_prefers_accepted_scores_just_below():
    rng = np.random.default_rng(0)
    scores = np.array([0.29, 0.20, 0.01, 0.5])
    pi = inclusion_probabilities(np.where(scores < 0.3, np.exp(-(0.3 - scores) / 0.05), 0), 1.5)
    sel = near_threshold(scores, 0.3, 1.5, rng)
    assert pi[0] > pi[1] > pi[2] and pi[3] == 0.01
    assert np.all(sel.probabilities > 0)


@pytest.mark.parametrize("selector", ["near", "ensemble", "rejections"])
def test_weighted_estimates_on_selected_data_are_unbiased(selector):
    """Horvitz-Thompson: sum over picked of y / pi estimates the population total, for every selector."""
    rng = np.random.default_rng(1)
    n = 400
    scores = rng.random(n)
    y = (rng.random(n) < scores * 0.3).astype(float)  # e.g. a failure indicator
    members = np.vstack([scores, np.clip(scores + rng.normal(0, 0.1, n), 0, 1)])
    rejections, attempts = rng.integers(0, 10, n), np.full(n, 10)
    estimates = []
    for _ in range(3000):
        if selector == "near":
            sel = near_threshold(scores, 0.5, 40, rng)
        elif selector == "ensemble":
            sel = ensemble_disagreement(members, 40, rng)
        else:
            sel = many_rejections(rejections, attempts, 40, rng)
        estimates.append((y[sel.indices] * sel.weights).sum())
    estimates = np.array(estimates)
    assert abs(estimates.mean() - y.sum()) < 4 * estimates.std() / np.sqrt(len(estimates))


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        inclusion_probabilities(np.array([-1.0]), 1)
    with pytest.raises(ValueError):
        ensemble_disagreement(np.ones(5), 1, np.random.default_rng(0))
    with pytest.raises(ValueError):
        many_rejections(np.ones(2), np.zeros(2), 1, np.random.default_rng(0))
