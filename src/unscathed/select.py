"""Active-learning selectors. Each picks snippets at random with a known probability per snippet, so that
estimates on the picked data stay unbiased when weighted by 1 / selection_probability (Horvitz-Thompson).

A selector turns a priority per candidate into inclusion probabilities pi_i = min(1, c * priority_i), with
c set so the expected number picked is ``expected``, and a floor so that every candidate can be picked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Selection:
    strategy: str
    indices: np.ndarray  # positions of the picked candidates
    probabilities: np.ndarray  # inclusion probability of each picked candidate

    @property
    def weights(self) -> np.ndarray:
        return 1.0 / self.probabilities


def inclusion_probabilities(priority: np.ndarray, expected: float, floor: float = 0.01) -> np.ndarray:
    """pi_i proportional to priority, capped at 1, at least ``floor``, summing to about ``expected``."""
    p = np.asarray(priority, float)
    if np.any(p < 0) or not np.all(np.isfinite(p)):
        raise ValueError("priorities must be finite and non-negative")
    n = len(p)
    if n == 0:
        return p
    expected = min(float(expected), n)
    if p.sum() == 0:
        return np.full(n, max(floor, expected / n))
    pi = np.zeros(n)
    capped = np.zeros(n, bool)
    for _ in range(n):  # redistribute the mass of candidates capped at 1
        free = ~capped
        scale = (expected - capped.sum()) / max(p[free].sum(), 1e-300)
        pi[free] = p[free] * scale
        pi[capped] = 1.0
        newly = free & (pi >= 1)
        if not newly.any():
            break
        capped |= newly
    return np.clip(pi, floor, 1.0)


def _sample(strategy: str, priority: np.ndarray, expected: float, rng: np.random.Generator, floor: float) -> Selection:
    pi = inclusion_probabilities(priority, expected, floor)
    picked = np.flatnonzero(rng.random(len(pi)) < pi)
    return Selection(strategy, picked, pi[picked])


def near_threshold(scores: np.ndarray, threshold: float, expected: float, rng: np.random.Generator, scale: float = 0.05, floor: float = 0.01) -> Selection:
    """Accepted completions scoring just below the threshold, where the filter's misses concentrate.

    Priority exp(-(threshold - s) / scale) for accepted s < threshold; rejected completions get only the floor.
    """
    s = np.asarray(scores, float)
    priority = np.where(s < threshold, np.exp(-(threshold - s) / scale), 0.0)
    return _sample("near_threshold", priority, expected, rng, floor)


def ensemble_disagreement(member_scores: np.ndarray, expected: float, rng: np.random.Generator, floor: float = 0.01) -> Selection:
    """Snippets the ensemble members disagree on most: priority is the standard deviation across members
    (``member_scores`` has shape members x snippets)."""
    m = np.asarray(member_scores, float)
    if m.ndim != 2 or m.shape[0] < 2:
        raise ValueError("member_scores needs shape (members >= 2, snippets)")
    return _sample("ensemble_disagreement", m.std(axis=0), expected, rng, floor)


def many_rejections(rejections: np.ndarray, attempts: np.ndarray, expected: float, rng: np.random.Generator, floor: float = 0.01) -> Selection:
    """Prompts the filter rejected often (priority = share of attempts rejected): injury-prone prompts get
    more draws under rejection sampling, so their accepted completions carry more of the failure rate."""
    r, a = np.asarray(rejections, float), np.asarray(attempts, float)
    if np.any(a <= 0):
        raise ValueError("every prompt needs at least one attempt")
    return _sample("many_rejections", r / a, expected, rng, floor)
