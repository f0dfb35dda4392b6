"""Classifier metrics and threshold choice: pure functions over score and label arrays."""

from __future__ import annotations

import numpy as np


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve (probability a random injurious snippet outscores a benign one; ties count 1/2)."""
    scores, labels = np.asarray(scores, float), np.asarray(labels, int)
    pos, neg = scores[labels == 1], scores[labels == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    values = np.concatenate([pos, neg])[order]
    # average ranks over ties
    _, first, counts = np.unique(values, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def rates_at(scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, float]:
    """Recall on injurious snippets and rejection rate of benign ones when rejecting p >= threshold."""
    scores, labels = np.asarray(scores, float), np.asarray(labels, int)
    rejected = scores >= threshold
    pos, neg = labels == 1, labels == 0
    return {
        "threshold": float(threshold),
        "recall": float(rejected[pos].mean()) if pos.any() else float("nan"),
        "false_positive_rate": float(rejected[neg].mean()) if neg.any() else float("nan"),
        "rejection_rate": float(rejected.mean()) if len(scores) else float("nan"),
        "n_injurious": int(pos.sum()),
        "n_benign": int(neg.sum()),
    }


def choose_threshold(scores: np.ndarray, labels: np.ndarray, target_recall: float) -> float:
    """The highest threshold (hence lowest false-positive rate) whose recall on injurious snippets is at
    least ``target_recall``. Rejection is ``p >= threshold``.

    With n injurious scores sorted ascending, at most floor(n (1 - target)) may fall below the threshold,
    so the threshold is the score at that index.
    """
    if not 0 < target_recall <= 1:
        raise ValueError(f"target_recall must be in (0, 1], got {target_recall}")
    positives = np.sort(np.asarray(scores, float)[np.asarray(labels) == 1])
    if len(positives) == 0:
        raise ValueError("no injurious snippets to set a threshold on")
    allowed_misses = int(np.floor(len(positives) * (1 - target_recall) + 1e-9))
    return float(positives[allowed_misses])


def summary(scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, float]:
    """AUC plus the rates at ``threshold``."""
    return {"auc": auc(scores, labels), **rates_at(scores, labels, threshold)}
