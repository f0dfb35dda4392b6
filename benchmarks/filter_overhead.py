"""Cost of filtering: unfiltered sampling vs rejection sampling on the same prompts, in one run.

    .venv/bin/python benchmarks/filter_overhead.py [--model DIR] [--prompts 16] [--batch 8]

Prints seconds per returned completion for each, their ratio, the mean number of draws per accepted
completion, how many prompts failed closed, and the classifier's share of the filtered time.
Prompts are the team-written seed prompts (violence is plausible in all of them), test split first.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from unscathed.config import FilterPolicy, SamplingSettings
from unscathed.filter import RejectionSampler
from unscathed.models.classifier import HFClassifier
from unscathed.models.generator import HFGenerator

SEED_PROMPTS = Path(__file__).resolve().parents[1] / "data" / "seed" / "prompts.jsonl"


class TimedClassifier:
    """Wraps a classifier and accumulates the seconds spent scoring."""

    def __init__(self, inner: HFClassifier) -> None:
        self.inner, self.seconds, self.calls = inner, 0.0, 0
        self.version, self.threshold = inner.version, inner.threshold

    def score(self, snippets):
        start = time.perf_counter()
        try:
            return self.inner.score(snippets)
        finally:
            self.seconds += time.perf_counter() - start
            self.calls += len(snippets)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", help="classifier directory (default: the default classifier)")
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--batch", type=int, default=8, help="the filter's batch size")
    parser.add_argument("--max-attempts", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    rows = [json.loads(line) for line in SEED_PROMPTS.open()]
    rows.sort(key=lambda r: r["split"] != "test")
    prompts = [r["prompt"] for r in rows[: args.prompts]]
    if args.model is None:
        from unscathed.default_classifier import default_classifier_dir

        args.model = default_classifier_dir()
    classifier = TimedClassifier(HFClassifier.load(args.model))
    generator = HFGenerator.default()
    settings = SamplingSettings()
    generator.sample(prompts[:2], 2, settings)  # warm-up

    torch.manual_seed(0)
    start = time.perf_counter()
    unfiltered = generator.sample(prompts, 1, settings)
    unfiltered_s = time.perf_counter() - start

    torch.manual_seed(0)
    start = time.perf_counter()
    results = RejectionSampler(generator, classifier, FilterPolicy(batch_size=args.batch, max_attempts=args.max_attempts), settings).run(prompts)
    filtered_s = time.perf_counter() - start

    accepted = [r for r in results if r.accepted is not None]
    draws = [len(r.candidates[: r.candidates.index(r.accepted) + 1]) for r in accepted]
    print(f"prompts: {len(prompts)}  classifier: {classifier.version} threshold {classifier.threshold:.4f}  filter batch {args.batch}, budget {args.max_attempts}")
    print(f"unfiltered: {unfiltered_s:.1f} s for {len(unfiltered)} completions = {unfiltered_s / len(prompts):.2f} s/completion")
    print(f"filtered:   {filtered_s:.1f} s for {len(accepted)} accepted = {filtered_s / max(1, len(accepted)):.2f} s/accepted completion")
    print(f"ratio filtered/unfiltered per returned completion: {(filtered_s / max(1, len(accepted))) / (unfiltered_s / len(prompts)):.2f}x")
    print(f"mean draws until acceptance (sequential): {np.mean(draws) if draws else float('nan'):.2f}; completions drawn in total: {sum(len(r.candidates) for r in results)}")
    print(f"prompts that failed closed (nothing passed in {args.max_attempts}): {len(results) - len(accepted)}")
    print(f"classifier time: {classifier.seconds:.1f} s = {classifier.seconds / filtered_s:.1%} of filtered time ({classifier.calls} snippets scored)")


if __name__ == "__main__":
    main()
