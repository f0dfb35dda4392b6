"""Fine-tune a sequence classifier on labeled snippets and choose its threshold on the validation split."""

from __future__ import annotations

import logging
import random
import shutil
from dataclasses import asdict, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch
from accelerate import PartialState
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

from .config import TrainConfig, default_device
from .fit import EpochCallback, fit
from .labeled_data import LabeledSnippet, data_hash, split_by_prompt
from .metrics import choose_threshold, summary
from .models.classifier import ClassifierMetadata, HFClassifier
from .models.ensemble import EnsembleClassifier, EnsembleMetadata
from .snippet import Snippet

log = logging.getLogger(__name__)

GENERATOR_BACKBONE = "generator"  # --base-model generator: the default generator's own network, with a new head
DROPOUT_SETTINGS = ("hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout", "attention_dropout", "dropout")


def base_model_path(config: TrainConfig) -> str:
    """The encoder to fine-tune: a local directory, ``generator`` (SmolLM2's backbone), or MiniLM from its wheel."""
    if config.base_model == GENERATOR_BACKBONE:
        from .models.defaults import default_generator_dir

        return str(default_generator_dir())
    if config.base_model:
        return config.base_model
    from .models.defaults import minilm_dir

    return str(minilm_dir())


def load_base(config: TrainConfig) -> HFClassifier:
    """A fresh two-label classifier on the configured backbone (the head is newly initialised)."""
    path = base_model_path(config)
    if not Path(path).exists():
        raise FileNotFoundError(f"base model {path} does not exist (nothing is downloaded from a hub)")
    torch.manual_seed(config.seed)
    model_config = AutoConfig.from_pretrained(path, num_labels=2)
    if config.dropout is not None:
        for name in DROPOUT_SETTINGS:
            if name in model_config.to_dict():
                setattr(model_config, name, config.dropout)
    model = AutoModelForSequenceClassification.from_pretrained(path, config=model_config, dtype=torch.float32).to(default_device())
    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token is None:  # decoder backbones (e.g. SmolLM2) have none
        tokenizer.pad_token = tokenizer.eos_token
    model.config.pad_token_id = tokenizer.pad_token_id
    name = config.base_model if config.base_model and config.base_model != GENERATOR_BACKBONE else Path(path).name
    metadata = ClassifierMetadata(base_model=name, threshold=0.5, max_length=config.max_length)
    return HFClassifier(model, tokenizer, metadata)


def evaluate(classifier: HFClassifier, rows: list[LabeledSnippet], threshold: float) -> dict[str, Any]:
    scores = classifier.score([Snippet(r.prompt, r.completion) for r in rows])
    return summary(scores, np.array([r.label for r in rows]), threshold)


def training_splits(rows: list[LabeledSnippet], config: TrainConfig) -> tuple[list[LabeledSnippet], list[LabeledSnippet], list[LabeledSnippet]]:
    """(train, validation, test): the data's own split column, else by prompt; train capped if configured."""
    train, validation, test = split_by_prompt(rows, config.validation_fraction, config.seed)
    if config.max_train_examples is not None:
        train = random.Random(config.seed).sample(train, min(len(train), config.max_train_examples))
    if len({r.label for r in train}) < 2:
        raise ValueError("the training split needs both injurious and non-injurious snippets")
    return train, validation, test


def calibrated_on(scores: np.ndarray, validation: list[LabeledSnippet], target_recall: float) -> tuple[float, dict[str, Any]]:
    """From validation scores: the highest threshold with recall >= target, and the validation figures at it."""
    labels = np.array([r.label for r in validation])
    threshold = choose_threshold(scores, labels, target_recall)
    return threshold, summary(scores, labels, threshold)


def calibrated_metrics(classifier, validation: list[LabeledSnippet], test: list[LabeledSnippet], target_recall: float) -> tuple[float, dict[str, Any]]:
    """The highest threshold with validation recall >= target, and validation/test figures at it."""
    threshold, figures = calibrated_on(classifier.score([Snippet(r.prompt, r.completion) for r in validation]), validation, target_recall)
    metrics: dict[str, Any] = {"validation": figures}
    if test:
        metrics["test"] = evaluate(classifier, test, threshold)
    return threshold, metrics


