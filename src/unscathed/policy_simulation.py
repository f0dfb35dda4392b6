"""Simulate filter policies on synthetic prompts with a known truth, to see what a policy choice costs.

Each prompt x has a distribution of classifier scores for its completions, s ~ Beta(a_x, b_x), and a
completion with score s is injurious with probability s (a calibrated classifier). The filtered policies
differ only in which drawn completion they return:
- sequential: draw one at a time, return the first with s < t (docs/design.md's q);
- batched(k): draw k at a time until at least one passes, return the lowest-scoring passing one;
- tightening(g): sequential, but the threshold after r rejections is t * g**r.
All three stop after ``budget`` draws with nothing returned (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PolicyOutcome:
    name: str
    failure_rate: float  # P(returned completion is injurious), over prompts that got one
    mean_returned_score: float
    accept_share: float  # prompts that got a completion
    draws_per_prompt: float


def prompt_population(rng: np.random.Generator, n_prompts: int, violent_share: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Beta parameters per prompt: most prompts are benign (scores near 0), some violent (scores spread)."""
    violent = rng.random(n_prompts) < violent_share
    a = np.where(violent, 1.2, 0.3)
    b = np.where(violent, 1.5, 6.0)
    return a, b


def _run(rng, a, b, threshold, budget, batch, tighten) -> PolicyOutcome:
    n = len(a)
    scores = rng.beta(a[:, None], b[:, None], size=(n, budget))
    injurious = rng.random((n, budget)) < scores
    returned_score, returned_injury, draws = np.full(n, np.nan), np.zeros(n, bool), np.zeros(n)
    for i in range(n):
        rejections = 0
        for start in range(0, budget, batch):
            block = scores[i, start : start + batch]
            limits = threshold * tighten ** (rejections + np.arange(len(block)))
            passing = np.flatnonzero(block < (limits if batch == 1 else threshold))
            if passing.size:
                pick = start + (passing[0] if batch == 1 else passing[np.argmin(block[passing])])
                returned_score[i], returned_injury[i] = scores[i, pick], injurious[i, pick]
                draws[i] = start + (passing[0] + 1 if batch == 1 else len(block))
                break
            rejections += len(block)
        else:
            draws[i] = budget
    served = ~np.isnan(returned_score)
    name = f"batched(k={batch})" if batch > 1 else ("sequential" if tighten == 1 else f"tightening(g={tighten})")
    return PolicyOutcome(name, float(returned_injury[served].mean()), float(np.nanmean(returned_score)), float(served.mean()), float(draws.mean()))


def compare_policies(n_prompts: int = 4000, threshold: float = 0.3, budget: int = 32, batch_sizes: tuple[int, ...] = (4, 8), tightenings: tuple[float, ...] = (0.8,), seed: int = 0) -> list[PolicyOutcome]:
    """Sequential, batched and tightening policies on the same simulated prompts (common random numbers)."""
    rng = np.random.default_rng(seed)
    a, b = prompt_population(rng, n_prompts)
    configs = [(1, 1.0)] + [(k, 1.0) for k in batch_sizes] + [(1, g) for g in tightenings]
    return [_run(np.random.default_rng(seed + 1), a, b, threshold, budget, k, g) for k, g in configs]
