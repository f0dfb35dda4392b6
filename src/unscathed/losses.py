"""Class-imbalance handling for classifier training: weighted cross-entropy, focal loss, balanced resampling.

Injurious snippets are the minority in most corpora, and a missed injury costs more than a false alarm, so the
training loop can re-weight the loss, focus it on hard examples, or draw balanced batches.
"""

from __future__ import annotations

import random
from typing import Sequence, TypeVar

import torch
import torch.nn.functional as F

T = TypeVar("T")


def class_weights(labels: Sequence[int]) -> torch.Tensor:
    """Inverse-frequency weights for labels 0 and 1, normalised so a balanced dataset gets (1, 1)."""
    counts = torch.bincount(torch.tensor(list(labels), dtype=torch.long), minlength=2).float()
    if (counts == 0).any():
        raise ValueError("class weights need both labels in the training data")
    return counts.sum() / (2 * counts)


def focal_loss(logits: torch.Tensor, labels: torch.Tensor, gamma: float, weight: torch.Tensor | None = None) -> torch.Tensor:
    """Mean focal loss (Lin et al. 2017): cross-entropy scaled by (1 - p_true)^gamma; gamma = 0 is cross-entropy."""
    log_p = F.log_softmax(logits, dim=-1).gather(1, labels[:, None]).squeeze(1)
    loss = -((1 - log_p.exp()) ** gamma) * log_p
    if weight is not None:
        loss = loss * weight[labels]
    return loss.mean()


def classification_loss(logits: torch.Tensor, labels: torch.Tensor, imbalance: str, weight: torch.Tensor | None, gamma: float) -> torch.Tensor:
    """The training loss the ``imbalance`` setting names (``resample`` changes the batches, not the loss)."""
    if imbalance == "focal":
        return focal_loss(logits, labels, gamma)
    if imbalance == "weighted":
        return F.cross_entropy(logits, labels, weight=weight)
    return F.cross_entropy(logits, labels)


def balanced_resample(rows: Sequence[T], labels: Sequence[int], rng: random.Random) -> list[T]:
    """One epoch's rows with the minority class drawn with replacement up to the majority's count."""
    by_label: dict[int, list[T]] = {0: [], 1: []}
    for row, label in zip(rows, labels):
        by_label[label].append(row)
    size = max(len(group) for group in by_label.values())
    out: list[T] = []
    for group in by_label.values():
        out.extend(group if len(group) == size else rng.choices(group, k=size))
    return out
