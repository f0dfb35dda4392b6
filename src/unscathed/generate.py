"""The generate stage: filtered generation for a list of prompts, recorded in the store."""

from __future__ import annotations

from typing import Any, Sequence

from .config import FilterPolicy, SamplingSettings
from .filter import FilterResult, RejectionSampler
from .models.classifier import Classifier
from .models.generator import Generator
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
    }


def result_text(result: FilterResult) -> str:
    """A human-readable report of one prompt's candidates and the returned completion."""
    lines = [f"PROMPT: {result.prompt}"]
    for c in result.candidates:
        mark = "ACCEPTED" if c.accepted else ("rejected" if c.p_injury >= c.threshold else "unused  ")
        lines.append(f"  [{mark}] p_injury={c.p_injury:.4f} (threshold {c.threshold:.4f})  {c.completion.text}")
    if result.completion is None:
        lines.append(f"NO COMPLETION: all {len(result.candidates)} candidates scored at or above the threshold (fail closed)")
    else:
        lines.append(f"COMPLETION: {result.completion}")
    return "\n".join(lines)
