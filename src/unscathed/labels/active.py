"""Active-learning selection for labeling: which generated completions are worth a labeler's time.

A pool of completions is scored by a committee of classifiers (the shipped one first). Each completion is then
kept with a probability fixed in advance by what the committee said (Poisson sampling), and that probability
is recorded, so estimates from the labeled sample can be weighted back to the pool (Horvitz-Thompson):
- near the threshold (within ``near_logit`` of it, on the logit scale, for the shipped classifier): kept for sure;
- where the committee disagrees (some members above the threshold, some below): kept for sure;
- accepted by the shipped classifier on a violence-prone prompt (where the filter's failures hide): ``accepted_prone``;
- anything else: ``other``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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


def poisson_draw(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Keep item i independently with probability p_i (its inclusion probability is exactly p_i)."""
    return rng.random(len(probabilities)) < np.asarray(probabilities, float)
