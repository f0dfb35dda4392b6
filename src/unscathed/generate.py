"""The generate stage: filtered generation for a list of prompts, recorded in the store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .config import FilterPolicy, SamplingSettings, resolve_threshold
from .filter import Candidate, FilterError, FilterResult, RejectionSampler
from .models.classifier import Classifier
from .models.generator import Generator
from .snippet import Snippet
from .store import Store


def check_prompts(prompts: Sequence[str], where: Sequence[str] | None = None) -> None:
    """Refuse empty prompts before anything runs; ``where`` names each prompt's origin (e.g. file:line)."""
    for k, prompt in enumerate(prompts):
        if not prompt.strip():
            origin = where[k] if where else f"prompt {k + 1}"
            raise ValueError(f"{origin}: the prompt is empty; give the story to continue")


def filtered_generate(
    prompts: Sequence[str],
    generator: Generator,
    classifier: Classifier,
    policy: FilterPolicy,
    settings: SamplingSettings,
    store: Store | None = None,
) -> list[FilterResult]:
    """Rejection-sample a completion for each prompt; record every candidate when a store is given."""
    check_prompts(prompts)
    sampler = RejectionSampler(generator, classifier, policy, settings)
    results = sampler.run(prompts)
    if store is not None:
        store.record_filter_results(results, generator.name, settings, classifier.version, policy, sampler.threshold)
    return results


@dataclass
class UnfilteredResult(FilterResult):
    """One plain sample, returned whatever it scored (e.g. from a distilled generator, without the filter).

    Its one candidate is still scored: ``accepted`` there says whether the filter WOULD have accepted it.
    """

    @property
    def completion(self) -> str | None:
        return self.candidates[0].completion.text if self.candidates else None

    @property
    def outcome(self) -> str:
        return "unfiltered"


# What the store records as the policy of an unfiltered request: one draw, nothing rejected.
UNFILTERED_POLICY = FilterPolicy(batch_size=1, max_attempts=1)


def unfiltered_generate(
    prompts: Sequence[str],
    generator: Generator,
    classifier: Classifier,
    settings: SamplingSettings,
    store: Store | None = None,
    threshold: float | None = None,
) -> list[UnfilteredResult]:
    """One sample per prompt, returned unfiltered but scored, so the output and the store show p_injury;
    recorded with outcome ``"unfiltered"`` when a store is given."""
    check_prompts(prompts)
    threshold = resolve_threshold(threshold, classifier)
    completions = [row[0] for row in generator.sample(list(prompts), 1, settings)]
    scores = np.asarray(classifier.score([Snippet(p, c.text) for p, c in zip(prompts, completions)]), dtype=float)
    if scores.shape != (len(prompts),):
        raise FilterError(f"classifier returned {scores.shape} scores for {len(prompts)} completions")
    results = [
        UnfilteredResult(prompt, [Candidate(c, float(p), threshold, bool(p < threshold))])  # NaN: would be rejected
        for prompt, c, p in zip(prompts, completions, scores)
    ]
    if store is not None:
        store.record_filter_results(results, generator.name, settings, classifier.version, UNFILTERED_POLICY, threshold)
    return results


def result_json(result: FilterResult) -> dict[str, Any]:
    """The ``--json`` form of one prompt's result."""
    return {
        "prompt": result.prompt,
        "candidates": [
            {"completion": c.completion.text, "p_injury": round(c.p_injury, 6), "threshold": round(c.threshold, 6), "accepted": c.accepted}
            for c in result.candidates
        ],
        "completion": result.completion,
        "outcome": result.outcome,
        "filtered": not isinstance(result, UnfilteredResult),
    }


def result_text(result: FilterResult) -> str:
    """A human-readable report of one prompt's candidates and the returned completion."""
    lines = [f"PROMPT: {result.prompt}"]
    if isinstance(result, UnfilteredResult):
        c = result.candidates[0]
        verdict = "the filter would accept it" if c.accepted else "the filter would REJECT it"
        lines.append(f"  [UNFILTERED] p_injury={c.p_injury:.4f} (threshold {c.threshold:.4f}: {verdict})")
        return "\n".join([*lines, f"COMPLETION (UNFILTERED, returned whatever it scored): {result.completion}"])
    for c in result.candidates:
        mark = "ACCEPTED" if c.accepted else ("rejected" if c.p_injury >= c.threshold else "unused  ")
        lines.append(f"  [{mark}] p_injury={c.p_injury:.4f} (threshold {c.threshold:.4f})  {c.completion.text}")
    if result.completion is None:
        lines.append(f"NO COMPLETION: all {len(result.candidates)} candidates scored at or above the threshold (fail closed)")
    else:
        lines.append(f"COMPLETION: {result.completion}")
    return "\n".join(lines)
