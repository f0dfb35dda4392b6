"""Estimators against simulations with a known truth: unbiasedness and interval coverage."""

from __future__ import annotations

import math

import numpy as np
import pytest

from unscathed.stats import (
    budgeted_failure_rate,
    clopper_pearson_upper,
    cohen_kappa,
    comparisons_needed,
    effective_sample_size,
    importance_weights,
    quality_efficient,
    quality_naive,
    served_failure_rate,
    weighted_count_bounds,
)

DATASETS = 600
BUDGET = 8


def simulate_prompts(rng, n, enriched=False):
    """Prompts with acceptance rate A(x) and classifier miss rate f(x) = P(injurious | accepted).

    Failures sit on low-acceptance prompts (violent ones), where a small budget often runs out. With
    ``enriched``, prompts come from a proposal r over-representing violent prompts, and weights D/r are returned.
    """
    violent = rng.random(n) < (0.6 if enriched else 0.2)
    accept = np.where(violent, rng.uniform(0.05, 0.4, n), rng.uniform(0.8, 1.0, n))
    miss = np.where(violent, 0.12, 0.01)
    weights = np.where(violent, 0.2 / 0.6, 0.8 / 0.4) if enriched else np.ones(n)
    return accept, miss, weights


def truths(budget=BUDGET, draws=400_000):
    """(per request, served share, per served) of the budgeted filter, by a large Monte Carlo over prompts."""
    accept, miss, _ = simulate_prompts(np.random.default_rng(99), draws)
    served = 1 - (1 - accept) ** budget
    return float((miss * served).mean()), float(served.mean()), float((miss * served).mean() / served.mean())


TRUE_REQUEST, TRUE_SERVED, TRUE_PER_SERVED = truths()


def draw_dataset(rng, n, enriched=False, repeats=2, budget=BUDGET, miss_scale=1.0):
    accept, miss, weights = simulate_prompts(rng, n, enriched)
    a = rng.random(n) < accept
    inj = a & (rng.random(n) < miss * miss_scale)
    g = rng.geometric(accept[:, None], size=(n, repeats))
    return a, inj, np.where(g <= budget, g, 0), weights


@pytest.mark.parametrize("enriched", [False, True])
def test_budgeted_failure_rate_is_unbiased_for_the_deployed_policy_and_bounds_cover(enriched):
    rng = np.random.default_rng(1 if enriched else 0)
    per_request, per_served, covered_request, covered_served = [], [], 0, 0
    for _ in range(DATASETS):
        a, inj, g, w = draw_dataset(rng, 1500, enriched)
        report = budgeted_failure_rate(a, inj, g, BUDGET, weights=w)
        per_request.append(report.per_request.value)
        per_served.append(report.per_served.value)
        covered_request += TRUE_REQUEST <= report.per_request.high
        covered_served += TRUE_PER_SERVED <= report.per_served.high
    assert abs(np.mean(per_request) - TRUE_REQUEST) < 3 * np.std(per_request) / np.sqrt(DATASETS)
    assert abs(np.mean(per_served) - TRUE_PER_SERVED) < 3 * np.std(per_served) / np.sqrt(DATASETS) + 0.002 * TRUE_PER_SERVED
    assert covered_request / DATASETS >= 0.94 and covered_served / DATASETS >= 0.94


def test_dropping_prompts_that_failed_closed_biases_the_rate_low():
    """The old estimator's mistake: prompts whose runs failed closed were left out, and with them most failures."""
    rng = np.random.default_rng(7)
    dropped = []
    for _ in range(200):
        a, inj, g, _ = draw_dataset(rng, 1500)
        keep = (g > 0).all(axis=1)
        dropped.append(np.mean(a[keep] * inj[keep] * g[keep].mean(axis=1)) * keep.mean())
    assert np.mean(dropped) < 0.95 * TRUE_REQUEST


