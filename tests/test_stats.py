"""Estimators against simulations with a known truth: unbiasedness and interval coverage."""

from __future__ import annotations

import math

import numpy as np
import pytest

from unscathed.stats import (
    cohen_kappa,
    comparisons_needed,
    effective_sample_size,
    failure_rate,
    importance_weights,
    inverse_accept_rate_from_draws,
    quality_efficient,
    quality_naive,
)

DATASETS = 600


def simulate_prompts(rng, n, enriched=False):
    """Prompts with acceptance rate A(x) and classifier miss rate f(x) among accepted completions.

    True failure rate of the filtered policy: F = E_D[f(x)]. With ``enriched``, prompts come from a
    proposal r that over-represents violent (low-A, high-f) prompts, and weights D/r are returned.
    """
    violent = rng.random(n) < (0.6 if enriched else 0.2)
    accept = np.where(violent, rng.uniform(0.2, 0.6, n), rng.uniform(0.8, 1.0, n))
    miss = np.where(violent, 0.12, 0.01)
    weights = np.where(violent, 0.2 / 0.6, 0.8 / 0.4) if enriched else np.ones(n)
    return accept, miss, weights


TRUE_F = 0.2 * 0.12 + 0.8 * 0.01


def draw_dataset(rng, n, enriched=False, repeats=2):
    accept, miss, weights = simulate_prompts(rng, n, enriched)
    a = rng.random(n) < accept
    inj = a & (rng.random(n) < miss)
    draws = rng.geometric(accept[:, None], size=(n, repeats))
    return a, inj, inverse_accept_rate_from_draws(draws), weights


@pytest.mark.parametrize("enriched", [False, True])
def test_failure_rate_is_unbiased_and_its_interval_covers(enriched):
    rng = np.random.default_rng(1 if enriched else 0)
    values, covered = [], 0
    for _ in range(DATASETS):
        a, inj, inv, w = draw_dataset(rng, 1500, enriched)
        est = failure_rate(a, inj, inv, weights=w).failure_rate
        values.append(est.value)
        covered += est.low <= TRUE_F <= est.high
    values = np.array(values)
    assert abs(values.mean() - TRUE_F) < 3 * values.std() / np.sqrt(DATASETS)
    assert 0.92 <= covered / DATASETS <= 0.98


def test_plug_in_inverse_of_estimated_acceptance_is_biased_which_is_why_draws_are_used():
    rng = np.random.default_rng(2)
    accept = np.full(20000, 0.3)
    m = 4
    accepted_of_m = rng.binomial(m, accept)
    plug_in = np.where(accepted_of_m > 0, m / np.maximum(accepted_of_m, 1), np.nan)
    geometric = inverse_accept_rate_from_draws(rng.geometric(accept[:, None], size=(20000, 1)))
    assert abs(np.nanmean(plug_in) - 1 / 0.3) > 0.2
    assert abs(geometric.mean() - 1 / 0.3) < 0.1


def test_zero_failures_give_rule_of_three_upper_bound_and_nines():
    report = failure_rate(np.ones(3000), np.zeros(3000), np.ones(3000))
    est = report.failure_rate
    assert est.upper_bound_only and est.value == 0
    assert est.high == pytest.approx(3.0 / 3000, rel=0.01)
    assert est.nines == pytest.approx(3.0, abs=0.01)


def test_rule_of_three_bound_holds_at_least_95_percent_of_the_time():
    rng = np.random.default_rng(3)
    true_rate, n, holds = 1e-3, 2000, 0
    for _ in range(DATASETS):
        inj = rng.random(n) < true_rate
        est = failure_rate(np.ones(n), inj, np.ones(n)).failure_rate
        holds += true_rate <= est.high
    assert holds / DATASETS >= 0.93


def test_prompts_where_nothing_passes_are_reported_separately():
    inv = np.array([1.0, 2.0, np.nan, np.nan])
    report = failure_rate(np.array([1, 1, 0, 0]), np.array([0, 1, 0, 0]), inv)
    assert report.n_no_pass == 2 and report.share_no_pass == 0.5
    assert report.failure_rate.n == 2 and report.failure_rate.value == pytest.approx(1.0)


def test_failure_rate_edge_cases():
    with pytest.raises(ValueError, match="one entry per prompt"):
        failure_rate(np.ones(3), np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="undefined everywhere"):
        failure_rate(np.zeros(2), np.zeros(2), np.array([np.nan, np.nan]))


def test_draw_counts_that_hit_the_budget_mark_the_prompt_as_no_pass():
    out = inverse_accept_rate_from_draws(np.array([[1, 3], [2, 0]]))
    assert out[0] == 2 and np.isnan(out[1])


def test_misweighted_estimate_is_biased_and_reweighting_with_used_probabilities_fixes_it():
    rng = np.random.default_rng(4)
    wrong, right = [], []
    for _ in range(300):
        a, inj, inv, w_true = draw_dataset(rng, 1500, enriched=True)
        wrong.append(failure_rate(a, inj, inv).failure_rate.value)  # pretends prompts came from D
        violent = w_true < 1
        w = importance_weights(np.where(violent, 0.2, 0.8), np.where(violent, 0.6, 0.4))
        right.append(failure_rate(a, inj, inv, weights=w).failure_rate.value)
    assert np.mean(wrong) > TRUE_F * 1.5
    assert abs(np.mean(right) - TRUE_F) < 3 * np.std(right) / np.sqrt(300)


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


def test_cohen_kappa_matches_hand_computation():
    assert cohen_kappa([(1, 1), (0, 0), (1, 0), (0, 0)]) == pytest.approx(0.5)
    assert cohen_kappa([(1, 1), (0, 0)]) == 1.0
    assert math.isnan(cohen_kappa([])) and math.isnan(cohen_kappa([(1, 1), (1, 1)]))
    assert cohen_kappa([(1, 0), (0, 1)]) == pytest.approx(-1.0)
