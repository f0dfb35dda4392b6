"""``unscathed search``: hyperparameter search with Optuna, stored in a real database.

Each trial fine-tunes a classifier on the training split and is scored on the validation split by what a
safety team pays for: the share of non-injurious snippets rejected at the threshold that reaches the target
recall (lower is better; AUC breaks ties). The study lives in an SQL database, so ``optuna-dashboard URL``
shows it while it runs, and the best trial is written out as a config file for ``unscathed train --config``.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import asdict, replace
from typing import Any

from .config import TrainConfig
from .labeled_data import LabeledSnippet

log = logging.getLogger(__name__)


def suggest_config(trial, base: TrainConfig) -> TrainConfig:
    """The search space: the settings that moved validation results most in our runs, around ``base``."""
    return replace(
        base,
        learning_rate=trial.suggest_float("learning_rate", 1e-5, 5e-4, log=True),
        epochs=trial.suggest_int("epochs", 1, max(2, base.epochs + 1)),
        batch_size=trial.suggest_categorical("batch_size", [8, 16, 32]),
        warmup_fraction=trial.suggest_float("warmup_fraction", 0.0, 0.2),
        dropout=trial.suggest_float("dropout", 0.0, 0.3),
        imbalance=trial.suggest_categorical("imbalance", ["none", "weighted", "resample", "focal"]),
        lr_schedule=trial.suggest_categorical("lr_schedule", ["linear", "cosine"]),
    )


def trial_score(rows: list[LabeledSnippet], config: TrainConfig) -> dict[str, Any]:
    """Train with ``config`` and return validation figures at the target-recall threshold."""
    from .fit import fit
    from .train import calibrated_metrics, load_base, training_splits

    train, validation, _ = training_splits(rows, config)
    classifier = load_base(config)
    fit(classifier, train, config, progress=False)
    _, metrics = calibrated_metrics(classifier, validation, [], config.target_recall)
    return metrics["validation"]


def run_search(rows: list[LabeledSnippet], base: TrainConfig, trials: int, storage: str, study_name: str, sampler_seed: int = 0):
    """Run ``trials`` more trials of the study (created or resumed in ``storage``); returns the study."""
    import optuna

    study = optuna.create_study(study_name=study_name, storage=storage, load_if_exists=True, directions=["minimize", "maximize"], sampler=optuna.samplers.TPESampler(seed=sampler_seed))
    with warnings.catch_warnings():  # experimental in Optuna, but it is what labels the axes in the dashboard
        warnings.simplefilter("ignore")
        study.set_metric_names(["benign_rejection", "auc"])

    def objective(trial) -> tuple[float, float]:
        config = suggest_config(trial, base)
        figures = trial_score(rows, config)
        trial.set_user_attr("train_config", asdict(config))
        trial.set_user_attr("recall", figures["recall"])
        trial.set_user_attr("threshold", figures["threshold"])
        log.info("trial %d: benign rejection %.4f, AUC %.4f", trial.number, figures["false_positive_rate"], figures["auc"])
        return figures["false_positive_rate"], figures["auc"]

    study.optimize(objective, n_trials=trials)
    return study


def best_trial(study):
    """Lowest benign rejection among the Pareto-best trials, then highest AUC."""
    return min(study.best_trials, key=lambda t: (t.values[0], -t.values[1]))
