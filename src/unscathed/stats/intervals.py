"""Exact and conservative confidence bounds for rare events: the intervals behind every "nines" figure.

All bounds here are one-sided at the stated confidence (0.95 means: the true value is above the lower bound,
or below the upper bound, with probability at least 95%), so a "nines" figure means one thing everywhere.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import beta, chi2, norm


def clopper_pearson_upper(failures: int, n: int, confidence: float = 0.95) -> float:
    """One-sided exact upper bound on a binomial proportion (3.0/n at zero failures, roughly, for 95%)."""
    _check(failures, n, confidence)
    return 1.0 if failures >= n else float(beta.ppf(confidence, failures + 1, n - failures))


def clopper_pearson_lower(successes: int, n: int, confidence: float = 0.95) -> float:
    """One-sided exact lower bound on a binomial proportion."""
    _check(successes, n, confidence)
    return 0.0 if successes == 0 else float(beta.ppf(1 - confidence, successes, n - successes + 1))


def wilson_interval(events: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Two-sided Wilson score interval for a binomial proportion: inside [0, 1] and sound at 0 or n events, where
    the normal interval of a few dozen labels collapses to a point (for planning and comparisons, not nines)."""
    _check(events, n, confidence)
    z = float(norm.ppf(0.5 + confidence / 2))
    p = events / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def poisson_count_bounds(events: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact two-sided (Garwood) bounds on the mean of a Poisson count with ``events`` observed."""
    if events < 0 or not 0 < confidence < 1:
        raise ValueError(f"need events >= 0 and confidence in (0, 1), got {events} and {confidence}")
    alpha = 1 - confidence
    low = float(chi2.ppf(alpha / 2, 2 * events)) / 2 if events else 0.0
    return low, float(chi2.ppf(1 - alpha / 2, 2 * events + 2)) / 2


def weighted_count_bounds(counts: np.ndarray, weights: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """(lower, upper) one-sided bounds on E[sum_i w_i x_i] for rare independent counts x_i (0/1 events), by the
    gamma interval of Fay and Feuer (1997) for weighted sums of Poisson counts.

    It stays valid with 0 to 5 events and unequal weights, where normal and log-normal intervals under-cover,
    because the upper end adds one event of the largest weight w_M: at zero events it is w_M * -ln(1 - confidence)
    (the rule of three at the largest weight). It is conservative when weights vary a lot; the coverage
    benchmark (benchmarks/estimator_coverage.py) measures by how much.
    """
    x, w = np.asarray(counts, float), np.asarray(weights, float)
    if x.shape != w.shape or x.ndim != 1 or len(x) == 0:
        raise ValueError("counts and weights need one entry per unit, and at least one unit")
    if np.any(w < 0) or np.any(x < 0):
        raise ValueError("counts and weights must be non-negative")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    y, v, w_max = float((w * x).sum()), float((w * w * x).sum()), float(w.max())
    lower = 0.0 if y == 0 else v / (2 * y) * float(chi2.ppf(1 - confidence, 2 * y * y / v))
    if w_max == 0:
        return lower, 0.0
    v_up, y_up = v + w_max**2, y + w_max
    upper = v_up / (2 * y_up) * float(chi2.ppf(confidence, 2 * y_up * y_up / v_up))
    return lower, upper


def _check(events: int, n: int, confidence: float) -> None:
    if n <= 0 or not 0 <= events <= n:
        raise ValueError(f"need 0 <= events <= n and n > 0, got {events} of {n}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
