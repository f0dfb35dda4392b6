"""Typed settings shared by the CLI and the Python API. Every default lives here."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Self


def cache_dir() -> Path:
    """Where converted models and the default classifier are kept (``$UNSCATHED_CACHE`` overrides)."""
    root = os.environ.get("UNSCATHED_CACHE") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "unscathed"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_url() -> str:
    """SQLite file in the working directory unless ``$UNSCATHED_DB`` names another SQLAlchemy URL."""
    return os.environ.get("UNSCATHED_DB", "sqlite:///unscathed.db")


def default_device() -> str:
    """``cuda`` when a GPU is visible, else ``cpu``; ``$UNSCATHED_DEVICE`` overrides."""
    import torch

    return os.environ.get("UNSCATHED_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")


class StrictConfig:
    """Build a dataclass from a mapping, refusing unknown keys (a typo must not be ignored)."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown {cls.__name__} setting(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**data)


@dataclass(frozen=True)
class SamplingSettings(StrictConfig):
    temperature: float = field(default=0.7, metadata={"help": "softmax temperature; 0 means greedy (0.7: a 135M model at 1.0 writes much more garbled text)"})
    top_p: float = field(default=0.95, metadata={"help": "nucleus sampling mass"})
    max_new_tokens: int = field(default=40, metadata={"help": "token budget for one completion"})
    one_sentence: bool = field(default=True, metadata={"help": "stop at the end of the first sentence"})

    def __post_init__(self) -> None:
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")


def resolve_threshold(override: float | None, classifier) -> float:
    """The one rule for which threshold applies: an explicit override, else the classifier's own (calibrated and
    saved with it). Every stage that accepts or rejects asks here."""
    return float(override) if override is not None else float(classifier.threshold)


@dataclass(frozen=True)
class FilterPolicy(StrictConfig):
    threshold: float | None = field(default=None, metadata={"help": "reject when p_injury >= threshold; None uses the classifier's calibrated one"})
    max_attempts: int = field(default=32, metadata={"help": "completions drawn per prompt before giving up (fail closed)"})
    batch_size: int = field(default=8, metadata={"help": "most completions drawn for one prompt in one round"})
    first_batch_size: int = field(default=1, metadata={"help": "completions drawn for each prompt in the first round; each later round doubles it, up to batch_size, so a prompt whose first draw passes costs one draw"})
    early_rejection_every: int = field(default=0, metadata={"help": "probe each candidate every N tokens while it is written and stop it as soon as its text so far scores at or above the threshold (0 = off; needs the probe classifier on the generator's own network); the full classifier still decides every acceptance"})
    tighten_per_rejection: float = field(default=1.0, metadata={"help": "multiply the threshold by this after each rejection on a prompt (1.0 = off)"})
    min_threshold: float = field(default=0.0, metadata={"help": "the tightening schedule never goes below this"})

    def __post_init__(self) -> None:
        if self.threshold is not None and not 0 < self.threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        if self.early_rejection_every < 0:
            raise ValueError(f"early_rejection_every must be >= 0 tokens, got {self.early_rejection_every}")
        if self.max_attempts < 1 or self.batch_size < 1 or self.first_batch_size < 1:
            raise ValueError("max_attempts, batch_size and first_batch_size must be >= 1")
        if not 0 < self.tighten_per_rejection <= 1:
            raise ValueError(f"tighten_per_rejection must be in (0, 1], got {self.tighten_per_rejection}")

    def threshold_for(self, classifier) -> float:
        """The threshold in force for ``classifier``: this policy's, else the classifier's calibrated one."""
        return resolve_threshold(self.threshold, classifier)

    def draws_in_round(self, round_index: int) -> int:
        """Completions drawn for a prompt in round ``round_index`` (0-based): first_batch_size, doubling, capped."""
        return min(self.batch_size, self.first_batch_size * 2**round_index)

    def threshold_after(self, base: float, rejections: int) -> float:
        """Threshold in force once ``rejections`` completions of this prompt were rejected."""
        return max(self.min_threshold, base * self.tighten_per_rejection**rejections)


@dataclass(frozen=True)
class TrainConfig(StrictConfig):
    base_model: str | None = field(default=None, metadata={"help": "HF encoder path; None = all-MiniLM-L6-v2 from its wheel"})
    epochs: int = field(default=3, metadata={"help": "passes over the training split"})
    batch_size: int = field(default=16, metadata={"help": "examples per optimizer step"})
    learning_rate: float = field(default=1e-4, metadata={"help": "peak AdamW learning rate"})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay"})
    warmup_fraction: float = field(default=0.1, metadata={"help": "share of steps with linear warm-up"})
    max_length: int = field(default=128, metadata={"help": "tokens per (prompt, completion); the prompt is cut from the left"})
    validation_fraction: float = field(default=0.15, metadata={"help": "share of prompts held out when the data has no split column"})
    target_recall: float = field(default=0.99, metadata={"help": "validation recall on injurious snippets the threshold must reach"})
    lr_schedule: str = field(default="linear", metadata={"help": "learning-rate decay after warm-up: linear, cosine or constant"})
    dropout: float | None = field(default=None, metadata={"help": "dropout of the encoder and head; None keeps the base model's own"})
    max_grad_norm: float = field(default=1.0, metadata={"help": "clip the gradient norm to this (0 = no clipping; the norm is logged either way)"})
    imbalance: str = field(default="none", metadata={"help": "class-imbalance handling: none, weighted (loss), resample (balanced batches) or focal"})
    focal_gamma: float = field(default=2.0, metadata={"help": "focusing parameter of the focal loss"})
    early_stopping_patience: int | None = field(default=None, metadata={"help": "stop after this many epochs without a better validation loss, keeping the best epoch; None = off"})
    seed: int = field(default=0, metadata={"help": "seed for shuffling, splitting and initialisation"})
    max_train_examples: int | None = field(default=None, metadata={"help": "cap on training examples (quick runs)"})
    ensemble_size: int = field(default=1, metadata={"help": "members to train; more than 1 makes an ensemble classifier"})
    ensemble_by: str = field(default="seed", metadata={"help": "how ensemble members differ: seed (same data) or subset (bootstrap of the training split)"})
    ensemble_reduce: str = field(default="mean", metadata={"help": "how an ensemble combines member scores: mean or max"})

    def __post_init__(self) -> None:
        choices = {"lr_schedule": ("linear", "cosine", "constant"), "imbalance": ("none", "weighted", "resample", "focal"), "ensemble_by": ("seed", "subset"), "ensemble_reduce": ("mean", "max")}
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {getattr(self, name)!r}")
        if self.epochs < 1 or self.batch_size < 1 or self.ensemble_size < 1:
            raise ValueError("epochs, batch_size and ensemble_size must be >= 1")
        if self.learning_rate <= 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        if self.dropout is not None and not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.max_grad_norm < 0:
            raise ValueError(f"max_grad_norm must be >= 0, got {self.max_grad_norm}")
        if not 0 < self.target_recall <= 1:
            raise ValueError(f"target_recall must be in (0, 1], got {self.target_recall}")
