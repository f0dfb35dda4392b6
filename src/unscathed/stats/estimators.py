"""Estimators for the filtered policy: pure functions over arrays, no models and no I/O.

Notation (docs/design.md): prompts x ~ D, completions y ~ p(.|x), a(x, y) = 1 when the classifier accepts,
A(x) = E_p[a] the acceptance rate, filtered policy q(y|x) = p(y|x) a(x, y) / A(x).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable

import numpy as np

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a confidence interval. ``upper_bound_only`` marks a zero-event bound."""

    value: float
    low: float
    high: float
    n: int
    n_effective: float
    upper_bound_only: bool = False
    confidence: float = 0.95
    one_sided: bool = False  # True: [low, high] are one-sided bounds, each at ``confidence``

    @property
    def nines(self) -> float:
        """-log10 of the upper end: how many nines of reliability the data supports (at ``confidence``)."""
        return float(-np.log10(self.high)) if self.high > 0 else float("inf")


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2; equals n for equal weights."""
    w = np.asarray(weights, float)
    if len(w) == 0 or not np.any(w):
        return 0.0
    return float(w.sum() ** 2 / np.square(w).sum())


def importance_weights(target_prob: np.ndarray, proposal_prob: np.ndarray) -> np.ndarray:
    """D(x) / r(x) for prompts drawn from a proposal r instead of D; both must be the probabilities actually
    used when the prompts were drawn (the recorded selection probabilities), not ones recomputed later."""
    target, proposal = np.asarray(target_prob, float), np.asarray(proposal_prob, float)
    if np.any(proposal <= 0):
        raise ValueError("a prompt with proposal probability 0 cannot have been drawn; check the recorded probabilities")
    return target / proposal


def _weighted_mean_se(values: np.ndarray, weights: np.ndarray | None) -> tuple[float, float, float]:
    """Mean of ``w_i * v_i``, its standard error over prompts, and Kish's effective sample size."""
    v = np.asarray(values, float)
    n = len(v)
    if n == 0:
        raise ValueError("no samples")
    w = np.ones(n) if weights is None else np.asarray(weights, float)
    terms = w * v
    se = float(terms.std(ddof=1) / np.sqrt(n)) if n > 1 else float("inf")
    return float(terms.mean()), se, effective_sample_size(w)


def weighted_mean_estimate(values: np.ndarray, weights: np.ndarray | None = None, confidence: float = 0.95) -> Estimate:
    """Mean of ``w_i * v_i`` (an unbiased importance-sampling estimate when E_r[w] = 1) with a normal interval
    from the sample standard error over prompts."""
    mean, se, n_eff = _weighted_mean_se(values, weights)
    z = _z(confidence)
    return Estimate(mean, mean - z * se, mean + z * se, len(values), n_eff)


def _z(confidence: float) -> float:
    if confidence == 0.95:
        return Z95
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + confidence / 2)


def ratio_mean_estimate(values: np.ndarray, weights: np.ndarray | None = None, confidence: float = 0.95) -> Estimate:
    """The weighted mean sum(w v) / sum(w) (Hajek), with a linearised standard error over prompts.

    Unlike mean(w v), it stays in the range of ``v`` whatever the weights' scale, and it does not need the
    weights to average exactly 1 in the sample.
    """
    v = np.asarray(values, float)
    w = np.ones(len(v)) if weights is None else np.asarray(weights, float)
    if len(v) == 0 or w.sum() <= 0:
        raise ValueError("no samples with positive weight")
    mean = float((w * v).sum() / w.sum())
    n = len(v)
    se = float(np.std(w * (v - mean) / w.mean(), ddof=1) / np.sqrt(n)) if n > 1 else float("inf")
    z = _z(confidence)
    return Estimate(mean, mean - z * se, mean + z * se, n, effective_sample_size(w), confidence=confidence)


