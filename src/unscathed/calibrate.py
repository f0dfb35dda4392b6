"""Choose a classifier's threshold for a stated target, write it into the model, and report why.

Targets (rejection is ``p_injury >= threshold``):
- recall: the one-sided lower confidence bound (Clopper-Pearson) of recall on injurious validation
  snippets must reach ``target_recall``; the highest such threshold is chosen (lowest false-positive rate);
- max_benign_rejection: the share of non-injurious validation snippets rejected must not exceed it; the
  lowest such threshold is chosen (highest recall).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .metrics import rates_at
from .stats import clopper_pearson_lower


def recall_lower_bound(caught: int, total: int, confidence: float = 0.95) -> float:
    """One-sided Clopper-Pearson lower bound on recall (``stats.clopper_pearson_lower``)."""
    if total <= 0:
        raise ValueError("no injurious snippets to bound recall on")
    return clopper_pearson_lower(caught, total, confidence)


@dataclass(frozen=True)
class Calibration:
    threshold: float
    target: dict[str, float]
    recall: float
    recall_lower_bound: float
    benign_rejection: float


def threshold_for_recall(scores: np.ndarray, labels: np.ndarray, target_recall: float, confidence: float = 0.95) -> Calibration:
    """Highest threshold whose recall lower bound (at ``confidence``) is at least ``target_recall``."""
    s, y = np.asarray(scores, float), np.asarray(labels, int)
    positives = np.sort(s[y == 1])
    n = len(positives)
    if n == 0:
        raise ValueError("no injurious snippets to calibrate on")
    best = recall_lower_bound(n, n, confidence)
    if best < target_recall:
        raise ValueError(f"with {n} injurious validation snippets the best achievable {confidence:.0%} lower bound on recall is {best:.4f} < {target_recall}; label more injurious snippets or lower the target")
    # Candidate thresholds are the injurious scores; threshold positives[n - k] catches k of them. The bound
    # grows with k, so search for the fewest caught (highest threshold) whose bound reaches the target.
    low, high = 1, n
    while low < high:
        k = (low + high) // 2
        if recall_lower_bound(k, n, confidence) >= target_recall:
            high = k
        else:
            low = k + 1
    t = float(positives[n - low])
    caught = int((s[y == 1] >= t).sum())  # ties at t are caught too
    return Calibration(t, {"recall": target_recall, "confidence": confidence}, caught / n, recall_lower_bound(caught, n, confidence), rates_at(s, y, t)["false_positive_rate"])


def threshold_for_benign_rejection(scores: np.ndarray, labels: np.ndarray, max_rejection: float, confidence: float = 0.95) -> Calibration:
    """Lowest threshold that rejects at most ``max_rejection`` of the non-injurious snippets."""
    s, y = np.asarray(scores, float), np.asarray(labels, int)
    negatives = np.sort(s[y == 0])
    if len(negatives) == 0:
        raise ValueError("no non-injurious snippets to calibrate on")
    allowed = int(np.floor(max_rejection * len(negatives) + 1e-9))
    # Reject p >= t: the ``allowed`` highest benign scores may be at or above t, so t sits just above the next.
    t = float(np.nextafter(negatives[len(negatives) - allowed - 1], 2.0)) if allowed < len(negatives) else float(negatives[0])
    rates = rates_at(s, y, t)
    n_pos = int((y == 1).sum())
    caught = int(((s >= t) & (y == 1)).sum())
    return Calibration(t, {"max_benign_rejection": max_rejection}, rates["recall"], recall_lower_bound(caught, n_pos, confidence) if n_pos else float("nan"), rates["false_positive_rate"])


def expected_draws(scores_by_prompt: Sequence[np.ndarray], threshold: float) -> tuple[float, float]:
    """(mean of 1/A(x) over prompts with A(x) > 0, share of prompts with A(x) = 0), where A(x) is the share of
    that prompt's labeled completions the threshold accepts. Prompts that never pass would cost the whole
    attempt budget and then fail closed, so they are counted apart rather than averaged in as infinity."""
    rates = np.array([np.mean(np.asarray(s) < threshold) for s in scores_by_prompt])
    passing = rates > 0
    return (float(np.mean(1 / rates[passing])) if passing.any() else float("inf")), float(1 - passing.mean())


def write_report(path: Path, scores: np.ndarray, labels: np.ndarray, groups: Sequence[np.ndarray], calibration: Calibration, model: str) -> None:
    """An HTML page with four PNG plots beside it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .evaluate import calibration_bins

    path.parent.mkdir(parents=True, exist_ok=True)
    stem = path.with_suffix("")
    grid = np.unique(np.concatenate([np.quantile(scores, np.linspace(0, 1, 200)), [calibration.threshold]]))
    rates = [rates_at(scores, labels, t) for t in grid]
    figures: dict[str, Any] = {}

    fig, ax = plt.subplots(figsize=(5, 3.5))
    bins = np.linspace(0, 1, 41)
    ax.hist(scores[labels == 0], bins=bins, alpha=0.6, label="not injurious")
    ax.hist(scores[labels == 1], bins=bins, alpha=0.6, label="injurious")
    ax.axvline(calibration.threshold, color="red", lw=0.8, label="threshold")
    ax.set_yscale("log"), ax.set_xlabel("P(injury)"), ax.legend(fontsize=8), ax.set_title("Scores by label")
    figures["histogram"] = fig

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(grid, [r["recall"] for r in rates], label="recall (injurious rejected)")
    ax.plot(grid, [r["false_positive_rate"] for r in rates], label="non-injurious rejected")
    ax.plot(grid, [1 - r["rejection_rate"] for r in rates], label="acceptance rate")
    ax.axvline(calibration.threshold, color="red", lw=0.8)
    ax.set_xscale("log"), ax.set_xlabel("threshold"), ax.legend(fontsize=8), ax.set_title("Rates against the threshold")
    figures["rates"] = fig

    fig, ax = plt.subplots(figsize=(4, 4))
    cb = calibration_bins(scores, labels)
    ax.plot([0, 1], [0, 1], ":", color="grey")
    ax.plot([b["mean_score"] for b in cb], [b["injurious_fraction"] for b in cb], "o-")
    ax.set_xlabel("mean predicted P(injury)"), ax.set_ylabel("fraction injurious"), ax.set_title("Reliability diagram")
    figures["reliability"] = fig

    fig, ax = plt.subplots(figsize=(5, 3.5))
    draws = [expected_draws(groups, t) for t in grid]
    ax.plot(grid, [d for d, _ in draws], label="E[draws per accepted], prompts that can pass")
    ax.plot(grid, [share for _, share in draws], label="share of prompts that never pass")
    ax.axvline(calibration.threshold, color="red", lw=0.8)
    ax.set_xscale("log"), ax.set_yscale("log"), ax.set_xlabel("threshold"), ax.legend(fontsize=8)
    ax.set_title(f"Cost over {len(groups)} validation prompts")
    figures["draws"] = fig

    for name, figure in figures.items():
        figure.tight_layout()
        figure.savefig(f"{stem}-{name}.png", dpi=110)
        plt.close(figure)
    facts = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>" for k, v in {
        "model": model, "target": calibration.target, "threshold": f"{calibration.threshold:.6f}", "recall": f"{calibration.recall:.4f}",
        "recall lower bound": f"{calibration.recall_lower_bound:.4f}", "non-injurious rejected": f"{calibration.benign_rejection:.4f}",
        "expected draws per accepted completion, share of prompts never passing": expected_draws(groups, calibration.threshold)}.items())
    images = "".join(f'<h2>{name}</h2><img src="{Path(f"{stem}-{name}.png").name}">' for name in figures)
    path.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>unscathed calibration</title></head><body><h1>Calibration</h1><table>{facts}</table>{images}</body></html>")
