"""Classifiers return P(injury) for (prompt, completion) pairs. ``HFClassifier`` is a fine-tuned encoder."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, Sequence

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from ..config import default_device
from ..snippet import Snippet

log = logging.getLogger(__name__)

METADATA_FILE = "unscathed.json"
INJURY_LABEL = 1


class NotAClassifierError(ValueError):
    """A directory that does not hold a usable sequence classifier."""


class Classifier(Protocol):
    """Anything that scores snippets. Carries its version and calibrated threshold."""

    version: str
    threshold: float

    def score(self, snippets: Sequence[Snippet]) -> np.ndarray:
        """P(injury) for each snippet, shape (len(snippets),)."""
        ...


@dataclass
class ClassifierMetadata:
    """What a trained classifier directory records beside its weights."""

    base_model: str
    threshold: float
    version: str = ""
    training_data_sha256: str = ""
    target_recall: float | None = None
    max_length: int = 128
    validation_metrics: dict[str, Any] = field(default_factory=dict)
    train_config: dict[str, Any] = field(default_factory=dict)
    calibration: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""

    def save(self, directory: Path) -> None:
        (directory / METADATA_FILE).write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, directory: Path) -> "ClassifierMetadata":
        data = json.loads((directory / METADATA_FILE).read_text())
        return cls(**data)


def weights_version(directory: Path) -> str:
    """A short content hash of the weights: two directories with the same version score identically."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.safetensors")):
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:12]


def encode_pairs(tokenizer, snippets: Sequence[Snippet], max_length: int) -> dict[str, torch.Tensor]:
    """Tokenize (prompt, completion) pairs: the completion is kept whole, the prompt is cut from the left.

    An empty prompt scores the completion on its own. A completion that alone exceeds ``max_length``
    is cut (with a warning), since nothing else can make it fit.
    """
    tokenizer.truncation_side = "left"
    rows = []
    for s in snippets:
        n_completion = len(tokenizer(s.completion, add_special_tokens=False)["input_ids"])
        if n_completion > max_length - 3:
            log.warning("completion of %d tokens exceeds the classifier's %d; scoring its end only", n_completion, max_length)
            rows.append(tokenizer(s.completion, truncation=True, max_length=max_length))
        elif s.prompt.strip():
            rows.append(tokenizer(s.prompt, s.completion, truncation="only_first", max_length=max_length))
        else:
            rows.append(tokenizer(s.completion, truncation=True, max_length=max_length))
    return tokenizer.pad(rows, return_tensors="pt")


class CalibratedByMetadata:
    """Version and threshold read from ``self.metadata``, so that calibrating the metadata changes both."""

    metadata: ClassifierMetadata

    @property
    def version(self) -> str:
        return self.metadata.version

    @property
    def threshold(self) -> float:
        return self.metadata.threshold


class HFClassifier(CalibratedByMetadata):
    """A Hugging Face sequence classifier with two labels; label 1 is "injurious"."""

    def __init__(self, model, tokenizer, metadata: ClassifierMetadata, batch_size: int = 32) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.metadata = metadata
        self.batch_size = batch_size

    @classmethod
    def load(cls, directory: str | Path, threshold: float | None = None) -> "HFClassifier":
        """Load a trained classifier directory (weights + ``unscathed.json``).

        A plain Hugging Face sequence-classification directory also works if ``threshold`` is given.
        """
        directory = Path(directory)
        if not directory.is_dir():
            raise NotAClassifierError(f"classifier directory {directory} does not exist")
        if not (directory / "config.json").exists():
            raise NotAClassifierError(f"{directory} is not a Hugging Face model directory (no config.json)")
        if (directory / METADATA_FILE).exists():
            metadata = ClassifierMetadata.load(directory)
        elif threshold is not None:
            metadata = ClassifierMetadata(base_model=str(directory), threshold=threshold, version=weights_version(directory))
        else:
            raise NotAClassifierError(f"{directory} has no {METADATA_FILE}; train it with `unscathed train` or pass a threshold")
        try:
            model = AutoModelForSequenceClassification.from_pretrained(directory, dtype=torch.float32).to(default_device())
        except (ValueError, OSError) as error:
            raise NotAClassifierError(f"{directory} does not load as a sequence classifier: {error}") from error
        if model.config.num_labels != 2:
            raise NotAClassifierError(f"{directory} has {model.config.num_labels} labels; an injury classifier has 2")
        if threshold is not None:
            metadata.threshold = threshold
        return cls(model, AutoTokenizer.from_pretrained(directory), metadata)

    @torch.inference_mode()
    def score(self, snippets: Sequence[Snippet]) -> np.ndarray:
        scores = [self._score_batch(snippets[i : i + self.batch_size]) for i in range(0, len(snippets), self.batch_size)]
        return np.concatenate(scores) if scores else np.zeros(0)

    def _score_batch(self, snippets: Sequence[Snippet]) -> np.ndarray:
        batch = encode_pairs(self.tokenizer, snippets, self.metadata.max_length)
        batch = {k: v.to(self.model.device) for k, v in batch.items()}
        logits = self.model(**batch).logits.float()
        return torch.softmax(logits, dim=-1)[:, INJURY_LABEL].cpu().numpy()

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        self.model.save_pretrained(directory)
        self.tokenizer.save_pretrained(directory)
        self.metadata.version = weights_version(directory)
        self.metadata.save(directory)