def quality_efficient(unfiltered_accepted: np.ndarray, preference: np.ndarray, weights: np.ndarray | None = None, confidence: float = 0.95, failed_closed: np.ndarray | None = None) -> Estimate:
    """Q = P(y1 ~ q preferred over y0 ~ p), from the efficient design of docs/design.md.

    Per prompt: y0 ~ p is drawn; if the classifier accepts it, y0 and y1 are exchangeable and the prompt
    scores exactly 1/2 with no human; otherwise a person compares y1 ~ q with y0 and ``preference`` holds
    1 (y1 better), 0 (y0 better) or 0.5 (tie). ``preference`` is ignored (may be NaN) where y0 was accepted.
    A prompt in ``failed_closed`` (the filter served nothing) is a loss: it scores 0 and needs no person.
    The 1/2 shortcut holds for sequential sampling at a constant threshold only (not for a tightening
    threshold or best-of-k), so callers must refuse those policies. Weighted prompts give sum(w v) / sum(w).
    """
    a = np.asarray(unfiltered_accepted, bool)
    pref = np.asarray(preference, float)
    lost = np.zeros(len(a), bool) if failed_closed is None else np.asarray(failed_closed, bool)
    if np.any(np.isnan(pref[~a & ~lost])):
        raise ValueError("every served prompt whose unfiltered completion was rejected needs a human preference")
    scores = np.where(lost, 0.0, np.where(a, 0.5, np.nan_to_num(pref, nan=0.5)))
    return in_unit_interval(ratio_mean_estimate(scores, weights, confidence))


def in_unit_interval(estimate: Estimate) -> Estimate:
    """A probability's interval cut to [0, 1] (a normal interval near 0 or 1 can stray outside)."""
    return replace(estimate, low=max(0.0, estimate.low), high=min(1.0, estimate.high))


def quality_naive(preference: np.ndarray, weights: np.ndarray | None = None, confidence: float = 0.95) -> Estimate:
    """Q from a person comparing every (y1 ~ q, y0 ~ p) pair: the design the efficient one improves on."""
    return in_unit_interval(ratio_mean_estimate(np.asarray(preference, float), weights, confidence))


def comparisons_needed(half_width: float, reject_rate: float, expected_preference: float = 0.5, confidence: float = 0.95) -> dict[str, float]:
    """Prompts and human comparisons that give an interval of +/- ``half_width`` on Q, for both designs.

    ``reject_rate`` is R = 1 - mean A(x); ``expected_preference`` is P(y1 preferred | y0 rejected), a guess
    (1/2 is the usual planning value). Preferences are taken as binary (ties only lower the variance).
    Efficient: a prompt scores 1/2 with probability 1 - R, else a preference with mean p, so its variance is
    R p(1-p) + R(1-R)(p - 1/2)^2, and only R of the prompts need a person.
    Naive: every prompt is compared; a binary outcome with mean m = (1-R)/2 + R p, variance m(1-m).
    """
    if not 0 < half_width < 1 or not 0 <= reject_rate <= 1 or not 0 <= expected_preference <= 1:
        raise ValueError("half_width must be in (0, 1); reject_rate and expected_preference in [0, 1]")
    p, r = expected_preference, reject_rate
    scale = (_z(confidence) / half_width) ** 2
    prompts_efficient = np.ceil(scale * (r * p * (1 - p) + r * (1 - r) * (p - 0.5) ** 2))
    m = (1 - r) / 2 + r * p
    comparisons_naive = np.ceil(scale * m * (1 - m))
    return {
        "prompts_efficient": float(prompts_efficient),
        "comparisons_efficient": float(np.ceil(prompts_efficient * r)),
        "comparisons_naive": float(comparisons_naive),
        "saving": float(comparisons_naive / max(1.0, np.ceil(prompts_efficient * r))),
    }


def cohen_kappa(pairs: Iterable[tuple[int, int]]) -> float:
    """Cohen's kappa of two raters' binary labels; NaN with no pairs or when chance agreement is total.

    >>> cohen_kappa([(1, 1), (0, 0), (1, 0), (0, 0)])
    0.5
    """
    a = np.array([p for p in pairs], dtype=float).reshape(-1, 2)
    if len(a) == 0:
        return float("nan")
    observed = float(np.mean(a[:, 0] == a[:, 1]))
    p1, p2 = a[:, 0].mean(), a[:, 1].mean()
    expected = p1 * p2 + (1 - p1) * (1 - p2)
    return float("nan") if expected == 1 else (observed - expected) / (1 - expected)