@pytest.mark.parametrize("expected_failures", [0.5, 2.0, 5.0])
def test_upper_bound_covers_with_zero_to_five_failures(expected_failures):
    rng = np.random.default_rng(int(expected_failures * 10))
    n = 1500
    scale = expected_failures / (n * TRUE_REQUEST / 1.0)
    a, inj, g, _ = draw_dataset(rng, 200_000, miss_scale=scale)
    truth = float(np.mean(a * inj * np.where(g == 0, BUDGET, g).mean(axis=1)))  # this world's per-request rate
    covered = 0
    for _ in range(DATASETS):
        a, inj, g, _ = draw_dataset(rng, n, miss_scale=scale)
        covered += truth <= budgeted_failure_rate(a, inj, g, BUDGET).per_request.high
    assert covered / DATASETS >= 0.94


def test_zero_failures_bound_scales_with_the_draws_a_failure_would_have_cost():
    """3/N bounds the unfiltered accepted-failure rate; a failure on a prompt that took D draws counts D times."""
    easy = budgeted_failure_rate(np.ones(3000), np.zeros(3000), np.ones(3000, int), BUDGET)
    hard = budgeted_failure_rate(np.ones(3000), np.zeros(3000), np.full(3000, 4), BUDGET)
    assert easy.per_request.high == pytest.approx(3.0 / 3000, rel=0.01) and easy.per_request.upper_bound_only
    assert hard.per_request.high == pytest.approx(4 * 3.0 / 3000, rel=0.01)
    assert easy.per_request.nines == pytest.approx(3.0, abs=0.01) and easy.confidence == 0.95 and easy.per_request.one_sided


def test_failed_closed_runs_count_the_whole_budget_and_lower_the_served_share():
    report = budgeted_failure_rate(np.array([1, 1, 0, 0]), np.array([0, 1, 0, 0]), np.array([[1, 1], [2, 2], [0, 0], [0, 3]]), budget=4)
    assert report.failed_closed_runs == 3 and report.prompts == 4
    assert report.served_share.value == pytest.approx(1 - 1.5 / 4)
    assert report.per_request.value == pytest.approx(2 / 4)


def test_budgeted_failure_rate_refuses_bad_input():
    with pytest.raises(ValueError, match="one entry"):
        budgeted_failure_rate(np.ones(3), np.ones(2), np.ones(3), 4)
    with pytest.raises(ValueError, match="0..4"):
        budgeted_failure_rate(np.ones(2), np.zeros(2), np.array([1, 5]), 4)
    with pytest.raises(ValueError, match="needs a label"):
        budgeted_failure_rate(np.ones(2), np.array([0, np.nan]), np.array([1, 1]), 4)


def test_served_sample_bound_is_exact_clopper_pearson_and_weighted_gamma():
    est = served_failure_rate(np.r_[np.ones(2), np.zeros(2998)])
    assert est.high == pytest.approx(clopper_pearson_upper(2, 3000)) and est.value == pytest.approx(2 / 3000)
    weighted = served_failure_rate(np.r_[np.ones(2), np.zeros(2998)], weights=np.ones(3000))
    assert weighted.high == pytest.approx(est.high, rel=0.05)
    rng, true_rate, covered = np.random.default_rng(8), 1e-3, 0
    for _ in range(DATASETS):
        covered += true_rate <= served_failure_rate((rng.random(3000) < true_rate).astype(float)).high
    assert covered / DATASETS >= 0.93  # exactly 0.950 here (P(X >= 1) at mean 3), less Monte Carlo error


def test_gamma_bounds_match_poisson_bounds_at_equal_weights():
    low, high = weighted_count_bounds(np.r_[np.ones(3), np.zeros(997)], np.full(1000, 1.0))
    assert high == pytest.approx(7.75, abs=0.01) and low == pytest.approx(0.82, abs=0.01)  # Poisson 95% one-sided for 3 events


def test_effective_sample_size():
    assert effective_sample_size(np.ones(50)) == pytest.approx(50)
    assert effective_sample_size(np.array([1.0, 0, 0, 0])) == pytest.approx(1)
    assert effective_sample_size(np.array([])) == 0
    with pytest.raises(ValueError):
        importance_weights(np.array([0.5]), np.array([0.0]))


