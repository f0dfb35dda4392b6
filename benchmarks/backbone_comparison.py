"""MiniLM against the generator's own backbone (SmolLM2-135M with a classification head), on the seed test split.

Both are trained on the same seed training split with the same settings (except the learning rate, which each
backbone may set), the threshold is chosen on validation for 99% recall, and the test split is scored at it.
Also prints recall per injurious category and rejection per non-injurious category, and throughput.

    python benchmarks/backbone_comparison.py [--epochs 3] [--max-train-examples N] [--out results.json]
(about 2 minutes on one H100; hours on 2 CPU cores, where --max-train-examples makes a quick check)
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from dataclasses import replace

import numpy as np

from unscathed.config import TrainConfig
from unscathed.default_classifier import seed_data_path
from unscathed.fit import fit
from unscathed.labeled_data import load_labeled_jsonl
from unscathed.snippet import Snippet
from unscathed.train import GENERATOR_BACKBONE, calibrated_metrics, load_base, training_splits


def per_category(classifier, rows, threshold: float) -> dict[str, float]:
    """Share rejected (p >= threshold) per category: recall for injurious ones, false alarms for the rest."""
    scores = classifier.score([Snippet(r.prompt, r.completion) for r in rows])
    groups: dict[str, list[bool]] = defaultdict(list)
    for r, s in zip(rows, scores):
        groups[f"{r.label}:{r.category}"].append(bool(s >= threshold))
    return {k: float(np.mean(v)) for k, v in sorted(groups.items())}


def run(name: str, config: TrainConfig, rows) -> dict:
    train, validation, test = training_splits(rows, config)
    classifier = load_base(config)
    start = time.perf_counter()
    log = fit(classifier, train, config, progress=False)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    threshold, metrics = calibrated_metrics(classifier, validation, test, config.target_recall)
    score_rate = (len(validation) + len(test)) / (time.perf_counter() - start)
    params = sum(p.numel() for p in classifier.model.parameters())
    return {"backbone": name, "parameters": params, "learning_rate": config.learning_rate, "threshold": threshold, "validation": metrics["validation"], "test": metrics["test"],
            "train_examples_per_s": len(train) * len(log.losses) / train_seconds, "score_snippets_per_s": score_rate, "epoch_losses": log.losses,
            "grad_norm_mean": log.grad_norm_mean, "grad_norm_max": log.grad_norm_max, "per_category": per_category(classifier, test, threshold)}


def main() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # the "newly initialised head" load report, once per model, is expected here
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--max-train-examples", type=int)
    parser.add_argument("--minilm-lr", type=float, default=1e-4)
    parser.add_argument("--generator-lr", type=float, default=3e-5, help="decoder backbones are five times larger; a smaller step")
    parser.add_argument("--out", help="write the results as JSON here")
    args = parser.parse_args()
    rows = load_labeled_jsonl(seed_data_path())
    base = TrainConfig(epochs=args.epochs, max_train_examples=args.max_train_examples)
    results = [run("all-MiniLM-L6-v2", replace(base, learning_rate=args.minilm_lr), rows), run("SmolLM2-135M backbone", replace(base, base_model=GENERATOR_BACKBONE, learning_rate=args.generator_lr), rows)]
    print(f"{'backbone':24s} {'params':>8s} {'test AUC':>8s} {'recall':>7s} {'benign rej.':>11s} {'threshold':>9s} {'train ex/s':>10s} {'score/s':>8s}")
    for r in results:
        t = r["test"]
        print(f"{r['backbone']:24s} {r['parameters'] / 1e6:7.1f}M {t['auc']:8.4f} {t['recall']:7.4f} {t['false_positive_rate']:11.4f} {r['threshold']:9.5f} {r['train_examples_per_s']:10.1f} {r['score_snippets_per_s']:8.1f}")
    print("\nshare rejected per test category (label:category)")
    for key in results[0]["per_category"]:
        print(f"  {key:28s} " + "  ".join(f"{r['per_category'].get(key, float('nan')):.3f}" for r in results))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
