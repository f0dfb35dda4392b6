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
    """pi_i = clip(c * priority_i, floor, 1) with c chosen so that the pi sum to ``expected``.

    The floor is part of the sum (not added after scaling), so a target of 100 picks stays 100 however many
    candidates there are; the floor is lowered where needed so that it takes at most half the target
    (floor <= expected / (2 n)), leaving the rest to the priorities.
    """
    p = np.asarray(priority, float)
    if np.any(p < 0) or not np.all(np.isfinite(p)):
        raise ValueError("priorities must be finite and non-negative")
    n = len(p)
    if n == 0:
        return p
    expected = min(float(expected), n)
    floor = min(floor, expected / (2 * n))
    if p.sum() == 0:
        return np.full(n, expected / n)

    def total(c: float) -> float:
        return float(np.clip(c * p, floor, 1.0).sum())

    low, high = 0.0, 1.0
    while total(high) < expected and high < 1e300:
        high *= 2
    for _ in range(200):  # the sum is continuous and non-decreasing in c: bisection
        mid = (low + high) / 2
        low, high = (mid, high) if total(mid) < expected else (low, mid)
    return np.clip(high * p, floor, 1.0)


def union_probability(*probabilities: float | np.ndarray) -> np.ndarray:
    """Inclusion probability of an item drawn independently by several designs (rounds, strata):
    1 - prod(1 - p_k)."""
    out = np.ones_like(np.asarray(probabilities[0], float))
    for p in probabilities:
        out = out * (1 - np.asarray(p, float))
    return 1 - out


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


# Committee reasons: a pool of completions is scored by a committee of classifiers (the shipped one first),
# and each completion is kept with a probability fixed in advance by what the committee said:
# - near the threshold (within ``near_logit`` of it, on the logit scale, for the shipped classifier): kept for sure;
# - where the committee disagrees (some members above their threshold, some below): kept for sure;
# - accepted by the shipped classifier on a violence-prone prompt (where the filter's failures hide): ``accepted_prone``;
# - anything else: ``other``.


@dataclass(frozen=True)
class SelectionRule:
    near_logit: float = 1.5
    accepted_prone: float = 0.6
    other: float = 0.25

    def __post_init__(self) -> None:
        for name in ("accepted_prone", "other"):
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"{name} must be a probability in (0, 1], got {getattr(self, name)}")
        if self.near_logit < 0:
            raise ValueError(f"near_logit must be >= 0, got {self.near_logit}")


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def selection_reasons(scores: np.ndarray, thresholds: np.ndarray, violence_prone: np.ndarray, rule: SelectionRule) -> list[str]:
    """Why each completion would be kept: ``near``, ``disagree``, ``accepted_prone`` or ``other``.

    ``scores`` is (members, completions), member 0 the shipped classifier; ``thresholds`` one per member.
    """
    scores, thresholds = np.asarray(scores, float), np.asarray(thresholds, float)
    if scores.ndim != 2 or scores.shape[0] != len(thresholds):
        raise ValueError(f"scores must be (members, completions) with one threshold per member; got {scores.shape} and {len(thresholds)} thresholds")
    above = scores >= thresholds[:, None]
    near = np.abs(_logit(scores[0]) - _logit(np.array([thresholds[0]]))[0]) <= rule.near_logit
    disagree = above.any(axis=0) & ~above.all(axis=0)
    accepted_prone = ~above[0] & np.asarray(violence_prone, bool)
    return ["near" if n else "disagree" if d else "accepted_prone" if a else "other" for n, d, a in zip(near, disagree, accepted_prone)]


def selection_probability(reason: str, rule: SelectionRule) -> float:
    return {"near": 1.0, "disagree": 1.0, "accepted_prone": rule.accepted_prone, "other": rule.other}[reason]


def committee_selection(scores: np.ndarray, thresholds: np.ndarray, violence_prone: np.ndarray, rule: SelectionRule, rng: np.random.Generator) -> tuple[Selection, list[str]]:
    """Poisson sampling at the probability each completion's reason fixes; (the selection, every reason)."""
    reasons = selection_reasons(scores, thresholds, violence_prone, rule)
    pi = np.array([selection_probability(r, rule) for r in reasons])
    picked = np.flatnonzero(rng.random(len(pi)) < pi)
    return Selection("committee", picked, pi[picked]), reasons