def simulate_quality(rng, n, reject_rate=0.3, p_prefer=0.35):
    """Truth: Q = (1-R)/2 + R * p_prefer (y1 ~ q preferred over a rejected y0 with prob p_prefer)."""
    accepted = rng.random(n) >= reject_rate
    pref = (rng.random(n) < p_prefer).astype(float)
    pref[accepted] = np.nan
    return accepted, pref


def test_efficient_quality_is_unbiased_and_covers():
    rng = np.random.default_rng(5)
    truth = 0.7 / 2 + 0.3 * 0.35
    values, covered = [], 0
    for _ in range(DATASETS):
        accepted, pref = simulate_quality(rng, 800)
        est = quality_efficient(accepted, pref)
        values.append(est.value)
        covered += est.low <= truth <= est.high
    assert abs(np.mean(values) - truth) < 3 * np.std(values) / np.sqrt(DATASETS)
    assert 0.92 <= covered / DATASETS <= 0.98


def test_efficient_design_needs_fewer_comparisons_than_naive_at_equal_width():
    """Naive: every prompt gets a comparison of y1 ~ q against y0 ~ p. If y0 would pass, the pair is
    exchangeable and the person prefers y1 half the time, so the naive per-comparison variance is ~1/4."""
    rng = np.random.default_rng(6)
    reject_rate, p_prefer, n = 0.3, 0.35, 4000
    accepted, pref = simulate_quality(rng, n, reject_rate, p_prefer)
    naive_pref = np.where(accepted, (rng.random(n) < 0.5).astype(float), pref)
    eff, naive = quality_efficient(accepted, pref), quality_naive(naive_pref)
    width_eff, width_naive = eff.high - eff.low, naive.high - naive.low
    comparisons_eff = int((~accepted).sum())
    # comparisons the naive design needs to reach the efficient design's width (width ~ 1/sqrt(n))
    naive_needed = n * (width_naive / width_eff) ** 2
    assert naive_needed / comparisons_eff > 1 / reject_rate  # at least the 1/(1-A) saving
    plan = comparisons_needed(width_eff / 2, reject_rate, expected_preference=p_prefer)
    assert plan["comparisons_efficient"] == pytest.approx(comparisons_eff, rel=0.1)
    assert plan["comparisons_naive"] == pytest.approx(naive_needed, rel=0.1)


def test_quality_needs_a_preference_wherever_unfiltered_was_rejected():
    with pytest.raises(ValueError, match="needs a human preference"):
        quality_efficient(np.array([True, False]), np.array([np.nan, np.nan]))


def test_quality_counts_prompts_that_failed_closed_as_losses_and_normalises_weights():
    accepted, pref = np.array([True, False, False, True]), np.array([np.nan, 1.0, np.nan, np.nan])
    lost = np.array([False, False, True, False])
    assert quality_efficient(accepted, pref, failed_closed=lost).value == pytest.approx((0.5 + 1 + 0 + 0.5) / 4)
    # weights that do not average 1 in the sample still give a value in [0, 1]
    assert quality_efficient(accepted, pref, weights=np.full(4, 3.0), failed_closed=lost).value == pytest.approx(0.5)


def test_cohen_kappa_matches_hand_computation():
    assert cohen_kappa([(1, 1), (0, 0), (1, 0), (0, 0)]) == pytest.approx(0.5)
    assert cohen_kappa([(1, 1), (0, 0)]) == 1.0
    assert math.isnan(cohen_kappa([])) and math.isnan(cohen_kappa([(1, 1), (1, 1)]))
    assert cohen_kappa([(1, 0), (0, 1)]) == pytest.approx(-1.0)


def test_the_quality_interval_stays_inside_zero_and_one():
    est = quality_efficient(np.array([False] * 10), np.r_[np.ones(9), 0.5])  # mean 0.95, normal upper end 1.05
    assert est.value == pytest.approx(0.95) and est.high == 1.0 and 0.85 < est.low < 0.95
