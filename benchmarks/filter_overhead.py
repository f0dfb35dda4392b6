"""Cost of filtering: unfiltered sampling vs rejection sampling on the same prompts, in one run.

    .venv/bin/python benchmarks/filter_overhead.py [--model DIR] [--source seed|fairytaleqa-val|violent-val] [--prompts 16] [--batch 8] [--early-every 8] [--out r.json]

Prints seconds per returned completion for each, their ratio, the mean number of draws per accepted
completion, how many prompts failed closed, and the classifier's share of the filtered time.
Prompts: ``seed`` = the team-written seed prompts (violence is plausible in all of them), test split first;
``fairytaleqa-val`` = random three-sentence windows of FairytaleQA's validation stories (ordinary prompts);
``violent-val`` = random violence-prone windows of the training corpora's validation stories.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
import torch

from unscathed.config import FilterPolicy, SamplingSettings
from unscathed.filter import RejectionSampler
from unscathed.models.generator import HFGenerator
from unscathed.models.loading import load_classifier

SEED_PROMPTS = Path(__file__).resolve().parents[1] / "data" / "seed" / "prompts.jsonl"


class TimedClassifier:
    """Wraps a classifier and accumulates the seconds spent scoring."""

    def __init__(self, inner) -> None:
        self.inner, self.seconds, self.calls = inner, 0.0, 0
        self.version, self.threshold = inner.version, inner.threshold

    def score(self, snippets):
        start = time.perf_counter()
        try:
            return self.inner.score(snippets)
        finally:
            self.seconds += time.perf_counter() - start
            self.calls += len(snippets)


def _prompts(source: str, n: int) -> list[str]:
    if source == "seed":
        rows = [json.loads(line) for line in SEED_PROMPTS.open()]
        rows.sort(key=lambda r: r["split"] != "test")
        return [r["prompt"] for r in rows[:n]]
    from unscathed.corpus_windows import split_of_story, training_windows, violence_prone

    windows = training_windows()
    if source == "fairytaleqa-val":
        pool = [w for w in windows if w.source == "fairytaleqa_sentences_val.csv"]
    else:
        pool = [w for w in windows if split_of_story(w.source, w.story_id) == "validation" and violence_prone(w.prompt)]
    return [w.prompt for w in random.Random(0).sample(pool, n)]


def _tokens(generator: HFGenerator, results) -> int:
    """Tokens of candidate text drawn (a stopped candidate counts its prefix), over every prompt."""
    return sum(len(generator.tokenizer(c.completion.text, add_special_tokens=False)["input_ids"]) for r in results for c in r.candidates)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", help="classifier directory (default: the default classifier)")
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--batch", type=int, default=8, help="the filter's batch size")
    parser.add_argument("--max-attempts", type=int, default=32)
    parser.add_argument("--source", choices=("seed", "fairytaleqa-val", "violent-val"), default="seed")
    parser.add_argument("--early-every", type=int, default=0, help="also run the filter with early rejection, probing every N tokens (0: skip that arm)")
    parser.add_argument("--out", help="write the figures as JSON here too")
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    prompts = _prompts(args.source, args.prompts)
    classifier = TimedClassifier(load_classifier(args.model))
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
    drawn = sum(len(r.candidates) for r in results)
    figures = {
        "source": args.source, "prompts": len(prompts), "classifier": classifier.version, "threshold": classifier.threshold, "generator": generator.name,
        "first_batch_size": FilterPolicy().first_batch_size, "batch": args.batch, "budget": args.max_attempts,
        "unfiltered_s_per_completion": unfiltered_s / len(prompts), "filtered_s_per_served": filtered_s / max(1, len(accepted)),
        "ratio": (filtered_s / max(1, len(accepted))) / (unfiltered_s / len(prompts)), "served": len(accepted), "failed_closed": len(results) - len(accepted),
        "failed_closed_share": (len(results) - len(accepted)) / len(results), "draws_per_served": drawn / max(1, len(accepted)),
        "mean_draws_until_acceptance": float(np.mean(draws)) if draws else None, "classifier_share_of_filtered_time": classifier.seconds / filtered_s,
        "threads": torch.get_num_threads(),
    }
    figures["tokens_per_served"] = _tokens(generator, results) / max(1, len(accepted))
    print(f"tokens of text drawn per served completion: {figures['tokens_per_served']:.1f}")
    if args.early_every:
        policy = FilterPolicy(batch_size=args.batch, max_attempts=args.max_attempts, early_rejection_every=args.early_every)
        torch.manual_seed(0)
        start = time.perf_counter()
        early = RejectionSampler(generator, classifier.inner, policy, settings).run(prompts)
        early_s = time.perf_counter() - start
        served = [r for r in early if r.accepted is not None]
        stopped = sum(c.completion.finish_reason == "prefix_rejected" for r in early for c in r.candidates)
        figures["early_rejection"] = {
            "every": args.early_every, "s_per_served": early_s / max(1, len(served)), "ratio": (early_s / max(1, len(served))) / (unfiltered_s / len(prompts)),
            "served": len(served), "failed_closed": len(early) - len(served), "draws_per_served": sum(len(r.candidates) for r in early) / max(1, len(served)),
            "stopped_early": stopped, "tokens_per_served": _tokens(generator, early) / max(1, len(served)),
        }
        e = figures["early_rejection"]
        print(f"filtered with early rejection every {args.early_every} tokens: {e['s_per_served']:.2f} s/served ({e['ratio']:.2f}x), {e['draws_per_served']:.2f} draws and "
              f"{e['tokens_per_served']:.1f} tokens per served, {stopped} candidates stopped early, {e['failed_closed']} failed closed")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