def save_atomically(save, out_dir: str | Path) -> None:
    """Call ``save(partial_dir)`` and rename it into ``out_dir``: the directory is written whole or not at all."""
    out_dir = Path(out_dir)
    partial = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    save(partial)
    shutil.rmtree(out_dir, ignore_errors=True)
    partial.rename(out_dir)


def train_classifier(
    rows: list[LabeledSnippet],
    out_dir: str | Path,
    config: TrainConfig = TrainConfig(),
    progress: bool = True,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
    on_epoch_end: EpochCallback | None = None,
):
    """Fine-tune, pick the threshold for ``config.target_recall`` on validation, and save to ``out_dir``.

    ``config.ensemble_size > 1`` trains an ensemble instead (see ensemble.py). In a multi-process
    (``accelerate launch``) run only the main process writes.
    """
    if config.ensemble_size > 1:
        return train_ensemble(rows, out_dir, config, progress)
    train, validation, test = training_splits(rows, config)
    log.info("training on %d snippets, validating on %d, testing on %d", len(train), len(validation), len(test))
    classifier = load_base(config)
    epoch_log = fit(classifier, train, config, progress, validation if config.early_stopping_patience is not None else None, checkpoint_dir, resume, on_epoch_end)
    threshold, metrics = calibrated_metrics(classifier, validation, test, config.target_recall)
    metrics.update(epoch_losses=epoch_log.losses, grad_norm_mean=epoch_log.grad_norm_mean, grad_norm_max=epoch_log.grad_norm_max, n_train=len(train), processes=epoch_log.processes)
    if epoch_log.validation_losses:
        metrics.update(validation_losses=epoch_log.validation_losses, best_epoch=epoch_log.best_epoch)
    meta = classifier.metadata
    meta.threshold, meta.target_recall, meta.training_data_sha256 = threshold, config.target_recall, data_hash(rows)
    meta.validation_metrics, meta.train_config = metrics, asdict(config)
    meta.created_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    state = PartialState()
    if state.is_main_process:
        save_atomically(classifier.save, out_dir)
    state.wait_for_everyone()
    return classifier


def member_data(train: list[LabeledSnippet], config: TrainConfig, index: int) -> list[LabeledSnippet]:
    """Member ``index``'s training rows: all of them (``seed``) or a bootstrap sample (``subset``)."""
    if config.ensemble_by == "seed":
        return train
    return random.Random(config.seed * 1000 + index).choices(train, k=len(train))


def train_ensemble(rows: list[LabeledSnippet], out_dir: str | Path, config: TrainConfig, progress: bool = True) -> EnsembleClassifier:
    """Train ``config.ensemble_size`` members, calibrate the combined score, and save the ensemble atomically."""
    train, validation, test = training_splits(rows, config)
    validation_snippets = [Snippet(r.prompt, r.completion) for r in validation]
    members, validation_scores = [], []
    for index in range(config.ensemble_size):
        member_config = replace(config, seed=config.seed + index, ensemble_size=1)
        member = load_base(member_config)
        fit(member, member_data(train, config, index), member_config, progress)
        # Scored once: the same validation scores calibrate the member and, combined, the ensemble.
        validation_scores.append(member.score(validation_snippets))
        member.metadata.threshold, figures = calibrated_on(validation_scores[-1], validation, config.target_recall)
        member.metadata.validation_metrics = {"validation": figures}
        member.metadata.train_config = asdict(member_config)
        members.append(member)
    metadata = EnsembleMetadata(base_model=members[0].metadata.base_model, threshold=0.5, max_length=config.max_length, members=[f"member-{i}" for i in range(len(members))], reduce=config.ensemble_reduce)
    ensemble = EnsembleClassifier(members, metadata)
    metadata.threshold, figures = calibrated_on(ensemble.combine(np.stack(validation_scores)), validation, config.target_recall)
    metrics = {"validation": figures, **({"test": evaluate(ensemble, test, metadata.threshold)} if test else {})}
    metadata.validation_metrics = {**metrics, "n_train": len(train)}
    metadata.target_recall, metadata.training_data_sha256, metadata.train_config = config.target_recall, data_hash(rows), asdict(config)
    metadata.created_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    save_atomically(ensemble.save, out_dir)
    return ensemble
