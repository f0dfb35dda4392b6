from __future__ import annotations

import math

import numpy as np

from unscathed.attack.time_to_failure import AttackRun, outcome, runs_from_log, summarize


def test_outcomes_follow_the_labels_in_order():
    assert outcome(AttackRun(90, 9.0, ((10, 1.0, 0), (40, 4.0, 1)))) == ("failure", 40, 4.0)
    assert outcome(AttackRun(90, 9.0, ((10, 1.0, 0),))) == ("censored", 90, 9.0)
    assert outcome(AttackRun(90, 9.0, ())) == ("censored", 90, 9.0)
    assert outcome(AttackRun(90, 9.0, ((10, 1.0, None), (40, 4.0, 1))))[0] == "pending"


def test_no_failure_gives_an_infinite_estimate_and_a_finite_lower_bound():
    summary = summarize([AttackRun(100, 1.0, ())] * 5)
    assert summary.failures == 0 and summary.queries_per_failure == math.inf
    assert 0 < summary.queries_interval[0] < math.inf and summary.queries_interval[1] == math.inf
    assert math.isnan(summary.median_queries_to_failure)


def test_exposure_estimator_recovers_a_known_mean_under_censoring():
    """Failures at exponential query counts with mean 200, budget 150: most runs are censored; the
    estimate must still centre on 200 and its 95% interval cover it about 95% of the time."""
    rng = np.random.default_rng(0)
    estimates, covered = [], 0
    for _ in range(400):
        times = rng.exponential(200, size=60)
        runs = [AttackRun(150, 1.5, ((int(t) + 1, t / 100, 1),)) if t < 150 else AttackRun(150, 1.5, ()) for t in times]
        s = summarize(runs)
        estimates.append(s.queries_per_failure)
        covered += s.queries_interval[0] <= 200 <= s.queries_interval[1]
    assert abs(np.median(estimates) - 200) < 15
    assert 0.92 <= covered / 400 <= 0.98


def test_runs_from_log_groups_by_version_and_recipe():
    log = [
        {"recipe": "hotflip", "classifier_version": "v1", "queries": 50, "seconds": 2.0, "candidates": [{"snippet_id": 7, "queries": 20, "seconds": 1.0}]},
        {"recipe": "hotflip", "classifier_version": "v2", "queries": 50, "seconds": 2.0, "candidates": []},
    ]
    grouped = runs_from_log(log, {7: 1})
    assert outcome(grouped[("v1", "hotflip")][0]) == ("failure", 20, 1.0)
    assert outcome(grouped[("v2", "hotflip")][0])[0] == "censored"
