"""The evaluate stage. ``unscathed evaluate classifier``: test-split figures, per-category recall, the keyword
baseline on the same rows, and a calibration plot."""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .labeled_data import LabeledSnippet, load_split
from .metrics import auc, rates_at
from .models.classifier import Classifier
from .options import add_generator_options
from .snippet import Snippet


def calibration_bins(scores: np.ndarray, labels: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Mean predicted P(injury) against the observed injurious fraction in equal-width score bins."""
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.digitize(scores, edges[1:-1]), 0, bins - 1)
    return [
        {"low": float(edges[b]), "high": float(edges[b + 1]), "n": int((index == b).sum()),
         "mean_score": float(scores[index == b].mean()), "injurious_fraction": float(labels[index == b].mean())}
        for b in range(bins) if (index == b).any()
    ]


def classifier_report(classifier: Classifier, rows: Sequence[LabeledSnippet], baseline: Classifier | None = None) -> dict[str, Any]:
    """AUC, recall and benign rejection at the classifier's threshold, per category, and the baseline's."""
    snippets = [Snippet(r.prompt, r.completion) for r in rows]
    labels = np.array([r.label for r in rows])
    scores = classifier.score(snippets)
    report: dict[str, Any] = {"n": len(rows), "classifier": classifier.version, "auc": auc(scores, labels), **rates_at(scores, labels, classifier.threshold)}
    by_category: dict[str, list[int]] = collections.defaultdict(list)
    for k, r in enumerate(rows):
        by_category[r.category or "unknown"].append(k)
    report["by_category"] = {
        c: {"n": len(ix), "label": int(labels[ix[0]]), "rejected": float((scores[ix] >= classifier.threshold).mean())}
        for c, ix in sorted(by_category.items())
    }
    report["calibration"] = calibration_bins(scores, labels)
    if baseline is not None:
        b = baseline.score(snippets)
        report["baseline"] = {"name": baseline.version, "auc": auc(b, labels), **rates_at(b, labels, baseline.threshold)}
    return report


def plot_calibration(report: dict[str, Any], path: str | Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bins = report["calibration"]
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], ":", color="grey", label="perfect calibration")
    ax.plot([b["mean_score"] for b in bins], [b["injurious_fraction"] for b in bins], "o-", label="classifier")
    for b in bins:
        ax.annotate(str(b["n"]), (b["mean_score"], b["injurious_fraction"]), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.axvline(report["threshold"], color="red", lw=0.8, label=f"threshold {report['threshold']:.3f}")
    ax.set_xlabel("mean predicted P(injury) in bin")
    ax.set_ylabel("fraction injurious (human labels)")
    ax.set_title(f"Calibration on {report['n']} test snippets")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def cmd_evaluate_classifier(args: argparse.Namespace) -> int:
    from .keyword_baseline import KeywordClassifier
    from .options import load_classifier

    _, rows = load_split(args.data, args.split)
    report = classifier_report(load_classifier(args.model), rows, KeywordClassifier())
    if args.plot:
        plot_calibration(report, args.plot)
    print(json.dumps(report, indent=2))
    return 0


def cmd_collect(args: argparse.Namespace) -> int:
    import torch

    from .config import FilterPolicy, SamplingSettings
    from .labeled_data import read_jsonl
    from .options import load_classifier, load_generator
    from .reliability import collect_samples, save_samples

    prompts = [row for _, row in read_jsonl(args.prompts, required=("prompt",))][: args.limit]
    torch.manual_seed(args.seed)
    policy = FilterPolicy(max_attempts=args.budget, batch_size=args.batch_size)
    samples = collect_samples(prompts, load_generator(args), load_classifier(args.model), policy, SamplingSettings(), args.repeats)
    save_samples(samples, args.output)
    need_label = sum(s.accepted for s in samples)
    print(f"wrote {len(samples)} prompts to {args.output}: {need_label} accepted unfiltered completions need a label, "
          f"{len(samples) - need_label} rejected ones need a preference", file=sys.stderr)
    return 0


def cmd_reliability(args: argparse.Namespace) -> int:
    from .reliability import load_samples, reliability_report

    print(json.dumps(reliability_report(load_samples(args.input), args.confidence), indent=2))
    return 0


def cmd_policies(args: argparse.Namespace) -> int:
    from .policy_simulation import compare_policies

    print("| policy | failure rate of returned | mean returned score | prompts served | draws per prompt |\n|---|---|---|---|---|")
    for o in compare_policies(args.prompts, args.threshold, args.budget, tuple(args.batch), tuple(args.tighten), args.seed):
        print(f"| {o.name} | {o.failure_rate:.4f} | {o.mean_returned_score:.4f} | {o.accept_share:.3f} | {o.draws_per_prompt:.2f} |")
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from .stats import comparisons_needed

    print(json.dumps(comparisons_needed(args.half_width, args.reject_rate, args.expected_preference), indent=2))
    return 0


def add_evaluate_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("evaluate", help="measure classifiers and filters")
    kinds = parser.add_subparsers(dest="kind", required=True)
    clf = kinds.add_parser("classifier", help="test-split figures of a classifier against the keyword baseline")
    clf.add_argument("--model", help="classifier directory (default: the default classifier)")
    clf.add_argument("--data", help="labeled JSONL (default: the seed dataset)")
    clf.add_argument("--split", default="test", help="train, validation, test or all (default: test)")
    clf.add_argument("--plot", help="write a calibration plot (PNG) here")
    clf.set_defaults(func=cmd_evaluate_classifier)

    collect = kinds.add_parser("collect", help="sample what the reliability and quality estimators need, for labeling")
    collect.add_argument("--prompts", required=True, help="JSONL of prompts (e.g. from `unscathed ingest`); an optional 'weight' is D(x)/r(x)")
    collect.add_argument("--output", required=True, help="JSONL of samples to label")
    collect.add_argument("--model", help="classifier directory (default: the default classifier)")
    collect.add_argument("--repeats", type=int, default=2, help="filter runs per prompt to estimate 1/A(x)")
    collect.add_argument("--budget", type=int, default=32, help="draws per filter run")
    collect.add_argument("--batch-size", type=int, default=8, help="draws per generator call")
    collect.add_argument("--limit", type=int, help="use only the first N prompts")
    collect.add_argument("--seed", type=int, default=0)
    add_generator_options(collect)
    collect.set_defaults(func=cmd_collect)

    rel = kinds.add_parser("reliability", help="failure rate (with nines) and quality of the filtered policy from labeled samples")
    rel.add_argument("--input", required=True, help="labeled JSONL written by `evaluate collect`")
    rel.add_argument("--confidence", type=float, default=0.95)
    rel.set_defaults(func=cmd_reliability)

    pol = kinds.add_parser("policies", help="simulate sequential, batched and tightening policies side by side")
    pol.add_argument("--prompts", type=int, default=4000)
    pol.add_argument("--threshold", type=float, default=0.3)
    pol.add_argument("--budget", type=int, default=32)
    pol.add_argument("--batch", type=int, nargs="*", default=[4, 8], help="batch sizes k to compare")
    pol.add_argument("--tighten", type=float, nargs="*", default=[0.9, 0.7], help="tightening factors to compare")
    pol.add_argument("--seed", type=int, default=0)
    pol.set_defaults(func=cmd_policies)

    plan = kinds.add_parser("plan", help="human comparisons needed for a target interval on quality")
    plan.add_argument("--half-width", type=float, required=True)
    plan.add_argument("--reject-rate", type=float, required=True, help="share of unfiltered completions the filter rejects")
    plan.add_argument("--expected-preference", type=float, default=0.5)
    plan.set_defaults(func=cmd_plan)
