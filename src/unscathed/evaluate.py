"""The evaluate stage. ``unscathed evaluate classifier``: test-split figures, per-category recall, the keyword
baseline on the same rows, and a calibration plot."""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .labeled_data import LabeledSnippet, load_labeled_jsonl
from .metrics import auc, rates_at
from .models.classifier import Classifier
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
    report["_scores"] = scores
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
    from .options import load_classifier
    from .keyword_baseline import KeywordClassifier

    data = args.data
    if data is None:
        from .default_classifier import seed_data_path

        data = str(seed_data_path())
    rows = [r for r in load_labeled_jsonl(data) if args.split == "all" or r.split == args.split]
    if not rows:
        raise ValueError(f"{data} has no rows in split {args.split!r}")
    report = classifier_report(load_classifier(args.model), rows, KeywordClassifier())
    report.pop("_scores")
    if args.plot:
        plot_calibration(report, args.plot)
    print(json.dumps(report, indent=2))
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
