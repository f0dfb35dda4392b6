"""Ensembles: k classifiers trained on different seeds or bootstrap subsets, scored together (training: train.py).

An ensemble is a classifier too (mean or max of its members' P(injury)), with its own calibrated threshold.
Its members' disagreement (the spread of their scores) is what active learning asks about first.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from ..snippet import Snippet
from .classifier import CalibratedByMetadata, ClassifierMetadata, HFClassifier, NotAClassifierError

ENSEMBLE_FILE = "ensemble.json"


@dataclass
class EnsembleMetadata(ClassifierMetadata):
    """A classifier's metadata plus the member folders and how their scores are combined."""

    members: list[str] = field(default_factory=list)
    reduce: str = "mean"

    def save(self, directory: Path) -> None:
        (directory / ENSEMBLE_FILE).write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, directory: Path) -> "EnsembleMetadata":
        return cls(**json.loads((directory / ENSEMBLE_FILE).read_text()))


def is_ensemble(directory: str | Path) -> bool:
    return (Path(directory) / ENSEMBLE_FILE).exists()


class EnsembleClassifier(CalibratedByMetadata):
    """Scores with every member and combines them by mean or max."""

    def __init__(self, members: Sequence[HFClassifier], metadata: EnsembleMetadata) -> None:
        if not members:
            raise ValueError("an ensemble needs at least one member")
        if metadata.reduce not in ("mean", "max"):
            raise ValueError(f"ensemble reduce must be mean or max, got {metadata.reduce!r}")
        self.members = list(members)
        self.metadata = metadata

    def member_scores(self, snippets: Sequence[Snippet]) -> np.ndarray:
        """Each member's P(injury): shape (members, snippets)."""
        return np.stack([m.score(snippets) for m in self.members])

    def score(self, snippets: Sequence[Snippet]) -> np.ndarray:
        return self.combine(self.member_scores(snippets))

    def combine(self, member_scores: np.ndarray) -> np.ndarray:
        """The ensemble's P(injury) from its members' scores, shape (members, snippets) -> (snippets,)."""
        return member_scores.max(axis=0) if self.metadata.reduce == "max" else member_scores.mean(axis=0)

    def disagreement(self, snippets: Sequence[Snippet]) -> np.ndarray:
        """Standard deviation of the members' scores per snippet (0 when they agree)."""
        return self.member_scores(snippets).std(axis=0)

    @classmethod
    def load(cls, directory: str | Path, threshold: float | None = None) -> "EnsembleClassifier":
        directory = Path(directory)
        if not is_ensemble(directory):
            raise NotAClassifierError(f"{directory} is not an ensemble (no {ENSEMBLE_FILE})")
        metadata = EnsembleMetadata.load(directory)
        if threshold is not None:
            metadata.threshold = threshold
        return cls([HFClassifier.load(directory / name) for name in metadata.members], metadata)

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for name, member in zip(self.metadata.members, self.members):
            member.save(directory / name)
        # Saving gives each member its weights hash; the ensemble's version is the hash of those.
        self.metadata.version = hashlib.sha256(" ".join(m.version for m in self.members).encode()).hexdigest()[:12]
        self.metadata.save(directory)
