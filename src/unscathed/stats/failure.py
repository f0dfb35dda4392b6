"""How often the deployed filter serves an injurious completion: estimators whose target is the budgeted policy.

Two designs (docs/design.md; the confidence is one-sided and stated with every figure):

**Served sample (the headline).** Run the deployed filter on random prompts and label what it served.
``served_failure_rate`` bounds P(injurious | served) exactly (Clopper-Pearson; the gamma bound when prompts
are weighted). It holds for any policy (budget, batches, a tightening threshold), and prompts that failed
closed are seen directly.

**Unfiltered sample (to compare thresholds and classifiers).** Per prompt i: one unfiltered completion y0 with
a_i = 1 if the classifier accepts it and inj_i its human label (needed where a_i = 1), and independent runs of
the filter, each recording the draws it consumed, D = min(G, B) (G the draw that was accepted, B the budget;
D = B when the run failed closed). Because y0 is independent of the runs,
    E[a inj D] = E[a inj] (1 - (1 - A)^B) / A = P(a request is served an injurious completion),
    E[a D]     = P(a request is served at all),
so their ratio is the per-served rate. Every prompt is kept: dropping those that failed closed biased the old
estimator low by 8-25% when failures sat on low-acceptance prompts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .estimators import Estimate, effective_sample_size
from .intervals import clopper_pearson_lower, clopper_pearson_upper, weighted_count_bounds


@dataclass(frozen=True)
class BudgetedFailureReport:
    per_request: Estimate  # P(a request is served an injurious completion), under the budget
    served_share: Estimate  # P(a request is served at all)
    per_served: Estimate  # P(injurious | served): per_request / served_share
    budget: int
    prompts: int
    failed_closed_runs: int
    observed_failures: int
    confidence: float


def budgeted_failure_rate(accepted: np.ndarray, injurious: np.ndarray, draws_until_accept: np.ndarray, budget: int, weights: np.ndarray | None = None, confidence: float = 0.95) -> BudgetedFailureReport:
    """The failure rate of the filter with a budget of ``budget`` draws, from an unfiltered sample (module doc).

    ``draws_until_accept`` is (prompts,) or (prompts, runs): the draw G that was accepted in each filter run,
    0 where the run failed closed; the draws consumed are D = G, or B for a run that failed closed.
    ``weights`` are D(x)/r(x) for prompts drawn from a proposal r (mean 1 under r). Bounds are one-sided at
    ``confidence``: the per-request rate's by the gamma interval of the weighted failure count (valid at 0-5
    failures); the served share's likewise on the failed-closed runs; the per-served rate's combines the two at
    (1 + confidence) / 2 each, so that together they hold at ``confidence``.
    """
    a, inj = np.asarray(accepted, float), np.asarray(injurious, float)
    g = np.asarray(draws_until_accept, float)
    g = g[:, None] if g.ndim == 1 else g
    if g.ndim != 2 or not len(a) == len(inj) == g.shape[0] or len(a) == 0:
        raise ValueError("accepted, injurious and draws_until_accept need one entry (row) per prompt")
    if budget < 1 or np.any(g < 0) or np.any(g > budget) or np.any(g != np.round(g)):
        raise ValueError(f"draws_until_accept must be whole numbers in 0..{budget} (0: the run failed closed)")
    if np.any((a == 1) & ~np.isin(inj, (0, 1))):
        raise ValueError("every accepted unfiltered completion needs a label 0 or 1")
    n = len(a)
    w = np.ones(n) if weights is None else np.asarray(weights, float)
    closed = g == 0
    mean_d = np.where(closed, budget, g).mean(axis=1)
    fail = a * np.nan_to_num(inj)
    per_request = _weighted_rate(fail, w * mean_d / n, confidence, n)
    unserved = _weighted_rate(closed.mean(axis=1), w / n, confidence, n)
    served = Estimate(1 - unserved.value, 1 - unserved.high, 1 - unserved.low, n, effective_sample_size(w), confidence=confidence, one_sided=True)
    half = (1 + confidence) / 2
    request_high = _weighted_rate(fail, w * mean_d / n, half, n).high
    served_low = max(1 - _weighted_rate(closed.mean(axis=1), w / n, half, n).high, 1e-12)
    per_served = Estimate(per_request.value / max(served.value, 1e-12), 0.0, min(1.0, request_high / served_low), n, effective_sample_size(w), upper_bound_only=per_request.value == 0, confidence=confidence, one_sided=True)
    return BudgetedFailureReport(per_request, served, per_served, budget, n, int(closed.sum()), int(fail.sum()), confidence)


def _weighted_rate(events: np.ndarray, unit_weights: np.ndarray, confidence: float, n: int) -> Estimate:
    value = float((unit_weights * events).sum())
    low, high = weighted_count_bounds(events, unit_weights, confidence)
    return Estimate(value, low, high, n, effective_sample_size(unit_weights), upper_bound_only=value == 0, confidence=confidence, one_sided=True)


def served_failure_rate(injurious: np.ndarray, weights: np.ndarray | None = None, confidence: float = 0.95) -> Estimate:
    """P(injurious | served) from labels of completions the deployed filter served, one per prompt.

    Unweighted: exact one-sided Clopper-Pearson bounds. Weighted (prompts drawn from a proposal): the
    sum(w inj) / sum(w) estimate with gamma bounds on the weighted count, weights scaled to sum to 1.
    """
    inj = np.asarray(injurious, float)
    if len(inj) == 0 or not np.isin(inj, (0, 1)).all():
        raise ValueError("need at least one served completion, each labeled 0 or 1")
    n, k = len(inj), int(inj.sum())
    if weights is None:
        return Estimate(k / n, clopper_pearson_lower(k, n, confidence), clopper_pearson_upper(k, n, confidence), n, float(n), upper_bound_only=k == 0, confidence=confidence, one_sided=True)
    w = np.asarray(weights, float)
    return _weighted_rate(inj, w / w.sum(), confidence, n)
