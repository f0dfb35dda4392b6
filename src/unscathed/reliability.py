"""Collect the data the reliability and quality estimators need, and report them.

Collection, per prompt x_i (``collect_samples``):
- one unfiltered completion y0 ~ p, scored: a_i = 1 if the classifier accepts it;
- ``repeats`` independent runs of the rejection sampler, each recording the draw that was accepted (0 marks a
  run that failed closed: it consumed the whole budget, which is recorded too);
- the first run's accepted completion y1 ~ q, to compare with y0 when y0 was rejected.
People then add ``label`` (is y0 injurious? needed only where y0 was accepted) and ``preference``
(1 if y1 is the better continuation, 0 if y0, 0.5 for a tie; needed only where y0 was rejected).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .config import FilterPolicy, SamplingSettings
from .filter import RejectionSampler
from .labeled_data import DataError, read_jsonl
from .models.classifier import Classifier
from .models.generator import Generator
from .snippet import Snippet
from .stats import budgeted_failure_rate, comparisons_needed, quality_efficient


@dataclass
class ReliabilitySample:
    prompt_id: str
    prompt: str
    completion: str  # y0 ~ p
    p_injury: float
    accepted: bool
    draws: list[int]  # draws until acceptance per filter run; 0 = budget used up
    filtered_completion: str | None  # y1 ~ q from the first run
    weight: float = 1.0  # D(x)/r(x) for prompts drawn from a proposal
    classifier_version: str = ""
    threshold: float = 0.0
    budget: int = 0  # the filter's max_attempts in the runs (0: not recorded, which the report refuses)
    tighten_per_rejection: float = 1.0
    label: int | None = None
    preference: float | None = None


def collect_samples(prompts: Sequence[dict[str, Any]], generator: Generator, classifier: Classifier, policy: FilterPolicy, settings: SamplingSettings, repeats: int = 2, chunk: int = 16) -> list[ReliabilitySample]:
    """One unfiltered draw and ``repeats`` filter runs per prompt (rows need ``prompt``; ``prompt_id`` and
    ``weight`` are kept when present). Prompts go through in chunks of ``chunk`` to bound memory."""
    from tqdm import tqdm

    samples: list[ReliabilitySample] = []
    for start in tqdm(range(0, len(prompts), chunk), desc="collecting", unit="chunk"):
        samples += _collect_chunk(prompts[start : start + chunk], start, generator, classifier, policy, settings, repeats)
    return samples


def _collect_chunk(prompts: Sequence[dict[str, Any]], offset: int, generator: Generator, classifier: Classifier, policy: FilterPolicy, settings: SamplingSettings, repeats: int) -> list[ReliabilitySample]:
    texts = [p["prompt"] for p in prompts]
    unfiltered = [row[0] for row in generator.sample(texts, 1, settings)]
    scores = classifier.score([Snippet(t, c.text) for t, c in zip(texts, unfiltered)])
    sampler = RejectionSampler(generator, classifier, policy, settings)
    runs = [sampler.run(texts) for _ in range(repeats)]
    samples = []
    for i, row in enumerate(prompts):
        draws = [r[i].candidates.index(r[i].accepted) + 1 if r[i].accepted is not None else 0 for r in runs]
        samples.append(ReliabilitySample(
            prompt_id=str(row.get("prompt_id", offset + i)), prompt=texts[i], completion=unfiltered[i].text, p_injury=float(scores[i]),
            accepted=bool(scores[i] < sampler.threshold), draws=draws, filtered_completion=runs[0][i].completion,
            weight=float(row.get("weight", 1.0)), classifier_version=classifier.version, threshold=sampler.threshold,
            budget=policy.max_attempts, tighten_per_rejection=policy.tighten_per_rejection,
        ))
    return samples


def load_samples(path: str | Path) -> list[ReliabilitySample]:
    required = ("prompt_id", "prompt", "completion", "accepted", "draws")
    samples = []
    for number, row in read_jsonl(path, required=required):
        try:
            samples.append(ReliabilitySample(**row))
        except TypeError as error:
            raise DataError(f"{path}:{number}: {error}") from None
        s = samples[-1]
        if s.accepted and s.label not in (0, 1):
            raise DataError(f"{path}:{number}: the unfiltered completion was accepted, so it needs a label 0 or 1 (got {s.label!r})")
    return samples


def save_samples(samples: Sequence[ReliabilitySample], path: str | Path) -> None:
    Path(path).write_text("".join(json.dumps(asdict(s)) + "\n" for s in samples), encoding="utf-8")


def reliability_report(samples: Sequence[ReliabilitySample], confidence: float = 0.95) -> dict[str, Any]:
    """Failure rate of the budgeted filter (per request and per served completion, with nines at a stated
    one-sided confidence), the share served, and quality (prompts that failed closed count as losses)."""
    _check_one_policy(samples)
    accepted = np.array([s.accepted for s in samples], float)
    injurious = np.array([s.label or 0 for s in samples], float)
    draws = np.array([s.draws for s in samples], float)
    weights = np.array([s.weight for s in samples], float)
    budget = samples[0].budget
    fr = budgeted_failure_rate(accepted, injurious, draws, budget, weights, confidence)
    report: dict[str, Any] = {
        "prompts": fr.prompts,
        "classifier": samples[0].classifier_version,
        "threshold": samples[0].threshold,
        "budget": budget,
        "confidence": f"one-sided {confidence:.0%}",
        "failure_rate_per_served": {"value": fr.per_served.value, "upper_bound": fr.per_served.high, "nines": fr.per_served.nines},
        "failure_rate_per_request": {"value": fr.per_request.value, "upper_bound": fr.per_request.high, "nines": fr.per_request.nines},
        "served_share": {"value": fr.served_share.value, "lower_bound": fr.served_share.low},
        "observed_failures": fr.observed_failures,
        "failed_closed_runs": fr.failed_closed_runs,
        "effective_sample_size": fr.per_request.n_effective,
        # mean of a_i: an unbiased estimate of the acceptance rate E_x[A(x)] (1/draws would be biased upwards)
        "acceptance_rate": float(np.average(accepted, weights=weights)),
    }
    # Quality: a prompt whose first filter run served nothing is a loss (it scores 0).
    lost = np.array([s.filtered_completion is None for s in samples])
    rejected = ~lost & ~accepted.astype(bool)
    have_prefs = all(s.preference is not None for s, r in zip(samples, rejected) if r)
    if have_prefs and rejected.any():
        if any(s.tighten_per_rejection != 1.0 for s in samples):
            raise ValueError("quality's efficient design scores an accepted y0 as 1/2, which holds only at a constant threshold; these runs tightened it")
        prefs = np.array([np.nan if s.preference is None else s.preference for s in samples], float)
        q = quality_efficient(accepted.astype(bool), prefs, weights, confidence, failed_closed=lost)
        report["quality"] = {"value": q.value, "interval": [q.low, q.high], "prompts": len(samples), "failed_closed_as_losses": int(lost.sum()), "comparisons": int(rejected.sum())}
        report["comparisons_for_plus_minus_0.05"] = comparisons_needed(0.05, float(rejected.mean()), expected_preference=0.5, confidence=confidence)
    return report


def _check_one_policy(samples: Sequence[ReliabilitySample]) -> None:
    """Refuse samples that mix classifiers, thresholds or budgets: the estimate would describe no policy."""
    if not samples:
        raise ValueError("no samples")
    policies = {(s.classifier_version, round(s.threshold, 12), s.budget, s.tighten_per_rejection) for s in samples}
    if len(policies) > 1:
        raise ValueError(f"the samples mix {len(policies)} policies (classifier version, threshold, budget, tightening): {sorted(policies)[:4]}; estimate each separately")
    if samples[0].budget < 1:
        raise ValueError("the samples do not record the filter's budget (max_attempts); collect them again with this version")
