"""``unscathed experiment label-noise``: how accurate must labelers be?

Flip a fraction of the training labels at random (symmetric noise), retrain, and measure the classifier on the
untouched test split at the threshold chosen on the untouched validation split. The curve of test recall and
AUC against the flip rate says how much labeler error the pipeline tolerates.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

from .config import TrainConfig
from .labeled_data import LabeledSnippet


def flip_labels(rows: Sequence[LabeledSnippet], rate: float, seed: int) -> list[LabeledSnippet]:
    """A copy of ``rows`` with exactly round(rate * n) labels flipped, chosen at random."""
    if not 0 <= rate <= 0.5:
        raise ValueError(f"flip rate must be in [0, 0.5], got {rate}")
    flipped = set(random.Random(seed).sample(range(len(rows)), round(rate * len(rows))))
    return [replace(r, label=1 - r.label) if i in flipped else r for i, r in enumerate(rows)]


def label_noise_curve(rows: list[LabeledSnippet], rates: Sequence[float], config: TrainConfig, progress: bool = False) -> list[dict[str, Any]]:
    """Train once per flip rate (same seed and splits) and report clean-test figures for each."""
    from .fit import fit
    from .train import calibrated_metrics, load_base, training_splits

    train, validation, test = training_splits(rows, config)
    if not test:
        raise ValueError("the label-noise experiment needs a test split (a 'split' column with test rows)")
    results = []
    for rate in rates:
        classifier = load_base(config)
        fit(classifier, flip_labels(train, rate, config.seed), config, progress)
        threshold, metrics = calibrated_metrics(classifier, validation, test, config.target_recall)
        test_figures = metrics["test"]
        results.append({"flip_rate": rate, "threshold": threshold, "test_recall": test_figures["recall"], "test_auc": test_figures["auc"], "test_benign_rejection": test_figures["false_positive_rate"], "validation_recall": metrics["validation"]["recall"], "n_train": len(train)})
    return results


def plot_curve(results: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rates = [100 * r["flip_rate"] for r in results]
    figure, ax = plt.subplots(figsize=(5.5, 3.6))
    for key, name in (("test_recall", "test recall at the validation threshold"), ("test_auc", "test AUC"), ("test_benign_rejection", "benign rejected")):
        ax.plot(rates, [r[key] for r in results], marker="o", label=name)
    ax.set_xlabel("training labels flipped (%)")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
