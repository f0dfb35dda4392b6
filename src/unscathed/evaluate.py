"""The evaluate stage. ``unscathed evaluate classifier``: test-split figures, per-category recall, the keyword
baseline on the same rows, and a calibration plot."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .labeled_data import LabeledSnippet
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
