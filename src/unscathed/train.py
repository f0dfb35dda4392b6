"""Fine-tune a sequence classifier on labeled snippets and choose its threshold on the validation split."""

from __future__ import annotations

import logging
import random
import shutil
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

from .config import TrainConfig, default_device
from .labeled_data import LabeledSnippet, data_hash, split_by_prompt
from .metrics import choose_threshold, summary
from .models.classifier import ClassifierMetadata, HFClassifier, encode_pairs
from .snippet import Snippet

log = logging.getLogger(__name__)


def _batches(rows: list[LabeledSnippet], size: int, rng: random.Random) -> list[list[LabeledSnippet]]:
    order = rows[:]
    rng.shuffle(order)
    return [order[i : i + size] for i in range(0, len(order), size)]


def _base_model_path(config: TrainConfig) -> str:
    if config.base_model:
        return config.base_model
    from .models.defaults import minilm_dir

    return str(minilm_dir())


def load_base(config: TrainConfig) -> HFClassifier:
    """A fresh two-label classifier on the configured encoder (the head is newly initialised)."""
    path = _base_model_path(config)
    if not Path(path).exists():
        raise FileNotFoundError(f"base model {path} does not exist (nothing is downloaded from a hub)")
    torch.manual_seed(config.seed)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=2, dtype=torch.float32).to(default_device())
    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token is None:  # decoder backbones (e.g. SmolLM2) have none
        tokenizer.pad_token = tokenizer.eos_token
        model.config.pad_token_id = tokenizer.pad_token_id
    metadata = ClassifierMetadata(base_model=Path(path).name if not config.base_model else path, threshold=0.5, max_length=config.max_length)
    return HFClassifier(model, tokenizer, metadata)


def fit(classifier: HFClassifier, rows: list[LabeledSnippet], config: TrainConfig, progress: bool = True) -> list[float]:
    """Train ``classifier`` in place; returns the mean loss of each epoch."""
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    model, tokenizer = classifier.model, classifier.tokenizer
    steps = config.epochs * ((len(rows) + config.batch_size - 1) // config.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    schedule = get_linear_schedule_with_warmup(optimizer, int(config.warmup_fraction * steps), steps)
    epoch_losses = []
    model.train()
    with tqdm(total=steps, desc="training", disable=not progress, unit="step") as bar:
        for epoch in range(config.epochs):
            losses = []
            for batch in _batches(rows, config.batch_size, rng):
                inputs = {k: v.to(model.device) for k, v in encode_pairs(tokenizer, [Snippet(r.prompt, r.completion) for r in batch], config.max_length).items()}
                labels = torch.tensor([r.label for r in batch], device=model.device)
                loss = torch.nn.functional.cross_entropy(model(**inputs).logits, labels)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad()
                losses.append(loss.item())
                bar.update(1)
                bar.set_postfix(epoch=epoch + 1, loss=f"{np.mean(losses[-20:]):.3f}")
            epoch_losses.append(float(np.mean(losses)))
    model.eval()
    return epoch_losses


def evaluate(classifier: HFClassifier, rows: list[LabeledSnippet], threshold: float) -> dict[str, Any]:
    scores = classifier.score([Snippet(r.prompt, r.completion) for r in rows])
    return summary(scores, np.array([r.label for r in rows]), threshold)


def train_classifier(rows: list[LabeledSnippet], out_dir: str | Path, config: TrainConfig = TrainConfig(), progress: bool = True) -> HFClassifier:
    """Fine-tune, pick the threshold for ``config.target_recall`` on validation, and save to ``out_dir``.

    The directory is written whole or not at all.
    """
    train, validation, test = split_by_prompt(rows, config.validation_fraction, config.seed)
    if config.max_train_examples is not None:
        train = random.Random(config.seed).sample(train, min(len(train), config.max_train_examples))
    if len({r.label for r in train}) < 2:
        raise ValueError("the training split needs both injurious and non-injurious snippets")
    log.info("training on %d snippets, validating on %d, testing on %d", len(train), len(validation), len(test))
    classifier = load_base(config)
    losses = fit(classifier, train, config, progress)
    scores = classifier.score([Snippet(r.prompt, r.completion) for r in validation])
    labels = np.array([r.label for r in validation])
    threshold = choose_threshold(scores, labels, config.target_recall)
    metrics: dict[str, Any] = {"validation": summary(scores, labels, threshold), "epoch_losses": losses, "n_train": len(train)}
    if test:
        metrics["test"] = evaluate(classifier, test, threshold)
    classifier.metadata.threshold = threshold
    classifier.metadata.target_recall = config.target_recall
    classifier.metadata.training_data_sha256 = data_hash(rows)
    classifier.metadata.validation_metrics = metrics
    classifier.metadata.created_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    classifier.metadata.train_config = asdict(config)
    out_dir = Path(out_dir)
    partial = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    classifier.save(partial)
    shutil.rmtree(out_dir, ignore_errors=True)
    partial.rename(out_dir)
    return classifier
