"""The classifier training loop: one process or several through Hugging Face Accelerate.

``accelerate launch --multi_gpu --num_processes N -m unscathed.cli train ...`` runs this same loop in N processes:
every process draws the same global batches (same seed), trains on its share of each, and the gradients are
averaged, so N processes follow the one-process run up to floating-point error.
"""

from __future__ import annotations

import logging
import random
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from accelerate import Accelerator
from tqdm import tqdm
from transformers import get_scheduler

from .checkpoint import EpochLog, latest_checkpoint, load_checkpoint, save_checkpoint
from .config import TrainConfig, default_device
from .labeled_data import LabeledSnippet
from .losses import balanced_resample, class_weights, classification_loss
from .models.classifier import HFClassifier, encode_pairs
from .snippet import Snippet

log = logging.getLogger(__name__)

EpochCallback = Callable[[int, EpochLog], None]
SCHEDULES = {"linear": "linear", "cosine": "cosine", "constant": "constant_with_warmup"}


def _epoch_batches(rows: list[LabeledSnippet], config: TrainConfig, rng: random.Random) -> list[list[LabeledSnippet]]:
    order = balanced_resample(rows, [r.label for r in rows], rng) if config.imbalance == "resample" else rows[:]
    rng.shuffle(order)
    return [order[i : i + config.batch_size] for i in range(0, len(order), config.batch_size)]


def _steps_per_epoch(rows: list[LabeledSnippet], config: TrainConfig) -> int:
    n = len(rows)
    if config.imbalance == "resample":
        n = 2 * max(sum(r.label for r in rows), sum(1 - r.label for r in rows))
    return (n + config.batch_size - 1) // config.batch_size


def _loss(model, tokenizer, batch: list[LabeledSnippet], config: TrainConfig, weight: torch.Tensor | None) -> torch.Tensor:
    inputs = {k: v.to(model.device) for k, v in encode_pairs(tokenizer, [Snippet(r.prompt, r.completion) for r in batch], config.max_length).items()}
    labels = torch.tensor([r.label for r in batch], device=model.device)
    return classification_loss(model(**inputs).logits, labels, config.imbalance, weight, config.focal_gamma)


@torch.no_grad()
def validation_loss(classifier: HFClassifier, rows: list[LabeledSnippet], config: TrainConfig) -> float:
    """Mean unweighted cross-entropy on ``rows`` (the early-stopping criterion)."""
    classifier.model.eval()
    plain = replace(config, imbalance="none")
    chunks = [rows[i : i + 64] for i in range(0, len(rows), 64)]
    total = sum(_loss(classifier.model, classifier.tokenizer, chunk, plain, None).item() * len(chunk) for chunk in chunks)
    classifier.model.train()
    return float(total / len(rows))


def fit(
    classifier: HFClassifier,
    rows: list[LabeledSnippet],
    config: TrainConfig,
    progress: bool = True,
    validation: list[LabeledSnippet] | None = None,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
    on_epoch_end: EpochCallback | None = None,
) -> EpochLog:
    """Train ``classifier`` in place and return the per-epoch log.

    With ``checkpoint_dir`` the state is saved after every epoch; ``resume=True`` continues from the newest
    checkpoint there and ends exactly where an uninterrupted run would. Early stopping needs ``validation``.
    """
    if config.early_stopping_patience is not None and not validation:
        raise ValueError("early stopping needs validation snippets")
    accelerator = Accelerator(cpu=default_device() == "cpu")
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    weight = class_weights([r.label for r in rows]).to(accelerator.device) if config.imbalance == "weighted" else None
    per_epoch = _steps_per_epoch(rows, config)
    steps = config.epochs * per_epoch
    optimizer = torch.optim.AdamW(classifier.model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    scheduler = get_scheduler(SCHEDULES[config.lr_schedule], optimizer, num_warmup_steps=int(config.warmup_fraction * steps), num_training_steps=steps)
    model, optimizer = accelerator.prepare(classifier.model, optimizer)
    epoch_log, best_state, start = EpochLog(), None, 0
    root = Path(checkpoint_dir) if checkpoint_dir is not None else None
    if resume and root is not None and (found := latest_checkpoint(root)) is not None:
        start, epoch_log, best_state = load_checkpoint(found, accelerator.unwrap_model(model), optimizer, scheduler, rng)
        log.info("resuming from %s (%d of %d epochs done)", found, start, config.epochs)
    epoch_log.processes = accelerator.num_processes
    model.train()
    with tqdm(total=steps, initial=start * per_epoch, desc="training", disable=not progress or not accelerator.is_main_process, unit="step") as bar:
        for epoch in range(start, config.epochs):
            losses, norms = [], []
            for batch in _epoch_batches(rows, config, rng):
                if len(batch) < accelerator.num_processes:
                    continue  # a last batch too small to give every process a share; the same in all processes
                share = batch[accelerator.process_index :: accelerator.num_processes]
                loss = _loss(model, classifier.tokenizer, share, config, weight)
                accelerator.backward(loss)
                # clip_grad_norm_ returns the norm before clipping; infinity measures without clipping.
                norm = accelerator.clip_grad_norm_(model.parameters(), config.max_grad_norm or float("inf"))
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
                losses.append(accelerator.reduce(loss.detach(), "mean").item())
                norms.append(float(norm))
                bar.update(1)
                bar.set_postfix(epoch=epoch + 1, loss=f"{np.mean(losses[-20:]):.3f}")
            epoch_log.losses.append(float(np.mean(losses)))
            epoch_log.grad_norm_mean.append(float(np.mean(norms)))
            epoch_log.grad_norm_max.append(float(np.max(norms)))
            log.info("epoch %d: loss %.4f, gradient norm mean %.3f max %.3f", epoch + 1, epoch_log.losses[-1], epoch_log.grad_norm_mean[-1], epoch_log.grad_norm_max[-1])
            stop = False
            if validation:
                unwrapped = HFClassifier(accelerator.unwrap_model(model), classifier.tokenizer, classifier.metadata)
                epoch_log.validation_losses.append(validation_loss(unwrapped, validation, config))
                if epoch_log.best_epoch is None or epoch_log.validation_losses[-1] < epoch_log.validation_losses[epoch_log.best_epoch - 1]:
                    epoch_log.best_epoch = epoch + 1
                    best_state = {k: v.detach().cpu().clone() for k, v in accelerator.unwrap_model(model).state_dict().items()}
                patience = config.early_stopping_patience
                stop = patience is not None and epoch + 1 - epoch_log.best_epoch >= patience
            if root is not None and accelerator.is_main_process:
                save_checkpoint(root, epoch + 1, accelerator.unwrap_model(model), optimizer, scheduler, rng, epoch_log, best_state)
            accelerator.wait_for_everyone()
            if on_epoch_end is not None:
                on_epoch_end(epoch + 1, epoch_log)
            if stop:
                log.info("early stop after epoch %d; keeping epoch %d", epoch + 1, epoch_log.best_epoch)
                break
    classifier.model = accelerator.unwrap_model(model)
    if best_state is not None and config.early_stopping_patience is not None:
        classifier.model.load_state_dict(best_state)
    classifier.model.eval()
    return epoch_log
